package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/postgres/pgtest"
	"github.com/pinfold/pinfold/wire"
)

// The benchmarks' endpoints are sqlite/bench_test.go's, so that the two
// stores' figures compare.

var benchScope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

// benchID is the ID of endpoint i of the benchmarks: 27 characters that
// look random, as the IDs Pinpoint derives from addresses (base64 of a
// SHA-1), so index inserts land all over the index as they do in practice.
func benchID(i int) string {
	return fmt.Sprintf("ep%016x%09d", mix(uint64(i)), i)
}

// mix is splitmix64's finalizer: consecutive inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func benchPtr[T any](v T) *T { return &v }

// benchUpdate is endpoint i of the benchmarks: a typical device endpoint of
// about 730 bytes once encoded by the wire codec. Endpoints 2k and 2k+1
// share a user, whose ID looks random like the endpoint IDs.
func benchUpdate(i int) pinfold.EndpointUpdate {
	id := benchID(i)
	return pinfold.EndpointUpdate{
		ID:          id,
		ChannelType: benchPtr("GCM"),
		Address:     benchPtr(fmt.Sprintf("fcm-%09d-aGVsbG8gd29ybGQgdGhpcyBpcyBhIHB1c2ggdG9rZW4", i)),
		OptOut:      benchPtr("NONE"),
		Location: &pinfold.Location{Latitude: benchPtr(47.6062), Longitude: benchPtr(-122.3321), PostalCode: "98101",
			City: "Seattle", Region: "WA", Country: "USA"},
		Demographic: &pinfold.Demographic{Make: "Google", Model: "Pixel 8", Timezone: "America/Los_Angeles",
			AppVersion: "4.12.0", Platform: "android", PlatformVersion: "14"},
		Attributes: map[string][]string{
			"Interests": {"music", "travel"},
			"Plan":      {"premium"},
		},
		Metrics: map[string]float64{"Sessions": float64(i % 97), "Purchases": 3},
		User: &pinfold.UserUpdate{UserID: benchPtr(fmt.Sprintf("user-%016x", mix(uint64(i/2)+1<<62))),
			UserAttributes: map[string][]string{"Tier": {"gold"}}},
	}
}

// benchStore opens a store on a new database of the test server, with one
// app, and one connection: its server process's CPU time is the server's
// share of the work (serverCPU).
func benchStore(b *testing.B) (*postgres.Store, *pinfold.App) {
	b.Helper()
	s := postgres.NewStore(pgtest.NewDatabase(b))
	s.MaxConns = 1
	if err := s.Open(context.Background()); err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	app := &pinfold.App{ID: pinfold.NewID(), Scope: benchScope, Name: "bench", CreatedAt: time.Now()}
	if err := s.CreateApp(context.Background(), app); err != nil {
		b.Fatalf("CreateApp: %v", err)
	}
	return s, app
}

// load creates endpoints [from, to) in batches of 100.
func load(b *testing.B, s *postgres.Store, appID string, from, to int) {
	b.Helper()
	batch := make([]pinfold.EndpointUpdate, 0, 100)
	now := time.Now()
	for lo := from; lo < to; lo += 100 {
		batch = batch[:0]
		for i := lo; i < min(lo+100, to); i++ {
			batch = append(batch, benchUpdate(i))
		}
		if err := s.UpsertEndpoints(context.Background(), benchScope, appID, batch, now); err != nil {
			b.Fatalf("UpsertEndpoints: %v", err)
		}
	}
}

// BenchmarkUpsertEndpoints measures the write path in batches of 100, one
// caller, as sqlite's benchmark of the same name: new endpoints (an
// import), and updates of existing ones (read, merge, write). cpu-µs is
// this process's CPU, server-cpu-µs the server's (when it runs on this
// machine): their sum compares with sqlite's cpu-µs.
func BenchmarkUpsertEndpoints(b *testing.B) {
	e, err := pinfold.Apply("0123456789abcdef0123456789abcdef", nil, benchPtr(benchUpdate(1)), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	size := len(wire.Codec{}.AppendEndpoint(nil, e))

	b.Run("new", func(b *testing.B) {
		s, app := benchStore(b)
		b.ReportAllocs()
		b.ResetTimer()
		cpu, server := cpuTime(), serverCPU(b, s)
		var worst time.Duration
		for n := 0; n < b.N; n++ {
			start := time.Now()
			load(b, s, app.ID, n*100, n*100+100)
			worst = max(worst, time.Since(start))
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "endpoints/s")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/batch")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/endpoint")
		b.ReportMetric(float64((serverCPU(b, s)-server).Microseconds())/float64(b.N*100), "server-cpu-µs/endpoint")
		b.ReportMetric(float64(size), "bytes/endpoint")
	})
	b.Run("update", func(b *testing.B) {
		s, app := benchStore(b)
		const existing = 20_000
		load(b, s, app.ID, 0, existing)
		batch := make([]pinfold.EndpointUpdate, 100)
		b.ReportAllocs()
		b.ResetTimer()
		cpu, server := cpuTime(), serverCPU(b, s)
		for n := 0; n < b.N; n++ {
			for i := range batch {
				id := benchID((n*100 + i) * 7919 % existing)
				batch[i] = pinfold.EndpointUpdate{ID: id, Metrics: map[string]float64{"Sessions": float64(n)},
					Attributes: map[string][]string{"Plan": {"basic"}}}
			}
			if err := s.UpsertEndpoints(context.Background(), benchScope, app.ID, batch, time.Now()); err != nil {
				b.Fatalf("UpsertEndpoints: %v", err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "endpoints/s")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/endpoint")
		b.ReportMetric(float64((serverCPU(b, s)-server).Microseconds())/float64(b.N*100), "server-cpu-µs/endpoint")
	})
}

// serverCPU returns the CPU time the server process of s's one connection
// has used, read from /proc: 0 when the server is not on this machine.
func serverCPU(b *testing.B, s *postgres.Store) time.Duration {
	b.Helper()
	var pid int
	if err := s.Pool().QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatalf("pg_backend_pid: %v", err)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (in parentheses): utime and stime are the
	// 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchEvents returns batch n of 100 events of the benchmarks, as a web app
// records them with Amplify: one per endpoint, a session, a few attributes
// and a metric.
func benchEvents(n int) []pinfold.Event {
	events := make([]pinfold.Event, 100)
	now := time.Now()
	for i := range events {
		k := n*100 + i
		events[i] = pinfold.Event{
			ID:               fmt.Sprintf("%016x-%08d", mix(uint64(k)), k),
			EndpointID:       benchID(k % 10_000),
			EventType:        []string{"_session.start", "_page.view", "_session.stop"}[k%3],
			Timestamp:        now,
			TimestampText:    now.UTC().Format(time.RFC3339Nano),
			Session:          &pinfold.EventSession{ID: fmt.Sprintf("s-%016x", mix(uint64(k/3))), StartTimestamp: now.UTC().Format(time.RFC3339Nano)},
			AppPackageName:   "com.example.web",
			AppTitle:         "Example",
			AppVersionCode:   "4.12.0",
			ClientSdkVersion: "6.0.0",
			SdkName:          "aws-amplify",
			Attributes:       map[string]string{"url": "https://example.com/products/42", "referrer": "https://search.example/", "plan": "premium"},
			Metrics:          map[string]float64{"duration": float64(k % 977)},
		}
	}
	return events
}

// BenchmarkRecordEvents measures RecordEvents in calls of 100 events, as
// PutEvents makes them, one caller, as sqlite's benchmark of the same name;
// cpu-µs and server-cpu-µs as in BenchmarkUpsertEndpoints.
func BenchmarkRecordEvents(b *testing.B) {
	s, app := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu, server := cpuTime(), serverCPU(b, s)
	for n := 0; n < b.N; n++ {
		if err := s.RecordEvents(context.Background(), benchScope, app.ID, benchEvents(n)); err != nil {
			b.Fatalf("RecordEvents: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/event")
	b.ReportMetric(float64((serverCPU(b, s)-server).Microseconds())/float64(b.N*100), "server-cpu-µs/event")
}

// benchMessages returns send n of the benchmarks: the 1,500 messages of a
// SendUsersMessages to 100 users of 15 endpoints each, rendered from an
// email template (subject, an HTML body of about 600 bytes, a text body).
func benchMessages(n int) []*pinfold.Message {
	msgs := make([]*pinfold.Message, 0, 1500)
	req := fmt.Sprintf("%08x-0000-4000-8000-%012x", n, mix(uint64(n)))
	for u := range 100 {
		user := fmt.Sprintf("user-%016x", mix(uint64(n*100+u)))
		for e := range 15 {
			k := (n*100+u)*15 + e
			msgs = append(msgs, &pinfold.Message{
				ID:         fmt.Sprintf("%016x%016x", mix(uint64(k)), mix(uint64(k)+1)),
				Channel:    pinfold.ChannelEmail,
				Address:    fmt.Sprintf("person-%09d@example.com", k),
				EndpointID: benchID(k),
				UserID:     user,
				Subject:    "Your order has shipped, Ana",
				HTMLBody: "<html><body><h1>Hello Ana,</h1><p>Your order <b>#12345</b> has shipped and is on its way. " +
					"You can follow it at <a href=\"https://example.com/track/12345\">example.com/track/12345</a>.</p>" +
					"<p>Items: a blue shirt (M), a pair of running shoes (42), a water bottle.</p>" +
					"<p>Estimated delivery: Thursday. If anything is wrong, reply to this email or call us.</p>" +
					"<p>Thanks for shopping with Example!</p><p style=\"color:#888\">Example Inc., 1 Main St, " +
					"Seattle WA. <a href=\"https://example.com/unsubscribe\">Unsubscribe</a></p></body></html>",
				TextBody:        "Hello Ana, your order #12345 has shipped: https://example.com/track/12345",
				From:            "orders@example.com",
				TemplateName:    "order-shipped",
				TemplateVersion: "3",
				RequestID:       req,
				Details:         []byte(`{"Context":{"campaign":"shipping"}}`),
			})
		}
	}
	return msgs
}

// BenchmarkAddMessages measures AddMessages in calls of 1,500 messages,
// as a SendUsersMessages to 100 users of 15 endpoints makes them, one
// caller; cpu-µs and server-cpu-µs as in BenchmarkUpsertEndpoints. Making
// the messages is neither timed nor counted.
func BenchmarkAddMessages(b *testing.B) {
	s, app := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu, server time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		msgs := benchMessages(n)
		startServer := serverCPU(b, s)
		b.StartTimer()
		start := cpuTime()
		if err := s.AddMessages(context.Background(), benchScope, app.ID, msgs, nil); err != nil {
			b.Fatalf("AddMessages: %v", err)
		}
		cpu += cpuTime() - start
		b.StopTimer()
		server += serverCPU(b, s) - startServer
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*1500)/b.Elapsed().Seconds(), "messages/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*1500), "cpu-µs/message")
	b.ReportMetric(float64(server.Microseconds())/float64(b.N*1500), "server-cpu-µs/message")
}
