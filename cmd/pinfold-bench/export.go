package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// ExportCmd measures an export job against the in-process reference, a
// segment export against the full export (segment.go) and an import of the
// export's objects against the seeding rate (import.go).
type ExportCmd struct {
	Endpoints  int           `default:"1000000" help:"Endpoints seeded and exported."`
	PieceSize  int           `default:"100000" help:"pinfold's --jobs-piece-size."`
	Clients    int           `default:"4" help:"Concurrent UpdateEndpointsBatch clients while seeding."`
	Reps       int           `default:"3" help:"Runs of the reference and of the export; the report gives the median."`
	Poll       time.Duration `default:"5ms" help:"Pause between GetExportJob polls."`
	Timeout    time.Duration `default:"30m" help:"Longest wait for one export job."`
	Chunk      int           `default:"20000" hidden:"" help:"Endpoints per reference worker built per untimed phase."`
	CPUProfile string        `name:"cpuprofile" type:"path" help:"Write a CPU profile of the in-process reference's first run to this file (the server is a separate process: see --server-profile); view the timed part with go tool pprof -tagfocus=phase=encode."`
	Perf       string        `help:"After the measured runs, profile pinfold with perf record during one extra export, written to this file, and during one extra segment export and one extra import, written next to it as NAME-segment.data and NAME-import.data."`
	NoSegment  bool          `help:"Skip the segment export (a segment of about half the endpoints, exported after each full export)."`
	ImportReps int           `default:"3" help:"Imports of a full export's objects, each into a new app, after the exports (at most --reps; 0 skips them)."`
	ImportPoll time.Duration `default:"50ms" help:"Pause between GetImportJob polls."`

	ServerFlags `embed:""`
}

// exportSetUp is the server the export command measures and what it holds.
type exportSetUp struct {
	srv       *child
	dataDir   string
	app       string       // the seeded app
	seed      ingestResult // the seeding
	seedRSS   int64        // the server's VmHWM after seeding, KiB
	stopTook  time.Duration
	startTook time.Duration
	persisted string // "PASS" or "FAIL: why": the app and its last endpoint after the restart
	dbBytes   int64  // SQLite files after seeding
	segment   string // the half segment's ID, "" with --no-segment
	selected  int    // endpoints the half segment selects
}

// Run runs the benchmark and prints the report to stdout.
func (c *ExportCmd) Run(ctx context.Context) error {
	if c.Reps < 1 || c.Endpoints < 1 || c.Clients < 1 || c.Chunk < 1 {
		return fmt.Errorf("--reps, --endpoints, --clients and --chunk must be positive")
	}
	c.ImportReps = max(0, min(c.ImportReps, c.Reps)) // each imports run N's export
	r, err := openRig(ctx, c.ServerFlags, "export")
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := c.setUp(ctx, r)
	if err != nil {
		return err
	}
	defer st.srv.Stop()

	var refs []refResult
	var exports, segs []jobResult
	for rep := 1; rep <= c.Reps; rep++ {
		ref, err := c.reference(ctx, st.app, rep)
		if err != nil {
			return err
		}
		refs = append(refs, ref)
		ex, err := c.fullExport(ctx, r, st, rep)
		if err != nil {
			return err
		}
		exports = append(exports, ex)
		if st.segment == "" {
			continue
		}
		sg, err := c.segmentExport(ctx, r, st, rep, ex)
		if err != nil {
			return err
		}
		segs = append(segs, sg)
	}

	// Imports, after all the exports so that those read the same database
	// as before: each imports run N's objects into a new app, so the
	// database grows by the seeded size with each.
	var imports []importResult
	for rep := 1; rep <= c.ImportReps; rep++ {
		im, err := c.importRun(ctx, r, st, fmt.Sprintf("import-%d", rep), fmt.Sprintf("s3://bench/run/%d/", rep))
		if err != nil {
			return err
		}
		progress("import %d/%d: %s endpoints/s (%s, %d pieces, server %.2f cores busy) peak RSS %s (anonymous %s, file-backed %s) database before %s; %s; load %s",
			rep, c.ImportReps, fmtRate(im.Rate()), im.Elapsed.Round(time.Millisecond), im.Job.TotalPieces, im.ServerCPU.Seconds()/im.Elapsed.Seconds(),
			fmtKB(im.PeakRSSKB), fmtKB(im.Sampled.Anon), fmtKB(im.Sampled.File), fmtBytes(im.DBBefore), im.Check, im.Load)
		progress("import %d/%d statuses: %s", rep, c.ImportReps, strings.Join(im.Statuses, ", "))
		imports = append(imports, im)
	}
	dbAfter := dirBytes(st.dataDir, "pinfold.db")

	if c.Perf != "" {
		if err := c.profileJobs(ctx, r, st); err != nil {
			return err
		}
	}

	// The report.
	c.header(r, st, refs, imports, dbAfter)

	t := &table{head: []string{"Measurement", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
	c.exportRows(t, refs, exports, st.seed)
	if len(segs) > 0 {
		c.segmentRows(t, segs, exports, st.selected)
	}
	if len(imports) > 0 {
		c.importRows(t, imports, st.seed)
	}
	fmt.Println(t)
	return nil
}

// header prints the report's lines above the table.
func (c *ExportCmd) header(r *rig, st *exportSetUp, refs []refResult, imports []importResult, dbAfter int64) {
	r.header("pinfold-bench export")
	fmt.Printf("- %s endpoints of %d bytes on average (as UpdateEndpointsBatch items) in one app; piece size %d; %d runs, medians reported; pinfold log level %s, extra server arguments %q\n",
		fmtRate(float64(c.Endpoints)), avgItemBytes(), c.PieceSize, c.Reps, c.ServerLogLevel, c.ServerArg)
	fmt.Printf("- Seeding: %s endpoints/s (%d clients, batches of 100, each request signed when sent; one run, %s; server CPU %s per endpoint); SQLite files %s; server peak RSS while seeding %s\n",
		fmtRate(st.seed.Rate()), c.Clients, st.seed.Elapsed.Round(time.Millisecond), fmtUs(st.seed.ServerCPU/time.Duration(c.Endpoints)), fmtBytes(st.dbBytes), fmtKB(st.seedRSS))
	fmt.Printf("- Restart on the same data dir: stop (SIGTERM) %s, start to healthy %s; app and last endpoint readable after restart: %s\n",
		st.stopTook.Round(time.Millisecond), st.startTook.Round(time.Millisecond), st.persisted)
	fmt.Printf("- Reference: encoding/json Marshal of each export-line struct + \"\\n\" into klauspost/compress gzip BestSpeed, 2 workers each taking half, output discarded (%s compressed); endpoints built outside the timer\n", fmtBytes(refs[0].Bytes))
	fmt.Printf("- pinfold: CreateExportJob (S3UrlPrefix s3://bench/run/N/) to the first GetExportJob showing COMPLETED, polled every %s from one goroutine; objects written to the embedded S3 store on disk\n", c.Poll)
	if st.segment != "" {
		fmt.Printf("- Segment export: after each full export, CreateExportJob with SegmentId of segment \"half\" (Attributes.Plan INCLUSIVE %q: %s of the %s endpoints) to s3://bench/seg/N/, timed the same way; the ratio is each run's segment export time over the same run's full export time\n",
			halfPlans, fmtRate(float64(st.selected)), fmtRate(float64(c.Endpoints)))
	}
	if len(imports) > 0 {
		fmt.Printf("- Import: after all the exports, %d times: CreateImportJob (Format JSON, S3Url s3://bench/run/N/: the 10 gzip JSON-lines objects of full export N) into a new app on the same server, to the first GetImportJob showing COMPLETED, polled every %s; VmHWM reset before each; the database grows by one app of %s endpoints with each import (%s before the first, %s after the last). The reference is the seeding rate above (UpdateEndpointsBatch, %d clients, batches of 100, one run into an empty app on a fresh database)\n",
			len(imports), c.ImportPoll, fmtRate(float64(c.Endpoints)), fmtBytes(imports[0].DBBefore), fmtBytes(dbAfter), c.Clients)
	}
	fmt.Println()
}

// setUp starts pinfold, seeds one app with --endpoints endpoints, restarts
// the server on the same data dir (so the exports' peak RSS is not the
// seeding's) and checks that the app survived, then creates bucket bench
// and, unless --no-segment, the half segment.
func (c *ExportCmd) setUp(ctx context.Context, r *rig) (*exportSetUp, error) {
	const dataDir = "data"
	st := &exportSetUp{dataDir: r.DataDir(dataDir)}
	srv, err := r.startPinfold(ctx, dataDir, c.PieceSize)
	if err != nil {
		return nil, err
	}
	progress("pinfold pid %d at %s; seeding %d endpoints", srv.PID(), srv.URL, c.Endpoints)
	s := r.Signer
	if st.app, err = createApp(ctx, r.Setup, s, srv.URL, "export-bench"); err != nil {
		srv.Stop()
		return nil, err
	}
	st.seed, err = ingest(ctx, s, srv.URL, st.app, c.Endpoints, c.Clients, srv.PID(), func(b int) []byte {
		from := b * pinfold.MaxBatchItems
		return batchBody(from, min(from+pinfold.MaxBatchItems, c.Endpoints))
	})
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("seed: %w", err)
	}
	progress("seeded %d endpoints in %s: %s endpoints/s", c.Endpoints, st.seed.Elapsed.Round(time.Millisecond), fmtRate(st.seed.Rate()))
	st.seedRSS, _ = procStatusKB(srv.PID(), "VmHWM")
	t0 := time.Now()
	if err := srv.Stop(); err != nil {
		return nil, fmt.Errorf("stop after seeding: %w", err)
	}
	st.stopTook = time.Since(t0)
	t0 = time.Now()
	if st.srv, err = r.startPinfold(ctx, dataDir, c.PieceSize); err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	st.startTook = time.Since(t0)
	srv = st.srv
	progress("restarted: pid %d at %s (stop %s, start %s)", srv.PID(), srv.URL, st.stopTook.Round(time.Millisecond), st.startTook.Round(time.Millisecond))
	r.Setup.Close()
	r.Setup = newPool(1)
	st.persisted = "PASS"
	if _, err := r.Setup.call(ctx, s, http.MethodGet, srv.URL+"/v1/apps/"+st.app, nil, http.StatusOK); err != nil {
		st.persisted = "FAIL: " + err.Error()
	} else if _, err := r.Setup.call(ctx, s, http.MethodGet, srv.URL+"/v1/apps/"+st.app+"/endpoints/"+endpointID(c.Endpoints-1), nil, http.StatusOK); err != nil {
		st.persisted = "FAIL: " + err.Error()
	}
	progress("persistence after restart: %s", st.persisted)
	st.dbBytes = dirBytes(st.dataDir, "pinfold.db")

	fail := func(err error) (*exportSetUp, error) {
		srv.Stop()
		return nil, err
	}
	sr, err := s.sign(ctx, "s3", http.MethodPut, srv.URL+"/bench", []byte{})
	if err != nil {
		return fail(err)
	}
	if status, b, err := r.Setup.do(ctx, sr); err != nil || status != http.StatusOK {
		return fail(fmt.Errorf("create bucket bench: status %d, %v: %s", status, err, truncate(b, 300)))
	}
	if !c.NoSegment {
		if st.segment, err = createSegment(ctx, r.Setup, s, srv.URL, st.app, halfSegmentBody(halfPlans)); err != nil {
			return fail(err)
		}
		st.selected = selectedCount(c.Endpoints, halfPlans)
		progress("segment %s selects Plan in %q: %d of %d endpoints", st.segment, halfPlans, st.selected, c.Endpoints)
	}
	return st, nil
}

// reference runs the in-process reference once, the first run under
// --cpuprofile.
func (c *ExportCmd) reference(ctx context.Context, app string, rep int) (refResult, error) {
	if rep == 1 {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return refResult{}, err
		}
		defer stop()
	}
	ref, err := reference(ctx, app, c.Endpoints, c.Chunk)
	if err != nil {
		return refResult{}, err
	}
	progress("run %d/%d reference: %s endpoints/s (%s, %s gzip, %.2f cores busy) load %s", rep, c.Reps, fmtRate(ref.Rate()), ref.Elapsed.Round(time.Millisecond),
		fmtBytes(ref.Bytes), ref.CPU.Seconds()/ref.Elapsed.Seconds(), ref.Load)
	return ref, nil
}

// fullExport exports the whole seeded app to s3://bench/run/rep/ and
// verifies the objects.
func (c *ExportCmd) fullExport(ctx context.Context, r *rig, st *exportSetUp, rep int) (jobResult, error) {
	prefix := fmt.Sprintf("run/%d/", rep)
	ex, err := c.export(ctx, r.Signer, st.srv, st.app, "s3://bench/"+prefix, "")
	if err != nil {
		return ex, err
	}
	progress("run %d/%d pinfold export: %s endpoints/s (%s, %d pieces, server %.2f cores busy) GetExportJob p50 %s p99 %s (%d polls) peak RSS %s load %s",
		rep, c.Reps, fmtRate(ex.Rate()), ex.Elapsed.Round(time.Millisecond), ex.Job.TotalPieces, ex.ServerCPU.Seconds()/ex.Elapsed.Seconds(),
		fmtMs(percentile(ex.Polls, 50)), fmtMs(percentile(ex.Polls, 99)), len(ex.Polls), fmtKB(ex.PeakRSSKB), ex.Load)
	progress("run %d/%d RSS before export %s; largest sampled during export: total %s, anonymous %s, file-backed %s", rep, c.Reps,
		fmtKB(ex.RSSBefore), fmtKB(ex.Sampled.RSS), fmtKB(ex.Sampled.Anon), fmtKB(ex.Sampled.File))
	progress("run %d/%d statuses: %s", rep, c.Reps, strings.Join(ex.Statuses, ", "))
	ex.Verified, err = verifyExport(ctx, r.Signer, st.srv.URL, "bench", prefix, st.app, c.Endpoints, nil)
	if err != nil {
		return ex, err
	}
	progress("run %d/%d verify: %s", rep, c.Reps, ex.Verified)
	return ex, nil
}

// profileJobs records the server with perf during one extra export, segment
// export and import, not part of the report.
func (c *ExportCmd) profileJobs(ctx context.Context, r *rig, st *exportSetUp) error {
	srv := st.srv
	stop, err := perfRecord(srv.PID(), c.Perf)
	if err != nil {
		return err
	}
	ex, err := c.export(ctx, r.Signer, srv, st.app, "s3://bench/run/perf/", "")
	if err := stop(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	progress("profiled export: %s endpoints/s (not in the report)", fmtRate(ex.Rate()))
	base := strings.TrimSuffix(c.Perf, ".data")
	if st.segment != "" {
		if stop, err = perfRecord(srv.PID(), base+"-segment.data"); err != nil {
			return err
		}
		sg, err := c.export(ctx, r.Signer, srv, st.app, "s3://bench/seg/perf/", st.segment)
		if err := stop(); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		progress("profiled segment export: %s (not in the report)", sg.Elapsed.Round(time.Millisecond))
	}
	if c.ImportReps > 0 {
		if stop, err = perfRecord(srv.PID(), base+"-import.data"); err != nil {
			return err
		}
		im, err := c.importRun(ctx, r, st, "import-perf", "s3://bench/run/1/")
		if err := stop(); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		progress("profiled import: %s endpoints/s (not in the report)", fmtRate(im.Rate()))
	}
	return nil
}

// exportRows adds the full export's rows and the seeding's.
func (c *ExportCmd) exportRows(t *table, refs []refResult, exports []jobResult, seed ingestResult) {
	var refRates, exRates, ratios []float64
	var p50s, p99s []time.Duration
	var peak int64
	var sampled rssPeaks
	allReset, verified := true, true
	for i := range exports {
		refRates = append(refRates, refs[i].Rate())
		exRates = append(exRates, exports[i].Rate())
		ratios = append(ratios, refs[i].Rate()/exports[i].Rate())
		p50s = append(p50s, percentile(exports[i].Polls, 50))
		p99s = append(p99s, percentile(exports[i].Polls, 99))
		peak = max(peak, exports[i].PeakRSSKB)
		sampled.RSS = max(sampled.RSS, exports[i].Sampled.RSS)
		sampled.Anon = max(sampled.Anon, exports[i].Sampled.Anon)
		sampled.File = max(sampled.File, exports[i].Sampled.File)
		allReset = allReset && exports[i].RSSReset
		verified = verified && exports[i].Verified.OK()
	}
	ratio := median(ratios)
	p99 := medianDur(p99s)
	peakNote := "max over runs, VmHWM reset before each export"
	if !allReset {
		peakNote = "max over runs; VmHWM could not be reset, so it includes the server's start and earlier exports"
	}
	t.add("Export throughput, endpoints/s", fmtRate(median(exRates))+" (runs: "+rates(exRates)+")",
		fmtRate(median(refRates))+" (runs: "+rates(refRates)+")",
		fmt.Sprintf("reference/pinfold %.2f (runs: %s)", ratio, joinRatios(ratios)), "<= 2.5", passFail(ratio <= 2.5))
	mi := medianIndex(exRates)
	t.add("Export end to end (median run)", exports[mi].Elapsed.Round(time.Millisecond).String()+"; "+strings.Join(exports[mi].Statuses, ", "),
		refs[mi].Elapsed.Round(time.Millisecond).String(), "", "", "")
	var exCPU, refCPU []time.Duration
	var exBusy, refBusy []float64
	for i := range exports {
		exCPU = append(exCPU, exports[i].ServerCPU/time.Duration(c.Endpoints))
		refCPU = append(refCPU, refs[i].CPU/time.Duration(c.Endpoints))
		exBusy = append(exBusy, exports[i].ServerCPU.Seconds()/exports[i].Elapsed.Seconds())
		refBusy = append(refBusy, refs[i].CPU.Seconds()/refs[i].Elapsed.Seconds())
	}
	t.add("CPU per endpoint (cores busy)", fmt.Sprintf("server %s (%.2f)", fmtUs(medianDur(exCPU)), median(exBusy)),
		fmt.Sprintf("%s (%.2f)", fmtUs(medianDur(refCPU)), median(refBusy)), "", "", "")
	t.add("Server peak RSS during export ("+peakNote+")", fmtKB(peak), "", "", "< 300 MB", passFail(peak*1024 < 300_000_000))
	t.add("RSS sampled at each poll: largest anonymous (heap) / file-backed (mapped files, page cache)", fmtKB(sampled.Anon)+" / "+fmtKB(sampled.File), "", "", "", "")
	t.add("GetExportJob latency during export", "p50 "+fmtMs(medianDur(p50s))+", p99 "+fmtMs(p99), "", "", "p99 < 10 ms", passFail(p99 < 10*time.Millisecond))
	t.add("Output verified (lines == N, each line JSON, IDs distinct, ApplicationId)", exports[0].Verified.String(), "", "", "all runs", passFail(verified))
	t.add("Seeding (UpdateEndpointsBatch), endpoints/s", fmtRate(seed.Rate()), "", "", ">= 20,000/s (the ingest floor)", passFail(seed.Rate() >= 20000))
}

// dirBytes returns the total size of the files in dir whose names start with
// prefix.
func dirBytes(dir, prefix string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), prefix) {
			n += info.Size()
		}
	}
	return n
}
