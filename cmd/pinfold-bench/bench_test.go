package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/s3server"
	"github.com/pinfold/pinfold/sigv4"
	"github.com/pinfold/pinfold/wire"
)

// The generated batches decode with pinfold's own wire decoder into valid
// new endpoints, with distinct IDs and UserIds, at about 730 bytes each.
func TestBatchBodyIsValidPinpoint(t *testing.T) {
	t.Parallel()
	const n = 1000
	ids, users := map[string]bool{}, map[string]bool{}
	total := 0
	for from := 0; from < n; from += pinfold.MaxBatchItems {
		body := batchBody(from, from+pinfold.MaxBatchItems)
		total += len(body) - len(`{"Item":[]}`) - (pinfold.MaxBatchItems - 1) // commas
		updates, err := wire.DecodeEndpointBatch(body)
		if err != nil {
			t.Fatalf("decode batch at %d: %v", from, err)
		}
		if len(updates) != pinfold.MaxBatchItems {
			t.Fatalf("batch at %d: got %d items, want %d", from, len(updates), pinfold.MaxBatchItems)
		}
		for i := range updates {
			u := &updates[i]
			if err := u.Validate(); err != nil {
				t.Fatalf("endpoint %s: %v", u.ID, err)
			}
			e, err := pinfold.Apply("app", nil, u, time.Now())
			if err != nil {
				t.Fatalf("endpoint %s: apply: %v", u.ID, err)
			}
			if ids[e.ID] || users[e.UserID()] || e.UserID() == "" {
				t.Fatalf("endpoint %s (user %q): ID or UserId repeated or empty", e.ID, e.UserID())
			}
			ids[e.ID], users[e.UserID()] = true, true
		}
	}
	if avg := total / n; avg < 700 || avg > 780 {
		t.Errorf("got %d bytes per endpoint on average, want about 730", avg)
	}
	i := typicalEndpoint()
	if b, _ := json.Marshal(newBatchItem(i)); len(b) < 720 || len(b) > 740 {
		t.Errorf("typical endpoint %d is %d bytes, want 720..740", i, len(b))
	}
}

// The reference's export line has Pinpoint's key order.
func TestExportLineKeyOrder(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(newExportLine("0123456789abcdef0123456789abcdef", 7))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	want := "ChannelType Address EndpointStatus OptOut Location Demographic EffectiveDate Attributes Metrics User ApplicationId Id CreationDate"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("got keys %s\nwant      %s", got, want)
	}
}

func TestPercentileAndMedian(t *testing.T) {
	t.Parallel()
	ms := func(xs ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range xs {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(3), 99, 3 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 of 1..100", ms(hundred...), 100, 100 * time.Millisecond},
		{"p99 of 1..10", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v): got %v, want %v", tc.xs, got, tc.want)
		}
	}
	if got := medianIndex([]float64{30, 10, 20}); got != 2 {
		t.Errorf("medianIndex: got %d, want 2", got)
	}
	if got := fmtRate(1234567.4); got != "1,234,567" {
		t.Errorf("fmtRate: got %s", got)
	}
}

// A request signed once verifies every time it is replayed, through the
// load generator's pool, with pinfold's own SigV4 verifier; a replay with a
// different body does not.
func TestSignedRequestReplays(t *testing.T) {
	t.Parallel()
	v := &sigv4.Verifier{Lookup: func(id string) (sigv4.Credential, bool) {
		return sigv4.Credential{AccessKeyID: accessKey, SecretAccessKey: secretKey, Account: account}, id == accessKey
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hash := ""
		if r.Header.Get("X-Amz-Content-Sha256") == "" {
			hash = sha256Hex(body)
		}
		id, err := v.Verify(r, hash)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		io.WriteString(w, id.Service)
	}))
	defer srv.Close()
	ctx := context.Background()
	s := newSigner()
	p := newPool(2)
	defer p.Close()
	for _, tc := range []struct {
		service, method string
		body            []byte
	}{
		{"mobiletargeting", http.MethodGet, nil},
		{"mobiletargeting", http.MethodPut, batchBody(0, 2)},
		{"s3", http.MethodGet, nil},
	} {
		sr, err := s.sign(ctx, tc.service, tc.method, srv.URL+"/v1/apps/abc?x=1", tc.body)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			status, b, err := p.do(ctx, sr)
			if err != nil || status != http.StatusOK || string(b) != tc.service {
				t.Fatalf("%s %s replay %d: status %d, body %q, err %v", tc.service, tc.method, i, status, b, err)
			}
		}
		if tc.body != nil {
			forged := *sr
			forged.Body = batchBody(2, 4)
			if status, _, _ := p.do(ctx, &forged); status != http.StatusForbidden {
				t.Errorf("%s with another body: got status %d, want 403", tc.method, status)
			}
		}
	}
	if got := p.Dials(); got > 2 {
		t.Errorf("pool dialed %d connections for sequential requests, want at most 2", got)
	}
	// runLoad over the same server: no errors, never more connections than
	// workers.
	sr, _ := s.sign(ctx, "mobiletargeting", http.MethodGet, srv.URL+"/v1/apps/abc", nil)
	raw, err := newRawClient(sr, http.StatusOK)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runLoad(ctx, raw, 3, 20*time.Millisecond, 100*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Requests == 0 || r.Dials < 1 || r.Dials > 3 {
		t.Errorf("runLoad: got %d requests, %d errors (%s), %d dials; want some requests, no errors, 1 to 3 dials", r.Requests, r.Errors, r.FirstErr, r.Dials)
	}
}

// Every client mode sends requests that pinfold's SigV4 verifier accepts,
// GetApp and GetEndpoint alike, on at most one connection per worker, and
// counts a refused request as an error.
func TestLoadModes(t *testing.T) {
	t.Parallel()
	v := &sigv4.Verifier{Lookup: func(id string) (sigv4.Credential, bool) {
		return sigv4.Credential{AccessKeyID: accessKey, SecretAccessKey: secretKey, Account: account}, id == accessKey
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := v.Verify(r, sha256Hex(nil)); err != nil {
			w.Header().Set("X-Amzn-ErrorType", "ForbiddenException")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"bad signature"}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/apps/missing") {
			w.Header().Set("X-Amzn-ErrorType", "NotFoundException")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"not found"}`)
			return
		}
		io.WriteString(w, `{"Id":"abc","Name":"bench","Arn":"arn:aws:mobiletargeting:us-east-1:000000000000:apps/abc"}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	s := newSigner()
	for _, mode := range []string{modeHTTP, modeSDK, modeRaw} {
		for _, op := range []readOp{
			{Name: "GetApp", Base: srv.URL, App: "abc"},
			{Name: "GetEndpoint", Base: srv.URL, App: "abc", Endpoint: "ep-1"},
		} {
			lc, err := newLoadClient(ctx, mode, s, op, 3)
			if err != nil {
				t.Fatal(err)
			}
			r, err := runLoad(ctx, lc, 3, 20*time.Millisecond, 100*time.Millisecond, 0)
			lc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if r.Errors != 0 || r.Requests == 0 || r.Dials < 1 || r.Dials > 3 {
				t.Errorf("%s %s: got %d requests, %d errors (%s), %d dials; want some requests, no errors, 1 to 3 dials", mode, op.Name, r.Requests, r.Errors, r.FirstErr, r.Dials)
			}
		}
		lc, err := newLoadClient(ctx, mode, s, readOp{Name: "GetApp", Base: srv.URL, App: "missing"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		r, err := runLoad(ctx, lc, 1, 0, 50*time.Millisecond, 0)
		lc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors == 0 || r.Requests != 0 || r.FirstErr == "" {
			t.Errorf("%s GetApp of a missing app: got %d requests, %d errors (%q); want errors only", mode, r.Requests, r.Errors, r.FirstErr)
		}
	}
}

// The server's environment never inherits the benchmark's runtime
// variables; --tuned and --server-env add to it, in that order.
func TestServerEnv(t *testing.T) {
	t.Setenv("GOGC", "off")
	t.Setenv("GOMAXPROCS", "1")
	for _, tc := range []struct {
		flags ServerFlags
		want  []string
	}{
		{ServerFlags{}, nil},
		{ServerFlags{Tuned: true}, []string{"GOGC=1600", "GOMEMLIMIT=180MiB", fmt.Sprintf("GOMAXPROCS=%d", 4*runtime.NumCPU())}},
		{ServerFlags{Tuned: true, ServerEnv: []string{"GOGC=400"}}, []string{"GOGC=1600", "GOMEMLIMIT=180MiB", fmt.Sprintf("GOMAXPROCS=%d", 4*runtime.NumCPU()), "GOGC=400"}},
	} {
		env, err := tc.flags.serverEnv()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(env, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.flags, env, tc.want)
		}
		got := childEnv(env)
		for _, kv := range got {
			if kv == "GOGC=off" || kv == "GOMAXPROCS=1" {
				t.Errorf("%+v: child inherits %s", tc.flags, kv)
			}
		}
		if !slices.Equal(got[len(got)-len(env):], env) {
			t.Errorf("%+v: child environment does not end with %q", tc.flags, env)
		}
	}
	if _, err := (&ServerFlags{ServerEnv: []string{"GOGC"}}).serverEnv(); err == nil {
		t.Error("--server-env GOGC: got no error, want one")
	}
	if got := describeEnv(nil, false); !strings.Contains(got, "nothing set") || !strings.Contains(got, "GOGC, GOMEMLIMIT, GOMAXPROCS unset") {
		t.Errorf("describeEnv(nil): got %q", got)
	}
}

// verifyExport counts lines and distinct endpoints across the .gz objects
// under a prefix of pinfold's embedded S3 store, and reports a duplicate.
func TestVerifyExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := blob.NewStore(t.TempDir())
	if err := store.CreateBucket(ctx, account, "bench"); err != nil {
		t.Fatal(err)
	}
	scope := pinfold.Scope{Account: account, Region: region}
	put := func(key string, from, to int) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for i := from; i < to; i++ {
			b, _ := json.Marshal(newExportLine("app1", i))
			zw.Write(append(b, '\n'))
		}
		zw.Close()
		if err := store.PutObject(ctx, scope, "bench", key, &buf); err != nil {
			t.Fatal(err)
		}
	}
	put("run/1/job/0.gz", 0, 30)
	put("run/1/job/1.gz", 30, 50)
	if err := store.PutObject(ctx, scope, "bench", "run/1/job/manifest.json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	put("run/2/job/0.gz", 0, 10)
	put("run/2/job/1.gz", 9, 20)
	s3h := s3server.New(store)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s3h.Serve(w, r, account, nil) }))
	defer srv.Close()

	got, err := verifyExport(ctx, newSigner(), srv.URL, "bench", "run/1/", "app1", 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !got.OK() || got.Objects != 2 || got.Lines != 50 {
		t.Errorf("run/1: got %s, want 2 objects, 50 lines, OK", got)
	}
	got, err = verifyExport(ctx, newSigner(), srv.URL, "bench", "run/2/", "app1", 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.OK() || got.Lines != 21 || got.Distinct != 20 || !strings.Contains(got.Problem, "exported twice") {
		t.Errorf("run/2: got %s, want 21 lines, 20 distinct, a duplicate reported", got)
	}
}

// The reference encodes every endpoint it is given.
func TestReference(t *testing.T) {
	t.Parallel()
	r, err := reference(context.Background(), "app1", 1001, 300)
	if err != nil {
		t.Fatal(err)
	}
	if r.Endpoints != 1001 || r.Elapsed <= 0 || r.Bytes < 1001*50 {
		t.Errorf("got %+v, want 1001 endpoints, some time, at least 50 compressed bytes each", r)
	}
}

// BenchmarkReference runs the export reference in-process (go test -bench
// Reference); the pinfold-bench command is the full benchmark.
func BenchmarkReference(b *testing.B) {
	const n = 20000
	var elapsed time.Duration
	for b.Loop() {
		r, err := reference(context.Background(), "0123456789abcdef0123456789abcdef", n, 5000)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += r.Elapsed
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "endpoints/s")
}

// The benchmark's segment decodes and validates with pinfold's own code,
// matches exactly the endpoints selectedCount counts (about half), and
// planOf agrees with the generator.
func TestHalfSegment(t *testing.T) {
	t.Parallel()
	ws, err := wire.DecodeWriteSegmentRequest(halfSegmentBody(halfPlans))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Def.Validate(); err != nil {
		t.Fatal(err)
	}
	match, _, err := pinfold.Compile(context.Background(), ws.Def, nil, pinfold.Evaluation{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	matched := 0
	for from := 0; from < n; from += pinfold.MaxBatchItems {
		updates, err := wire.DecodeEndpointBatch(batchBody(from, from+pinfold.MaxBatchItems))
		if err != nil {
			t.Fatal(err)
		}
		for i := range updates {
			e, err := pinfold.Apply("app", nil, &updates[i], time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := newBatchItem(from + i).Attributes["Plan"][0], planOf(from+i); got != want {
				t.Fatalf("endpoint %d: planOf %q, generator %q", from+i, want, got)
			}
			if match(e) {
				matched++
			}
		}
	}
	if got := selectedCount(n, halfPlans); got != matched || got < n*45/100 || got > n*55/100 {
		t.Errorf("selectedCount %d, segment matched %d of %d; want equal and about half", got, matched, n)
	}
}

// The import request decodes with pinfold's own decoder as a JSON import.
func TestImportBody(t *testing.T) {
	t.Parallel()
	def, err := wire.DecodeImportJobRequest(importBody("s3://bench/run/1/"))
	if err != nil {
		t.Fatal(err)
	}
	if def.Format != pinfold.FormatJSON || def.S3URL != "s3://bench/run/1/" || !pinfold.ValidRoleARN(def.RoleARN) {
		t.Errorf("got %+v, want a JSON import of s3://bench/run/1/ with a valid role", def)
	}
}

// The api command measures every connection count with --mode, the highest
// only with the other modes, and moto and the net/http floor with every mode
// but sdk.
func TestAPIPlan(t *testing.T) {
	t.Parallel()
	c := &APICmd{Mode: modeHTTP, Compare: []string{"raw", "sdk", "http", ""}, Conns: []int{1, 16, 64}}
	modes, err := c.modes()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http", "raw", "sdk"}; !slices.Equal(modes, want) {
		t.Fatalf("modes: got %q, want %q", modes, want)
	}
	var got []string
	for _, r := range c.plan(modes, 64) {
		got = append(got, fmt.Sprintf("%s %s %s@%d", r.target, r.mode, r.op, r.conns))
	}
	want := []string{
		"pinfold http GetApp@1", "pinfold http GetApp@16", "pinfold http GetApp@64",
		"pinfold http GetEndpoint@1", "pinfold http GetEndpoint@16", "pinfold http GetEndpoint@64",
		"moto http GetApp@1", "moto http GetApp@64", "net/http floor http GetEndpoint@64",
		"pinfold raw GetApp@64", "pinfold raw GetEndpoint@64", "moto raw GetApp@64", "net/http floor raw GetEndpoint@64",
		"pinfold sdk GetApp@64", "pinfold sdk GetEndpoint@64",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\ngot  %q\nwant %q", got, want)
	}
	c.NoMoto, c.NoFloor = true, true
	got = got[:0]
	for _, r := range c.plan([]string{"http"}, 64) {
		got = append(got, fmt.Sprintf("%s %s %s@%d", r.target, r.mode, r.op, r.conns))
	}
	want = []string{"pinfold http GetApp@1", "pinfold http GetApp@16", "pinfold http GetApp@64",
		"pinfold http GetEndpoint@1", "pinfold http GetEndpoint@16", "pinfold http GetEndpoint@64"}
	if !slices.Equal(got, want) {
		t.Errorf("plan with --no-moto --no-floor:\ngot  %q\nwant %q", got, want)
	}
	if _, err := (&APICmd{Mode: modeHTTP, Compare: []string{"wrk"}}).modes(); err == nil {
		t.Error("--compare wrk: got no error, want one")
	}
}
