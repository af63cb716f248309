package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/smithy-go"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/phone"
	"github.com/pinfold/pinfold/sigv4"
	"github.com/pinfold/pinfold/sqlite"
)

// testHandler returns a Handler over a fresh SQLite store that knows the
// access key test/test (account 000000000000). opts run before Init.
func testHandler(t testing.TB, opts ...func(*Handler)) *Handler {
	t.Helper()
	store := sqlite.NewStore(filepath.Join(t.TempDir(), "pinfold.db"))
	if err := store.Open(context.Background()); err != nil {
		store.Close()
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	h := &Handler{
		Store:  store,
		Auth:   sigv4.NewVerifier(testCredentials),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Phone:  phone.Validator{},
	}
	for _, o := range opts {
		o(h)
	}
	h.Init()
	return h
}

func testCredentials(id string) (sigv4.Credential, bool) {
	if id != "test" {
		return sigv4.Credential{}, false
	}
	return sigv4.Credential{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}, true
}

// testServer serves h on 127.0.0.1:0 until the test ends.
func testServer(t *testing.T, h *Handler) *Server {
	t.Helper()
	s := &Server{Addr: "127.0.0.1:0", Handler: h}
	if err := s.Open(); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return s
}

// sdkClient returns an aws-sdk-go-v2 Pinpoint client for s that does not
// retry.
func sdkClient(s *Server) *pinpoint.Client {
	return pinpoint.New(pinpoint.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(s.URL()),
		RetryMaxAttempts: 1,
	})
}

// signedRequest returns a request for base+path signed with test/test for
// service, as an SDK signs it (s3 requests with an unsigned payload).
func signedRequest(t testing.TB, method, base, path, service string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	hash := sigv4.UnsignedPayload
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	} else {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hash, service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// envelope is Pinpoint's error response as a client sees it.
type envelope struct {
	Status    int
	Type      string // x-amzn-ErrorType
	Message   string
	RequestID string
}

// readEnvelope reads an error response, checking that it is JSON whose
// RequestID is the x-amzn-RequestId header.
func readEnvelope(t testing.TB, status int, h http.Header, body []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	e.Status, e.Type = status, h.Get("x-amzn-ErrorType")
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	if id := h.Get("x-amzn-RequestId"); id == "" || id != e.RequestID {
		t.Errorf("RequestID %q, header %q: want the same, not empty", e.RequestID, id)
	}
	return e
}

// do sends req and returns the response with its body read.
func do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestSDKAppLifecycle(t *testing.T) {
	t.Parallel()
	s := testServer(t, testHandler(t))
	c := sdkClient(s)
	ctx := context.Background()
	out, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("api-test")}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	id := aws.ToString(out.ApplicationResponse.Id)
	got, err := c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: &id})
	if err != nil || aws.ToString(got.ApplicationResponse.Name) != "api-test" {
		t.Fatalf("GetApp = %v, %v", got, err)
	}
	_, err = c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotFoundException" || ae.ErrorMessage() != pinfold.MsgAppNotFound {
		t.Errorf("GetApp of a missing app: %v, want NotFoundException %q", err, pinfold.MsgAppNotFound)
	}
}

// TestUnroutedRequests checks that unmatched paths and methods a path lacks
// get Pinpoint's envelope, not ServeMux's plain text.
func TestUnroutedRequests(t *testing.T) {
	t.Parallel()
	s := testServer(t, testHandler(t))
	cases := []struct {
		method, path string
		want         envelope
	}{
		{"GET", "/v1/nothing/here", envelope{Status: 404, Type: "NotFoundException", Message: "No operation matches GET /v1/nothing/here"}},
		{"DELETE", "/v1/apps", envelope{Status: 405, Type: "MethodNotAllowedException", Message: "Method not allowed"}},
		{"PATCH", "/v1/apps/0123456789abcdef0123456789abcdef", envelope{Status: 405, Type: "MethodNotAllowedException", Message: "Method not allowed"}},
	}
	for _, tc := range cases {
		resp, body := do(t, signedRequest(t, tc.method, s.URL(), tc.path, "mobiletargeting", nil))
		got := readEnvelope(t, resp.StatusCode, resp.Header, body)
		got.RequestID = ""
		if got != tc.want {
			t.Errorf("%s %s: got %+v, want %+v", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestWriteErrorTable checks every application error code's status and
// exception name, and that a code outside the table, like any error that is
// not an application error, is a 500 with a generic message.
func TestWriteErrorTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want envelope
	}{
		{pinfold.Errorf(pinfold.EINVALID, "bad"), envelope{400, "BadRequestException", "bad", "r"}},
		{pinfold.Errorf(pinfold.EFORBIDDEN, "no"), envelope{403, "ForbiddenException", "no", "r"}},
		{pinfold.Errorf(pinfold.ENOTFOUND, "gone"), envelope{404, "NotFoundException", "gone", "r"}},
		{pinfold.Errorf(pinfold.ECONFLICT, "again"), envelope{409, "ConflictException", "again", "r"}},
		{pinfold.Errorf(pinfold.ETOOLARGE, "big"), envelope{413, "PayloadTooLargeException", "big", "r"}},
		{pinfold.Errorf(pinfold.ETHROTTLED, "slow"), envelope{429, "TooManyRequestsException", "slow", "r"}},
		{pinfold.Errorf(pinfold.EINTERNAL, "oops"), envelope{500, "InternalServerErrorException", "oops", "r"}},
		{pinfold.Errorf("no-such-code", "secret detail"), envelope{500, "InternalServerErrorException", "Internal server error", "r"}},
		{errors.New("disk on fire"), envelope{500, "InternalServerErrorException", "Internal server error", "r"}},
		{&sigv4.Error{Kind: sigv4.InvalidSignature, Message: "sig"}, envelope{403, "InvalidSignatureException", "sig", "r"}},
		{methodNotAllowedError{}, envelope{405, "MethodNotAllowedException", "Method not allowed", "r"}},
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	for _, tc := range cases {
		w := httptest.NewRecorder()
		w.Header().Set("x-amzn-RequestId", "r")
		status := writeError(w, log, "r", tc.err)
		got := readEnvelope(t, w.Code, w.Header(), w.Body.Bytes())
		if got != tc.want || status != tc.want.Status {
			t.Errorf("writeError(%v) = %d %+v, want %+v", tc.err, status, got, tc.want)
		}
	}
	if !strings.Contains(logged.String(), "secret detail") || !strings.Contains(logged.String(), "disk on fire") {
		t.Errorf("internal errors not logged:\n%s", logged.String())
	}
}

// TestRouteOutsideServeHTTP checks that a route reached without ServeHTTP
// (so without an authenticated request) answers 500 instead of panicking.
func TestRouteOutsideServeHTTP(t *testing.T) {
	t.Parallel()
	h := testHandler(t)
	for _, path := range []string{"/v1/apps", "/v1/nothing"} {
		w := httptest.NewRecorder()
		h.mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		got := readEnvelope(t, w.Code, w.Header(), w.Body.Bytes())
		if got.Status != 500 || got.Type != "InternalServerErrorException" || got.Message != msgInternal {
			t.Errorf("GET %s outside ServeHTTP: %+v", path, got)
		}
	}
}

// readFromWriter is a ResponseWriter with the ReadFrom net/http's own has
// (sendfile for files), counting its calls.
type readFromWriter struct {
	*httptest.ResponseRecorder
	readFroms int
}

func (w *readFromWriter) ReadFrom(r io.Reader) (int64, error) {
	w.readFroms++
	return io.Copy(w.ResponseRecorder, r)
}

// TestRecorderPassesWriterInterfaces checks that handlers behind ServeHTTP
// (the embedded S3 endpoint) reach the connection's io.ReaderFrom, so an
// object GET keeps net/http's sendfile path, and, through Unwrap, what
// http.ResponseController offers.
func TestRecorderPassesWriterInterfaces(t *testing.T) {
	t.Parallel()
	object := filepath.Join(t.TempDir(), "object")
	if err := os.WriteFile(object, []byte("object body"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := testHandler(t, func(h *Handler) {
		h.S3 = func(w http.ResponseWriter, r *http.Request, _ sigv4.Identity) {
			if r.URL.Path == "/bucket/flush" {
				w.Write([]byte("flushed"))
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
				}
				return
			}
			f, err := os.Open(object)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			w.Header().Set("Content-Type", "application/octet-stream")
			io.Copy(w, f) // as gofakes3 copies an object's body
		}
	})

	w := &readFromWriter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, signedRequest(t, "GET", "http://127.0.0.1", "/bucket/object", "s3", nil))
	if w.readFroms != 1 || w.Body.String() != "object body" || w.Code != 200 {
		t.Errorf("object GET: %d ReadFrom calls, status %d, body %q; want 1, 200, the object", w.readFroms, w.Code, w.Body.String())
	}

	fw := httptest.NewRecorder()
	h.ServeHTTP(fw, signedRequest(t, "GET", "http://127.0.0.1", "/bucket/flush", "s3", nil))
	if !fw.Flushed || fw.Body.String() != "flushed" {
		t.Errorf("flush through the recorder: flushed %v, body %q", fw.Flushed, fw.Body.String())
	}
}

// TestAttributeNameQuota checks that an endpoint over the app's quota of
// attribute names is refused while decoding with the message the store
// gives when a batch of endpoints within it puts the app over it.
func TestAttributeNameQuota(t *testing.T) {
	t.Parallel()
	s := testServer(t, testHandler(t))
	c := sdkClient(s)
	ctx := context.Background()
	appID := createApp(t, c)
	attrs := func(prefix string, n int) map[string][]string {
		m := map[string][]string{}
		for i := range n {
			m[fmt.Sprintf("%s%d", prefix, i)] = []string{"v"}
		}
		return m
	}
	item := func(id string, a map[string][]string) types.EndpointBatchItem {
		return types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeSms, Address: aws.String("+15550100"), Attributes: a}
	}
	// In the store: two endpoints of 200 names each.
	_, storeErr := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: []types.EndpointBatchItem{item("a", attrs("a", 200)), item("b", attrs("b", 200))}}})
	// While decoding: one endpoint of 251 names, alone or in a batch.
	_, updateErr := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: &appID, EndpointId: aws.String("c"),
		EndpointRequest: &types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("+15550100"), Attributes: attrs("c", 251)}})
	_, batchErr := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: []types.EndpointBatchItem{item("d", nil), item("e", attrs("e", 251))}}})
	for _, err := range []error{storeErr, updateErr, batchErr} {
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" ||
			ae.ErrorMessage() != "Exceeded maximum number of custom attribute names per application: 250" {
			t.Errorf("got %v, want BadRequestException with the store's quota message", err)
		}
	}
}
