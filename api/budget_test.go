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
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
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

// hostileBatch is an UpdateEndpointsBatch of 100 endpoints within the
// quotas that costs the most to decode per byte: 150 attributes of 50
// empty strings each.
func hostileBatch() []byte {
	values := `[` + strings.Repeat(`"",`, 49) + `""]`
	items := make([]string, pinfold.MaxBatchItems)
	for i := range items {
		attrs := make([]string, 150)
		for j := range attrs {
			attrs[j] = `"a` + strconv.Itoa(j) + `":` + values
		}
		items[i] = `{"Id":"e` + strconv.Itoa(i) + `","Attributes":{` + strings.Join(attrs, ",") + `}}`
	}
	return []byte(`{"Item":[` + strings.Join(items, ",") + `]}`)
}

// hostileEvents is a PutEvents request within the quotas that costs the
// most to decode per byte: hostileBatch's endpoints, each with one event of
// 40 metrics (attribute and metric keys past 40 are counted, not kept).
func hostileEvents() []byte {
	values := `[` + strings.Repeat(`"",`, 49) + `""]`
	metrics := make([]string, pinfold.MaxEventKeys)
	for j := range metrics {
		metrics[j] = `"m` + strconv.Itoa(j) + `":0`
	}
	event := `{"x":{"EventType":"t","Timestamp":"2024-01-01","Metrics":{` + strings.Join(metrics, ",") + `}}}`
	items := make([]string, pinfold.MaxBatchItems)
	for i := range items {
		attrs := make([]string, 150)
		for j := range attrs {
			attrs[j] = `"a` + strconv.Itoa(j) + `":` + values
		}
		items[i] = `"e` + strconv.Itoa(i) + `":{"Endpoint":{"Attributes":{` + strings.Join(attrs, ",") + `}},"Events":` + event + `}`
	}
	return []byte(`{"BatchItem":{` + strings.Join(items, ",") + `}}`)
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

// heapSampler records the most heap memory seen until stop, in objects
// (live or not yet collected) and live (as of the last collection). It
// samples runtime/metrics on a ticker: it can miss a peak, never invent
// one.
type heapSampler struct {
	stop    chan struct{}
	done    chan struct{}
	objects uint64
	live    uint64
}

// heapNow returns the heap memory in objects and live as of the last
// collection.
func heapNow() (objects, live uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func sampleHeap() *heapSampler {
	hs := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(hs.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			objects, live := heapNow()
			hs.objects, hs.live = max(hs.objects, objects), max(hs.live, live)
			select {
			case <-hs.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return hs
}

// Stop stops sampling and returns the peaks.
func (hs *heapSampler) Stop() (objects, live uint64) {
	close(hs.stop)
	<-hs.done
	return hs.objects, hs.live
}

// fill returns a JSON body of about size bytes: prefix, copies of item
// (with # replaced by the copy's number) separated by commas, and suffix.
func fill(prefix, item, suffix string, size int) []byte {
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; b.Len() < size-len(suffix)-16; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(item, "#", strconv.Itoa(i)))
	}
	b.WriteString(suffix)
	return []byte(b.String())
}

// hostileRequest is a request whose body costs the most memory to decode
// for its operation, with the error it gets.
type hostileRequest struct {
	name, method, path string
	n                  int // how many at once in the burst
	body               []byte
	want               envelope
}

// hostileRequests returns the bursts of TestMemoryBudgetBurst for app appID
// and a handler with the given budget.
func hostileRequests(appID string, budget int64) []hostileRequest {
	const noApp = "0123456789abcdef0123456789abcdef" // refused only after the body is decoded
	quota := envelope{Status: 400, Type: "BadRequestException", Message: "Exceeded maximum number of custom attribute names per application: 250"}
	notFound := envelope{Status: 404, Type: "NotFoundException", Message: pinfold.MsgAppNotFound}
	tooMany := envelope{Status: 400, Type: "BadRequestException",
		Message: fmt.Sprintf("Too many recipients: at most %d addresses and endpoints per request", pinfold.MaxMessageRecipients)}
	tooManyUsers := envelope{Status: 400, Type: "BadRequestException",
		Message: fmt.Sprintf("Too many recipients: at most %d users per request", pinfold.MaxMessageRecipients)}
	return []hostileRequest{
		{"UpdateEndpoint", "PUT", "/v1/apps/" + appID + "/endpoints/e", 32, hostileEndpoint(), quota},
		{"UpdateEndpointsBatch", "PUT", "/v1/apps/" + noApp + "/endpoints", 8, hostileBatch(), notFound},
		{"PutEvents", "POST", "/v1/apps/" + noApp + "/events", 8, hostileEvents(), notFound},
		{"TagResource", "POST", "/v1/tags/" + url.PathEscape("arn:aws:mobiletargeting:us-east-1:000000000000:apps/"+noApp), 8,
			fill(`{"tags":{`, `"#":""`, `}}`, MaxBodyBytes), notFound},
		{"RemoveAttributes", "PUT", "/v1/apps/" + noApp + "/attributes/endpoint-custom-attributes", 8,
			fill(`{"Blacklist":[`, `""`, `]}`, MaxBodyBytes), notFound},
		{"CreateSegment", "POST", "/v1/apps/" + noApp + "/segments", 8,
			fill(`{"Name":"x","SegmentGroups":{"Groups":[`, `{}`, `]}}`, int(budget/segmentCharge)), notFound},
		{"CreateInAppTemplate", "POST", "/v1/templates/hostile/inapp", 8,
			fill(`{"Content":[`, `{}`, `]}`, MaxBodyBytes),
			envelope{Status: 400, Type: "BadRequestException", Message: "Too many Content items: an in-app template may have up to 5"}},
		{"UpdateEmailTemplate", "PUT", "/v1/templates/hostile/email", 8, fill(`{"Headers":[`, `{}`, `]}`, MaxBodyBytes),
			envelope{Status: 400, Type: "BadRequestException", Message: "Too many Headers: an email template may have up to 15"}},
		{"CreatePushTemplate", "POST", "/v1/templates/hostile/push", 8, fill(`{"tags":{`, `"#":""`, `}}`, MaxBodyBytes),
			envelope{Status: 400, Type: "BadRequestException", Message: "Too many tags: a template may have up to 50"}},
		{"SendMessages", "POST", "/v1/apps/" + noApp + "/messages", 8,
			fill(`{"MessageConfiguration":{},"Addresses":{`, `"#":{}`, `}}`, int(budget/messageCharge)), tooMany},
		{"SendMessages", "POST", "/v1/apps/" + noApp + "/messages", 8,
			fill(`{"MessageConfiguration":{},"Endpoints":{"e":{"Substitutions":{`, `"#":[]`, `}}}}`, int(budget/messageCharge)), noMessages("SendMessages")},
		{"SendMessages", "POST", "/v1/apps/" + noApp + "/messages", 8,
			fill(`{"MessageConfiguration":{},"Context":{`, `"#":""`, `}}`, int(budget/messageCharge)), noMessages("SendMessages")},
		{"SendUsersMessages", "POST", "/v1/apps/" + noApp + "/users-messages", 8,
			fill(`{"MessageConfiguration":{},"Users":{`, `"#":{"Substitutions":{"a":[]}}`, `}}`, int(budget/messageCharge)-64), tooManyUsers},
	}
}

// noMessages is the answer of a messaging operation of a handler without
// Messages (the tests' handler), after the body is decoded.
func noMessages(op string) envelope {
	return envelope{Status: 501, Type: "NotImplementedException", Message: notImplementedError{op}.Error()}
}

// TestChargeCoversAllocation checks that what the handler allocates for
// each of the hostile requests, served alone, is within the request's
// charge against the budget.
func TestChargeCoversAllocation(t *testing.T) {
	h := testHandler(t)
	appID := createApp(t, sdkClient(testServer(t, h)))
	for _, hr := range hostileRequests(appID, h.MemoryBudget) {
		factor := int64(bodyCharge)
		if hr.name == "CreateSegment" {
			factor = segmentCharge
		} else if strings.HasPrefix(hr.name, "Send") {
			factor = messageCharge
		}
		charge := factor * int64(len(hr.body))
		for i := range 2 { // the first warms up
			req := signedRequest(t, hr.method, "http://127.0.0.1", hr.path, "mobiletargeting", hr.body)
			w := httptest.NewRecorder()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			h.ServeHTTP(w, req)
			runtime.ReadMemStats(&after)
			if got := readEnvelope(t, w.Code, w.Header(), w.Body.Bytes()); got.Status != hr.want.Status || got.Message != hr.want.Message {
				t.Errorf("%s: %+v, want %+v", hr.name, got, hr.want)
			}
			if alloc := int64(after.TotalAlloc - before.TotalAlloc); i == 1 {
				t.Logf("%s of %d bytes: allocated %.2f times the body; charged %d times", hr.name, len(hr.body), float64(alloc)/float64(len(hr.body)), factor)
				if alloc > charge {
					t.Errorf("%s of %d bytes allocated %d bytes, more than its charge of %d", hr.name, len(hr.body), alloc, charge)
				}
			}
		}
	}
}

// TestMemoryBudgetBurst fires bursts of concurrent signed requests with
// bodies built to cost the most memory to decode at a real server: 32
// UpdateEndpoint requests of 7 MB and 440,000 attribute names (where
// Pinpoint allows 250), and 8 each of the other bodies with maps or lists.
// It checks that the live heap grows by no more than the handler's memory
// budget, that every request gets a clean AWS error, and that the server
// serves valid requests after the bursts. (Without the budget and the
// decode-time quotas, 8 such UpdateEndpoint requests took a server to
// 1.1 GB and 32 to 3.8 GB.)
//
// The budget bounds what requests keep live; what they leave behind is
// garbage until the next collection, which GOGC and GOMEMLIMIT pace. The
// test sets the collector to run at 10% growth, so that the live heap it
// samples after each collection follows the requests closely.
func TestMemoryBudgetBurst(t *testing.T) {
	h := testHandler(t, func(h *Handler) { h.AdmitTimeout = 10 * time.Minute })
	s := testServer(t, h)
	c := sdkClient(s)
	appID := createApp(t, c)
	bursts := hostileRequests(appID, h.MemoryBudget)
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	for _, b := range bursts {
		reqs := make([]*http.Request, b.n)
		for i := range reqs {
			reqs[i] = signedRequest(t, b.method, s.URL(), b.path, "mobiletargeting", b.body)
		}
		runtime.GC()
		_, base := heapNow()
		hs := sampleHeap()
		results := make([]struct {
			resp *http.Response
			body []byte
			err  error
		}, b.n)
		var wg sync.WaitGroup
		for i, req := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &results[i]
				if r.resp, r.err = http.DefaultClient.Do(req); r.err == nil {
					r.body, r.err = io.ReadAll(r.resp.Body)
					r.resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		objects, live := hs.Stop()

		for i, r := range results {
			if r.err != nil {
				t.Errorf("%s %d: %v", b.name, i, r.err)
				continue
			}
			got := readEnvelope(t, r.resp.StatusCode, r.resp.Header, r.body)
			got.RequestID = ""
			if got != b.want {
				t.Errorf("%s %d: %+v, want %+v", b.name, i, got, b.want)
			}
		}
		grew := int64(live) - int64(base)
		t.Logf("%d %s of %d bytes: live heap %d MiB before, at most %d MiB more during; heap in objects at most %d MiB (budget %d MiB)",
			b.n, b.name, len(b.body), base>>20, grew>>20, objects>>20, h.MemoryBudget>>20)
		if grew > h.MemoryBudget {
			t.Errorf("%s: the live heap grew by %d MiB during the burst, more than the budget of %d MiB", b.name, grew>>20, h.MemoryBudget>>20)
		}
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
		h.MemoryBudget = 1 << 20 // bodies up to 102 KiB, segments up to 32 KiB
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
		{path + "d", 200_000, "Request payload exceeds the limit of 104857 bytes"},
		{"/v1/apps/" + appID + "/segments", 40_000, "Request payload exceeds the limit of 32768 bytes"},
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

// TestUnauthenticatedBodiesNotCharged checks that requests refused for
// their signature whatever the body (none, malformed, unknown key) are
// refused before it is read, without a charge.
func TestUnauthenticatedBodiesNotCharged(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	charged := 0
	h := testHandler(t, func(h *Handler) {
		h.admitted = func(int64) { mu.Lock(); charged++; mu.Unlock() }
	})
	s := testServer(t, h)
	body := []byte(`{"Name":"x"` + strings.Repeat(" ", 1<<20) + `}`)

	unsigned, err := http.NewRequest("POST", s.URL()+"/v1/apps", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	malformed := signedRequest(t, "POST", s.URL(), "/v1/apps", "mobiletargeting", body)
	malformed.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=broken")
	unknown := signedRequest(t, "POST", s.URL(), "/v1/apps", "mobiletargeting", body)
	unknown.Header.Set("Authorization", strings.Replace(unknown.Header.Get("Authorization"), "Credential=test/", "Credential=nobody/", 1))
	for _, tc := range []struct {
		req  *http.Request
		want string
	}{
		{unsigned, "MissingAuthenticationTokenException"},
		{malformed, "IncompleteSignatureException"},
		{unknown, "UnrecognizedClientException"},
	} {
		resp, got := do(t, tc.req)
		if e := readEnvelope(t, resp.StatusCode, resp.Header, got); e.Status != 403 || e.Type != tc.want {
			t.Errorf("got %+v, want 403 %s", e, tc.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if charged != 0 {
		t.Errorf("%d unauthenticated requests were charged against the budget", charged)
	}
}
