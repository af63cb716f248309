package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
)

// benchEndpoints is the size of the benchmarks' data set:
// PINFOLD_BENCH_ENDPOINTS, default 200,000.
func benchEndpoints(b *testing.B) int {
	n := 200_000
	if s := os.Getenv("PINFOLD_BENCH_ENDPOINTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("PINFOLD_BENCH_ENDPOINTS=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

// BenchmarkExport runs whole export jobs of the data set from a SQLite store
// to the embedded object store with the default configuration (pieces of
// 100,000 endpoints, 2 workers) and reports endpoints/s.
//
//	go test -run '^$' -bench Export -benchtime 1x ./jobs
func BenchmarkExport(b *testing.B) {
	n := benchEndpoints(b)
	e := newEnv(b)
	appID := createApp(b, e.store)
	addEndpoints(b, e.store, appID, 0, n, 1)
	r, ev := startRunner(b, e, jobs.Config{})
	b.ResetTimer()
	for b.Loop() {
		j := submit(b, r, appID, "s3://"+testBucket+"/bench/")
		j = ev.waitFinished(b, e.store, j.ID)
		if j.Status != pinfold.JobCompleted {
			b.Fatalf("status %s, failures %q", j.Status, j.Failures)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "endpoints/s")
}

// BenchmarkReference does the reference work on the same endpoints: the
// domain endpoint converted to a wire struct, encoding/json Marshal, a
// newline, klauspost gzip at BestSpeed, output discarded, with 2 workers on
// pieces of 100,000, and reports endpoints/s. It reads no database and
// writes no file, so it bounds what the export could reach.
func BenchmarkReference(b *testing.B) {
	n := benchEndpoints(b)
	eps := make([]*pinfold.Endpoint, n)
	now := time.Now()
	for i := range eps {
		u := endpointUpdate(i, 1)
		ep, err := pinfold.Apply("0123456789abcdef0123456789abcdef", nil, &u, now)
		if err != nil {
			b.Fatal(err)
		}
		eps[i] = ep
	}
	const pieceSize, workers = jobs.DefaultPieceSize, jobs.DefaultWorkers
	b.ResetTimer()
	for b.Loop() {
		pieces := make(chan []*pinfold.Endpoint)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for piece := range pieces {
					if err := referencePiece(piece); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for start := 0; start < n; start += pieceSize {
			pieces <- eps[start:min(start+pieceSize, n)]
		}
		close(pieces)
		wg.Wait()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "endpoints/s")
}

func referencePiece(eps []*pinfold.Endpoint) error {
	zw, err := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		line, err := json.Marshal(toRefLine(ep))
		if err != nil {
			return err
		}
		if _, err := zw.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return zw.Close()
}

// refLine is Pinpoint's export line as a struct for encoding/json.
type refLine struct {
	ChannelType    string              `json:",omitempty"`
	Address        string              `json:",omitempty"`
	EndpointStatus string              `json:",omitempty"`
	OptOut         string              `json:",omitempty"`
	RequestId      string              `json:",omitempty"`
	Location       *refLocation        `json:",omitempty"`
	Demographic    *refDemographic     `json:",omitempty"`
	EffectiveDate  string              `json:",omitempty"`
	Attributes     map[string][]string `json:",omitempty"`
	Metrics        map[string]float64  `json:",omitempty"`
	User           refUser
	ApplicationId  string
	Id             string
	CreationDate   string
}

type refLocation struct {
	Latitude   *float64 `json:",omitempty"`
	Longitude  *float64 `json:",omitempty"`
	PostalCode string   `json:",omitempty"`
	City       string   `json:",omitempty"`
	Region     string   `json:",omitempty"`
	Country    string   `json:",omitempty"`
}

type refDemographic struct {
	Make            string `json:",omitempty"`
	Model           string `json:",omitempty"`
	ModelVersion    string `json:",omitempty"`
	Timezone        string `json:",omitempty"`
	AppVersion      string `json:",omitempty"`
	Platform        string `json:",omitempty"`
	PlatformVersion string `json:",omitempty"`
}

type refUser struct {
	UserAttributes map[string][]string `json:",omitempty"`
	UserId         string              `json:",omitempty"`
}

func toRefLine(e *pinfold.Endpoint) *refLine {
	l := &refLine{
		ChannelType: e.ChannelType, Address: e.Address, EndpointStatus: e.EndpointStatus,
		OptOut: e.OptOut, RequestId: e.RequestID, EffectiveDate: e.EffectiveDate,
		Attributes: e.Attributes, Metrics: e.Metrics,
		ApplicationId: e.AppID, Id: e.ID, CreationDate: pinfold.FormatTime(e.CreatedAt),
	}
	if loc := e.Location; loc != nil {
		l.Location = &refLocation{loc.Latitude, loc.Longitude, loc.PostalCode, loc.City, loc.Region, loc.Country}
	}
	if d := e.Demographic; d != nil {
		l.Demographic = &refDemographic{d.Make, d.Model, d.ModelVersion, d.Timezone, d.AppVersion, d.Platform, d.PlatformVersion}
	}
	if u := e.User; u != nil {
		l.User = refUser{UserAttributes: u.UserAttributes, UserId: u.UserID}
	}
	return l
}

// BenchmarkImport imports the data set into a new app each iteration, from
// the gzip JSON-lines objects an export of it wrote (Pinpoint's export
// format), with the default configuration, and reports endpoints/s and the
// CPU time of the process per endpoint. The endpoint and user IDs look
// random, as real ones do, so index inserts land all over the indexes.
//
//	go test -run '^$' -bench Import -benchtime 1x ./jobs
func BenchmarkImport(b *testing.B) {
	n := benchEndpoints(b)
	e := newEnv(b)
	src := createApp(b, e.store)
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		ups := make([]pinfold.EndpointUpdate, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			u := endpointUpdate(i, 1)
			user := fmt.Sprintf("user-%016x", mix(uint64(i/2)+1<<62))
			u.ID, u.User.UserID = fmt.Sprintf("ep-%016x", mix(uint64(i))), &user
			ups = append(ups, u)
		}
		if err := e.store.UpsertEndpoints(context.Background(), testScope, src, ups, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	r, ev := startRunner(b, e, jobs.Config{})
	const prefix = "import-source/"
	if j := ev.waitFinished(b, e.store, submit(b, r, src, "s3://"+testBucket+"/"+prefix).ID); j.Status != pinfold.JobCompleted {
		b.Fatalf("export: status %s, failures %q", j.Status, j.Failures)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		j := &pinfold.Job{
			ID: pinfold.NewID(), AppID: createApp(b, e.store), Scope: testScope, Type: pinfold.JobImport,
			Status: pinfold.JobCreated, CreatedAt: time.Now(),
			Import: &pinfold.ImportDefinition{Format: pinfold.FormatJSON, RoleARN: "arn:aws:iam::123456789012:role/import",
				S3URL: "s3://" + testBucket + "/" + prefix},
		}
		if err := r.Submit(context.Background(), j); err != nil {
			b.Fatal(err)
		}
		j = ev.waitFinished(b, e.store, j.ID)
		if _, _, _, processed, _ := j.Counters(); j.Status != pinfold.JobCompleted || processed != int64(n) {
			b.Fatalf("import: status %s, processed %d of %d, failures %q", j.Status, processed, n, j.Failures)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "endpoints/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(n*b.N), "cpu-µs/endpoint")
}

// mix is splitmix64's finalizer: consecutive inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// cpuTime is the CPU time (user and system) of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
