package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/pinfold/pinfold"
)

// discardWriter is a ResponseWriter that keeps the status and drops the
// body, so that a benchmark measures the handler and not a connection.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// benchmarkGet serves the signed GET path through h.ServeHTTP, the work a
// node does for GetApp or GetEndpoint once the request is parsed: routing,
// SigV4 verification, the store read, the response and the log line.
func benchmarkGet(b *testing.B, h *Handler, path string) {
	req := signedRequest(b, http.MethodGet, "http://127.0.0.1", path, "mobiletargeting", nil)
	hdr := req.Header.Clone()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req.Header = hdr
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

var benchScope = pinfold.Scope{Account: "000000000000", Region: "us-east-1"}

// BenchmarkGetApp and BenchmarkGetEndpoint count the CPU and allocations of
// one request on the server's side (no connection): the allocations are
// what drives the collector at 64 connections (docs/benchmarks.md).
func BenchmarkGetApp(b *testing.B) {
	h := testHandler(b)
	app := &pinfold.App{Scope: benchScope, Name: "bench"}
	if err := h.Store.CreateApp(context.Background(), app); err != nil {
		b.Fatal(err)
	}
	benchmarkGet(b, h, "/v1/apps/"+app.ID)
}

func BenchmarkGetEndpoint(b *testing.B) {
	h := testHandler(b)
	app := &pinfold.App{Scope: benchScope, Name: "bench"}
	if err := h.Store.CreateApp(context.Background(), app); err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"ChannelType":"EMAIL","Address":"a@example.com","Attributes":{"Plan":["gold"]},"User":{"UserId":"u1"}}`)
	put := signedRequest(b, http.MethodPut, "http://127.0.0.1", "/v1/apps/"+app.ID+"/endpoints/e1", "mobiletargeting", body)
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, put)
	if w.status != http.StatusAccepted {
		b.Fatalf("UpdateEndpoint: status %d", w.status)
	}
	benchmarkGet(b, h, "/v1/apps/"+app.ID+"/endpoints/e1")
}

func TestEmptyPayloadHash(t *testing.T) {
	sum := sha256.Sum256(nil)
	if got := hex.EncodeToString(sum[:]); got != emptyPayloadHash {
		t.Fatalf("SHA-256 of nothing is %s, emptyPayloadHash %s", got, emptyPayloadHash)
	}
}

func TestRequestIDHeaderKeyIsCanonical(t *testing.T) {
	if k := http.CanonicalHeaderKey("x-amzn-RequestId"); k != "X-Amzn-Requestid" {
		t.Fatalf("canonical key %q", k)
	}
}
