package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The credentials the benchmark starts pinfold with and signs with.
const (
	accessKey = "test"
	secretKey = "test"
	account   = "000000000000"
	region    = "us-east-1"
)

// signer signs requests with aws-sdk-go-v2's SigV4 signer, as the SDKs do.
type signer struct {
	v4    *v4.Signer
	creds aws.Credentials
}

func newSigner() *signer {
	return &signer{v4: v4.NewSigner(), creds: aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}}
}

// signedRequest is a request signed once, replayable while the signature is
// valid (15 minutes): the load generators spend their CPU on HTTP, not on
// HMACs.
type signedRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// sign builds and signs a request for service ("mobiletargeting" or "s3").
func (s *signer) sign(ctx context.Context, service, method, url string, body []byte) (*signedRequest, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body))
	}
	hash := sha256Hex(body)
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if err := s.v4.SignHTTP(ctx, s.creds, req, hash, service, region, time.Now(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
	}); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return &signedRequest{Method: method, URL: url, Header: req.Header, Body: body}, nil
}

// request returns a fresh *http.Request replaying sr.
func (sr *signedRequest) request(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if sr.Body != nil {
		body = bytes.NewReader(sr.Body)
	}
	req, err := http.NewRequestWithContext(ctx, sr.Method, sr.URL, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header = sr.Header.Clone()
	return req, nil
}

// pool is an HTTP client whose transport keeps up to MaxConns keep-alive
// connections to one host and counts the connections it dials.
type pool struct {
	Client *http.Client
	dials  atomic.Int64
}

// newPool returns a client for conns concurrent workers: at most conns
// connections per host, all kept idle between requests, so each worker ends
// up with its own keep-alive connection.
func newPool(conns int) *pool {
	p := &pool{}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			p.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        max(64, conns),
		MaxIdleConnsPerHost: max(64, conns),
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	p.Client = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	return p
}

// Dials returns the number of connections dialed so far.
func (p *pool) Dials() int64 { return p.dials.Load() }

// Close closes the idle connections.
func (p *pool) Close() { p.Client.CloseIdleConnections() }

// do sends sr and returns the status and body.
func (p *pool) do(ctx context.Context, sr *signedRequest) (int, []byte, error) {
	req, err := sr.request(ctx)
	if err != nil {
		return 0, nil, err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", sr.Method, sr.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read body: %w", sr.Method, sr.URL, err)
	}
	return resp.StatusCode, b, nil
}

// call signs and sends one Pinpoint request and wants status want.
func (p *pool) call(ctx context.Context, s *signer, method, url string, body []byte, want int) ([]byte, error) {
	sr, err := s.sign(ctx, "mobiletargeting", method, url, body)
	if err != nil {
		return nil, err
	}
	status, b, err := p.do(ctx, sr)
	if err != nil {
		return nil, err
	}
	if status != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, url, status, want, truncate(b, 300))
	}
	return b, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// createApp creates an application named name and returns its ID. It works
// against pinfold and moto alike.
func createApp(ctx context.Context, p *pool, s *signer, base, name string) (string, error) {
	b, err := p.call(ctx, s, http.MethodPost, base+"/v1/apps", []byte(`{"Name":"`+name+`"}`), http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("create app: %w", err)
	}
	var app struct{ Id string }
	if err := json.Unmarshal(b, &app); err != nil || app.Id == "" {
		return "", fmt.Errorf("create app: no Id in response %s", truncate(b, 300))
	}
	return app.Id, nil
}
