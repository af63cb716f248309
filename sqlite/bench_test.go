package sqlite_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
)

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

// benchUpdate is endpoint i of the benchmarks: a typical device endpoint of
// about 730 bytes once encoded by the wire codec. Endpoints 2k and 2k+1
// share a user, whose ID looks random like the endpoint IDs (so the user
// index sees random inserts too, as with real user IDs).
func benchUpdate(i int) pinfold.EndpointUpdate {
	id := benchID(i)
	return pinfold.EndpointUpdate{
		ID:          id,
		ChannelType: ptr("GCM"),
		Address:     ptr(fmt.Sprintf("fcm-%09d-aGVsbG8gd29ybGQgdGhpcyBpcyBhIHB1c2ggdG9rZW4", i)),
		OptOut:      ptr("NONE"),
		Location: &pinfold.Location{Latitude: ptr(47.6062), Longitude: ptr(-122.3321), PostalCode: "98101",
			City: "Seattle", Region: "WA", Country: "USA"},
		Demographic: &pinfold.Demographic{Make: "Google", Model: "Pixel 8", Timezone: "America/Los_Angeles",
			AppVersion: "4.12.0", Platform: "android", PlatformVersion: "14"},
		Attributes: map[string][]string{
			"Interests": {"music", "travel"},
			"Plan":      {"premium"},
		},
		Metrics: map[string]float64{"Sessions": float64(i % 97), "Purchases": 3},
		User: &pinfold.UserUpdate{UserID: ptr(fmt.Sprintf("user-%016x", mix(uint64(i/2)+1<<62))),
			UserAttributes: map[string][]string{"Tier": {"gold"}}},
	}
}

func benchStore(b *testing.B) (*sqlite.Store, *pinfold.App) {
	b.Helper()
	s := sqlite.NewStore(filepath.Join(b.TempDir(), "pinfold.db"))
	if err := s.Open(context.Background()); err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	app := &pinfold.App{Scope: scope, Name: "bench"}
	if err := s.CreateApp(context.Background(), app); err != nil {
		b.Fatalf("CreateApp: %v", err)
	}
	return s, app
}

// load creates endpoints [from, to) in batches of 100.
func load(b *testing.B, s *sqlite.Store, appID string, from, to int) {
	b.Helper()
	batch := make([]pinfold.EndpointUpdate, 0, 100)
	now := time.Now()
	for lo := from; lo < to; lo += 100 {
		batch = batch[:0]
		for i := lo; i < min(lo+100, to); i++ {
			batch = append(batch, benchUpdate(i))
		}
		if err := s.UpsertEndpoints(context.Background(), scope, appID, batch, now); err != nil {
			b.Fatalf("UpsertEndpoints: %v", err)
		}
	}
}

// BenchmarkUpsertEndpoints measures the write path in batches of 100: new
// endpoints (an import), and updates of existing ones (read, merge, write).
func BenchmarkUpsertEndpoints(b *testing.B) {
	e, err := pinfold.Apply("0123456789abcdef0123456789abcdef", nil, ptr(benchUpdate(1)), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	size := len(codec.AppendEndpoint(nil, e))

	b.Run("new", func(b *testing.B) {
		s, app := benchStore(b)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		var worst time.Duration
		for n := 0; n < b.N; n++ {
			start := time.Now()
			load(b, s, app.ID, n*100, n*100+100)
			worst = max(worst, time.Since(start))
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "endpoints/s")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/batch")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/endpoint")
		b.ReportMetric(float64(size), "bytes/endpoint")
	})
	b.Run("update", func(b *testing.B) {
		s, app := benchStore(b)
		const existing = 20_000
		load(b, s, app.ID, 0, existing)
		batch := make([]pinfold.EndpointUpdate, 100)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		for n := 0; n < b.N; n++ {
			for i := range batch {
				id := benchID((n*100 + i) * 7919 % existing)
				batch[i] = pinfold.EndpointUpdate{ID: id, Metrics: map[string]float64{"Sessions": float64(n)},
					Attributes: map[string][]string{"Plan": {"basic"}}}
			}
			if err := s.UpsertEndpoints(context.Background(), scope, app.ID, batch, time.Now()); err != nil {
				b.Fatalf("UpsertEndpoints: %v", err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "endpoints/s")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/endpoint")
	})
}

// BenchmarkScanEndpoints measures the export read path over 200,000
// endpoints: PlanPieces, then every piece scanned, the pieces in parallel;
// with and without gzip (the export's compression) of the documents.
func BenchmarkScanEndpoints(b *testing.B) {
	const rows = 200_000
	s, app := benchStore(b)
	load(b, s, app.ID, 0, rows)

	b.Run("plan", func(b *testing.B) {
		cpu := cpuTime()
		for n := 0; n < b.N; n++ {
			if _, _, err := s.PlanPieces(context.Background(), scope, app.ID, rows/2); err != nil {
				b.Fatalf("PlanPieces: %v", err)
			}
		}
		b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*rows), "cpu-ns/row")
	})
	for _, gz := range []bool{false, true} {
		for _, pieces := range []int{1, 2} {
			b.Run(fmt.Sprintf("pieces=%d/gzip=%v", pieces, gz), func(b *testing.B) {
				var bytes int64
				cpu := cpuTime()
				for n := 0; n < b.N; n++ {
					_, plan, err := s.PlanPieces(context.Background(), scope, app.ID, (rows+pieces-1)/pieces)
					if err != nil {
						b.Fatalf("PlanPieces: %v", err)
					}
					var (
						wg    sync.WaitGroup
						mu    sync.Mutex
						total int64
					)
					for _, p := range plan {
						wg.Add(1)
						go func() {
							defer wg.Done()
							var w io.Writer = io.Discard
							var zw *gzip.Writer
							if gz {
								zw, _ = gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
								w = zw
							}
							var count, size int64
							nl := []byte{'\n'}
							err := s.ScanEndpoints(context.Background(), app.ID, p.From, p.To, func(doc []byte) error {
								count++
								size += int64(len(doc)) + 1
								if _, err := w.Write(doc); err != nil {
									return err
								}
								_, err := w.Write(nl)
								return err
							})
							if err == nil && zw != nil {
								err = zw.Close()
							}
							if err != nil {
								b.Errorf("ScanEndpoints: %v", err)
							}
							mu.Lock()
							total += count
							bytes += size
							mu.Unlock()
						}()
					}
					wg.Wait()
					if total != rows {
						b.Fatalf("scanned %d rows, want %d", total, rows)
					}
				}
				b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*rows), "cpu-ns/row")
				b.SetBytes(bytes / int64(b.N))
			})
		}
	}
}

// cpuTime returns the CPU time (user and system) the process has used: the
// benchmarks report it beside wall-clock rates, which depend on what else
// the machine runs.
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
// PutEvents makes them.
func BenchmarkRecordEvents(b *testing.B) {
	s, app := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for n := 0; n < b.N; n++ {
		if err := s.RecordEvents(context.Background(), scope, app.ID, benchEvents(n)); err != nil {
			b.Fatalf("RecordEvents: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/event")
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
// as a SendUsersMessages to 100 users of 15 endpoints makes them. Making
// the messages is neither timed nor counted in cpu-µs.
func BenchmarkAddMessages(b *testing.B) {
	s, app := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		msgs := benchMessages(n)
		b.StartTimer()
		start := cpuTime()
		if err := s.AddMessages(context.Background(), scope, app.ID, msgs, nil); err != nil {
			b.Fatalf("AddMessages: %v", err)
		}
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(b.N*1500)/b.Elapsed().Seconds(), "messages/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*1500), "cpu-µs/message")
}
