package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
)

// hostileEndpoint is a 7 MB EndpointRequest of about 440,000 attributes,
// where Pinpoint allows 250 names per app.
func hostileEndpoint() []byte {
	var b strings.Builder
	b.WriteString(`{"ChannelType":"SMS","Address":"+15550100","Attributes":{`)
	for i := 0; b.Len() < MaxBodyBytes-32; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%06d":["v"]`, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// createApp creates an app through the SDK and returns its ID.
func createApp(t *testing.T, c *pinpoint.Client) string {
	t.Helper()
	out, err := c.CreateApp(context.Background(), &pinpoint.CreateAppInput{
		CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("budget")}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	return aws.ToString(out.ApplicationResponse.Id)
}

// heapSampler records the most heap memory in objects (live or not yet
// collected) seen until stop. It samples runtime/metrics on a ticker: it can
// miss a peak, never invent one.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func sampleHeap() *heapSampler {
	hs := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(hs.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			hs.peak = max(hs.peak, heapNow())
			select {
			case <-hs.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return hs
}

func (hs *heapSampler) Stop() uint64 {
	close(hs.stop)
	<-hs.done
	return hs.peak
}

// TestMemoryBudgetBurst fires 32 concurrent signed UpdateEndpoint requests
// of 7 MB and 440,000 attribute names at a real server and checks that the
// process heap stays within the handler's memory budget, that each gets a
// clean BadRequestException, and that the server serves valid requests
// after the burst. (Without the budget and the decode-time quotas, 32 such
// requests took a server to 3.8 GB.)
func TestMemoryBudgetBurst(t *testing.T) {
	h := testHandler(t, func(h *Handler) { h.AdmitTimeout = 10 * time.Minute })
	s := testServer(t, h)
	c := sdkClient(s)
	appID := createApp(t, c)
	body := hostileEndpoint()

	const burst = 32
	reqs := make([]*http.Request, burst)
	for i := range reqs {
		reqs[i] = signedRequest(t, "PUT", s.URL(), fmt.Sprintf("/v1/apps/%s/endpoints/e%d", appID, i), "mobiletargeting", body)
	}
	runtime.GC()
	base := heapNow()
	hs := sampleHeap()
	type result struct {
		status int
		header http.Header
		body   []byte
		err    error
	}
	results := make([]result, burst)
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results[i].err = err
				return
			}
			defer resp.Body.Close()
			results[i].status, results[i].header = resp.StatusCode, resp.Header
			results[i].body, results[i].err = io.ReadAll(resp.Body)
		}()
	}
	wg.Wait()
	peak := hs.Stop()

	for i, r := range results {
		if r.err != nil {
			t.Errorf("request %d: %v", i, r.err)
			continue
		}
		e := readEnvelope(t, r.status, r.header, r.body)
		if e.Status != 400 || e.Type != "BadRequestException" || e.Message != "Exceeded maximum number of custom attribute names per application: 250" {
			t.Errorf("request %d: %+v", i, e)
		}
	}
	grew := int64(peak) - int64(base)
	t.Logf("heap in objects: %d MiB before the burst, peak %d MiB during it (budget %d MiB)", base>>20, peak>>20, h.MemoryBudget>>20)
	if grew > h.MemoryBudget {
		t.Errorf("the heap grew by %d MiB during the burst, more than the budget of %d MiB", grew>>20, h.MemoryBudget>>20)
	}

	// Valid requests still succeed.
	ctx := context.Background()
	_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: &appID, EndpointId: aws.String("ok"),
		EndpointRequest: &types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("+15550101"),
			Attributes: map[string][]string{"Plan": {"gold"}}}})
	if err != nil {
		t.Fatalf("UpdateEndpoint after the burst: %v", err)
	}
	got, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String("ok")})
	if err != nil || got.EndpointResponse.Attributes["Plan"][0] != "gold" {
		t.Fatalf("GetEndpoint after the burst = %v, %v", got, err)
	}
}

// blockingStore holds UpsertEndpoints until release is closed, telling
// entered when a call arrives.
type blockingStore struct {
	pinfold.Store
	entered chan struct{}
	release chan struct{}
}

func (s *blockingStore) UpsertEndpoints(ctx context.Context, scope pinfold.Scope, appID string, us []pinfold.EndpointUpdate, now time.Time) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.UpsertEndpoints(ctx, scope, appID, us, now)
}

// TestMemoryBudgetThrottles checks the two refusals of the budget: a
// request that waits longer than AdmitTimeout for it (429), and one whose
// charge is more than the whole budget (413).
func TestMemoryBudgetThrottles(t *testing.T) {
	t.Parallel()
	var bs *blockingStore
	h := testHandler(t, func(h *Handler) {
		bs = &blockingStore{Store: h.Store, entered: make(chan struct{}), release: make(chan struct{})}
		h.Store = bs
		h.MemoryBudget = 1 << 20 // bodies up to 128 KiB, segments up to 16 KiB
		h.AdmitTimeout = time.Nanosecond
	})
	s := testServer(t, h)
	appID := createApp(t, sdkClient(s))
	// 70 KB of whitespace: more than half the budget once charged.
	padded := []byte(`{"ChannelType":"SMS","Address":"+15550100"` + strings.Repeat(" ", 70_000) + `}`)
	path := "/v1/apps/" + appID + "/endpoints/"

	send := func(req *http.Request) <-chan int {
		status := make(chan int, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- 0
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		return status
	}
	first := send(signedRequest(t, "PUT", s.URL(), path+"a", "mobiletargeting", padded))
	<-bs.entered // the first request holds its charge
	resp, body := do(t, signedRequest(t, "PUT", s.URL(), path+"b", "mobiletargeting", padded))
	if e := readEnvelope(t, resp.StatusCode, resp.Header, body); e.Status != 429 || e.Type != "TooManyRequestsException" {
		t.Errorf("second request while the budget is held: %+v, want 429 TooManyRequestsException", e)
	}
	// A small request fits beside the first.
	third := send(signedRequest(t, "PUT", s.URL(), path+"c", "mobiletargeting", []byte(`{"ChannelType":"SMS","Address":"+15550102"}`)))
	<-bs.entered
	close(bs.release)
	if got := <-first; got != http.StatusAccepted {
		t.Errorf("first request: status %d, want 202", got)
	}
	if got := <-third; got != http.StatusAccepted {
		t.Errorf("small request beside the first: status %d, want 202", got)
	}

	// More than the whole budget: refused before the body is read.
	for _, tc := range []struct {
		path string
		size int
		want string
	}{
		{path + "d", 200_000, "Request payload exceeds the limit of 131072 bytes"},
		{"/v1/apps/" + appID + "/segments", 20_000, "Request payload exceeds the limit of 16384 bytes"},
	} {
		body := []byte(`{"Name":"x"` + strings.Repeat(" ", tc.size) + `}`)
		method := "PUT"
		if strings.HasSuffix(tc.path, "segments") {
			method = "POST"
		}
		resp, got := do(t, signedRequest(t, method, s.URL(), tc.path, "mobiletargeting", body))
		if e := readEnvelope(t, resp.StatusCode, resp.Header, got); e.Status != 413 || e.Type != "PayloadTooLargeException" || e.Message != tc.want {
			t.Errorf("%s of %d bytes: %+v, want 413 %q", tc.path, len(body), e, tc.want)
		}
	}
}

// TestBodyOfUnknownLength checks that a chunked body is read (and charged
// as the largest body allowed).
func TestBodyOfUnknownLength(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var charges []int64
	h := testHandler(t, func(h *Handler) {
		h.admitted = func(c int64) { mu.Lock(); charges = append(charges, c); mu.Unlock() }
	})
	s := testServer(t, h)
	body := []byte(`{"Name":"chunked"}`)
	req, err := http.NewRequest("POST", s.URL()+"/v1/apps", io.NopCloser(bytes.NewReader(body))) // length unknown: chunked
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), "mobiletargeting", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, got := do(t, req)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(got), `"Name":"chunked"`) {
		t.Fatalf("chunked CreateApp: %d %s", resp.StatusCode, got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(charges) != 1 || charges[0] != bodyCharge*MaxBodyBytes {
		t.Errorf("charges = %v, want [%d]", charges, bodyCharge*MaxBodyBytes)
	}
}

// TestSlowBodyReleasesBudget checks that a client that announces a body and
// does not send it loses its charge after BodyTimeout, with a clean error.
func TestSlowBodyReleasesBudget(t *testing.T) {
	t.Parallel()
	h := testHandler(t, func(h *Handler) {
		h.MemoryBudget = 1 << 20
		h.BodyTimeout = time.Nanosecond // expires as soon as the body is read
	})
	s := testServer(t, h)

	// 100 KB announced (most of the budget once charged), 10 sent.
	body := []byte(`{"Name":"x"` + strings.Repeat(" ", 100_000) + `}`)
	req := signedRequest(t, "POST", s.URL(), "/v1/apps", "mobiletargeting", body)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	head := bytes.Index(wire.Bytes(), []byte("\r\n\r\n")) + 4
	if _, err := conn.Write(wire.Bytes()[:head+10]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := readEnvelope(t, resp.StatusCode, resp.Header, got); e.Status != 400 || e.Type != "BadRequestException" {
		t.Errorf("slow body: %+v, want 400 BadRequestException", e)
	}

	// The charge was released before the response was written.
	if !h.budget.TryAcquire(h.MemoryBudget) {
		t.Error("the slow request's charge was not released")
	}
}
