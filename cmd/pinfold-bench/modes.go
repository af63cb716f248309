package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
)

// The client modes of the read measurements: how the load workers send
// their requests.
const (
	// modeHTTP is net/http's client, signing every request with
	// aws-sdk-go-v2's SigV4 signer when it is sent, as an SDK does: the
	// cost a real client puts on the machine and into the latency.
	modeHTTP = "http"
	// modeSDK is aws-sdk-go-v2's Pinpoint client itself (GetApp,
	// GetEndpoint) over the same net/http client: its middleware stack,
	// signing and response decoding included.
	modeSDK = "sdk"
	// modeRaw writes a request signed once as raw HTTP/1.1 bytes on a
	// keep-alive connection and reads the response with http.ReadResponse,
	// as wrk does: the least client CPU, so the most of the shared cores
	// left to the server (docs/decisions.md, 18).
	modeRaw = "raw"
)

// describeMode says how a mode sends its requests, for the report.
func describeMode(mode string) string {
	switch mode {
	case modeHTTP:
		return "net/http client (one http.Transport, an idle keep-alive connection kept per worker), every request signed with aws-sdk-go-v2's SigV4 signer when sent, response body read in full"
	case modeSDK:
		return "aws-sdk-go-v2's Pinpoint client (one client shared by the workers, retries off so each call is one request) over the same net/http client, responses decoded"
	case modeRaw:
		return "each distinct request signed once and its bytes replayed on a raw keep-alive connection per worker, response read with http.ReadResponse (as wrk does)"
	}
	return mode
}

// readOp is one read operation against one server: GetApp of App, or
// GetEndpoint of Endpoint in App.
type readOp struct {
	Name          string // "GetApp" or "GetEndpoint"
	Base          string // the server's URL
	App, Endpoint string
}

// URL returns the operation's request URL.
func (o readOp) URL() string {
	u := o.Base + "/v1/apps/" + o.App
	if o.Name == "GetEndpoint" {
		u += "/endpoints/" + o.Endpoint
	}
	return u
}

// loadClient sends one operation from many workers, each with its own
// keep-alive connection.
type loadClient interface {
	// worker returns a new worker. A worker is used by one goroutine.
	worker() worker
	// Dials returns the connections dialed so far.
	Dials() int64
	// Close closes idle connections.
	Close()
}

// worker sends the operation once per call.
type worker interface {
	// send sends the operation and reports whether it succeeded, with a
	// message when it did not.
	send(ctx context.Context) (ok bool, msg string)
	close()
}

// newLoadClient returns the client of mode for op from conns workers.
func newLoadClient(ctx context.Context, mode string, s *signer, op readOp, conns int) (loadClient, error) {
	switch mode {
	case modeRaw:
		sr, err := s.sign(ctx, "mobiletargeting", http.MethodGet, op.URL(), nil)
		if err != nil {
			return nil, err
		}
		return newRawClient(sr, http.StatusOK)
	case modeHTTP:
		return &httpClient{pool: newPool(conns), signer: s, url: op.URL()}, nil
	case modeSDK:
		return newSDKClient(op, conns), nil
	}
	return nil, fmt.Errorf("unknown client mode %q", mode)
}

// rawClient replays one pre-signed request on raw connections.
type rawClient struct {
	addr  string
	req   []byte
	want  int
	dials atomic.Int64
}

func newRawClient(sr *signedRequest, want int) (*rawClient, error) {
	raw, err := sr.wire()
	if err != nil {
		return nil, err
	}
	return &rawClient{addr: sr.host(), req: raw, want: want}, nil
}

func (c *rawClient) worker() worker {
	return &rawConn{addr: c.addr, req: c.req, want: c.want, dials: &c.dials}
}
func (c *rawClient) Dials() int64 { return c.dials.Load() }
func (c *rawClient) Close()       {}

// emptySHA256 is the SHA-256 of an empty payload, in hex.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// httpClient sends a GET through net/http's client, signed when sent.
type httpClient struct {
	pool   *pool
	signer *signer
	url    string
	urlOf  func() string // when set, called for each request's URL instead of url
}

func (c *httpClient) worker() worker { return c }
func (c *httpClient) Dials() int64   { return c.pool.Dials() }
func (c *httpClient) Close()         { c.pool.Close() }
func (c *httpClient) close()         {}

func (c *httpClient) send(ctx context.Context) (bool, string) {
	u := c.url
	if c.urlOf != nil {
		u = c.urlOf()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err.Error()
	}
	if err := c.signer.v4.SignHTTP(ctx, c.signer.creds, req, emptySHA256, "mobiletargeting", region, time.Now()); err != nil {
		return false, err.Error()
	}
	resp, err := c.pool.Client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, fmt.Sprintf("read body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("status %d, want 200", resp.StatusCode)
	}
	return true, ""
}

// sdkClient calls the operation with aws-sdk-go-v2's Pinpoint client.
type sdkClient struct {
	pool   *pool
	client *pinpoint.Client
	op     readOp
}

// newSDKClient returns a Pinpoint client of the server at op.Base as an
// application would configure one: static credentials, the server as base
// endpoint, and an HTTP client that keeps a connection per worker (the
// SDK's default transport keeps 10 idle connections per host). Retries are
// off so that a failed request counts as an error instead of being
// retried inside the measured latency.
func newSDKClient(op readOp, conns int) *sdkClient {
	p := newPool(conns)
	cfg := aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		HTTPClient:       p.Client,
		RetryMaxAttempts: 1,
	}
	client := pinpoint.NewFromConfig(cfg, func(o *pinpoint.Options) { o.BaseEndpoint = aws.String(op.Base) })
	return &sdkClient{pool: p, client: client, op: op}
}

func (c *sdkClient) worker() worker { return c }
func (c *sdkClient) Dials() int64   { return c.pool.Dials() }
func (c *sdkClient) Close()         { c.pool.Close() }
func (c *sdkClient) close()         {}

func (c *sdkClient) send(ctx context.Context) (bool, string) {
	var err error
	switch c.op.Name {
	case "GetApp":
		_, err = c.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: &c.op.App})
	case "GetEndpoint":
		_, err = c.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &c.op.App, EndpointId: &c.op.Endpoint})
	default:
		err = fmt.Errorf("no SDK call for %s", c.op.Name)
	}
	if err != nil {
		return false, err.Error()
	}
	return true, ""
}
