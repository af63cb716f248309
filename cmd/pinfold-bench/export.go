package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/pinfold/pinfold"
)

// ExportCmd measures an export job against the in-process reference.
type ExportCmd struct {
	Endpoints      int           `default:"1000000" help:"Endpoints seeded and exported."`
	PieceSize      int           `default:"100000" help:"pinfold's --jobs-piece-size."`
	Clients        int           `default:"4" help:"Concurrent UpdateEndpointsBatch clients while seeding."`
	Reps           int           `default:"3" help:"Runs of the reference and of the export; the report gives the median."`
	Poll           time.Duration `default:"5ms" help:"Pause between GetExportJob polls."`
	Timeout        time.Duration `default:"30m" help:"Longest wait for one export job."`
	Chunk          int           `default:"20000" hidden:"" help:"Endpoints per reference worker built per untimed phase."`
	Pinfold        string        `help:"pinfold binary; empty builds ./cmd/pinfold from the module root."`
	CPUProfile     string        `name:"cpuprofile" type:"path" help:"Write a CPU profile of the in-process reference's first run to this file (the server is a separate process and is not profiled); view the timed part with go tool pprof -tagfocus=phase=encode."`
	ServerLogLevel string        `default:"info" enum:"debug,info,warn,error" help:"pinfold's --log-level."`
	ServerArg      []string      `help:"Extra argument of pinfold serve, repeatable (e.g. --server-arg=--jobs-workers=1)."`
	KeepData       bool          `help:"Keep the temporary directory (data dir, exported objects, server logs)."`
	Perf           string        `help:"After the measured runs, profile pinfold with perf record during one extra export, written to this file, and during one extra segment export and one extra import, written next to it as NAME-segment.data and NAME-import.data."`
	NoSegment      bool          `help:"Skip the segment export (a segment of about half the endpoints, exported after each full export)."`
	ImportReps     int           `default:"3" help:"Imports of a full export's objects, each into a new app, after the exports (at most --reps; 0 skips them)."`
	ImportPoll     time.Duration `default:"50ms" help:"Pause between GetImportJob polls."`
}

// jobView is the part of ExportJobResponse and ImportJobResponse the
// benchmark reads.
type jobView struct {
	Id              string
	JobStatus       string
	TotalPieces     int
	CompletedPieces int
	FailedPieces    int
	TotalProcessed  int
	TotalFailures   int
	Failures        []string
}

// jobResult is one measured export or import job.
type jobResult struct {
	Job       jobView       // as last observed
	Elapsed   time.Duration // CreateExportJob/CreateImportJob sent → first COMPLETED observed
	Polls     []time.Duration
	Statuses  []string // each status observed, with the time since create
	PeakRSSKB int64
	RSSReset  bool          // VmHWM was reset before the export
	RSSBefore int64         // VmRSS (KiB) just before the export
	Sampled   rssPeaks      // largest RSS seen at the polls
	ServerCPU time.Duration // the server's CPU time from create to COMPLETED
	Load      string
	Verified  verifyResult
}

// Rate returns endpoints per second.
func (r jobResult) Rate() float64 { return float64(r.Job.TotalProcessed) / r.Elapsed.Seconds() }

// Run runs the benchmark and prints the report to stdout.
func (c *ExportCmd) Run(ctx context.Context) error {
	if c.Reps < 1 || c.Endpoints < 1 || c.Clients < 1 || c.Chunk < 1 {
		return fmt.Errorf("--reps, --endpoints, --clients and --chunk must be positive")
	}
	c.ImportReps = max(0, min(c.ImportReps, c.Reps)) // each imports run N's export
	tmp, err := os.MkdirTemp("", "pinfold-bench-export-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if c.KeepData {
		progress("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin, origin, err := pinfoldBinary(ctx, c.Pinfold, tmp)
	if err != nil {
		return err
	}
	startLoad := loadAvg()
	s := newSigner()
	setup := newPool(1)
	defer setup.Close()
	opts := pinfoldOpts{Bin: bin, DataDir: filepath.Join(tmp, "data"), PieceSize: c.PieceSize, LogLevel: c.ServerLogLevel, Args: c.ServerArg}

	// Seed, then restart so the export's peak RSS is not the seeding's.
	srv, err := startPinfold(ctx, opts)
	if err != nil {
		return err
	}
	progress("pinfold pid %d at %s; seeding %d endpoints", srv.PID(), srv.URL, c.Endpoints)
	app, err := createApp(ctx, setup, s, srv.URL, "export-bench")
	if err != nil {
		srv.Stop()
		return err
	}
	seed, err := ingest(ctx, s, srv.URL, app, c.Endpoints, c.Clients, srv.PID(), func(b int) []byte {
		from := b * pinfold.MaxBatchItems
		return batchBody(from, min(from+pinfold.MaxBatchItems, c.Endpoints))
	})
	if err != nil {
		srv.Stop()
		return fmt.Errorf("seed: %w", err)
	}
	progress("seeded %d endpoints in %s: %s endpoints/s", c.Endpoints, seed.Elapsed.Round(time.Millisecond), fmtRate(seed.Rate()))
	seedRSS, _ := procStatusKB(srv.PID(), "VmHWM")
	t0 := time.Now()
	if err := srv.Stop(); err != nil {
		return fmt.Errorf("stop after seeding: %w", err)
	}
	stopTook := time.Since(t0)
	t0 = time.Now()
	srv, err = startPinfold(ctx, opts)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	defer srv.Stop()
	startTook := time.Since(t0)
	progress("restarted: pid %d at %s (stop %s, start %s)", srv.PID(), srv.URL, stopTook.Round(time.Millisecond), startTook.Round(time.Millisecond))
	setup.Close()
	setup = newPool(1)
	persisted := "PASS"
	if _, err := setup.call(ctx, s, http.MethodGet, srv.URL+"/v1/apps/"+app, nil, http.StatusOK); err != nil {
		persisted = "FAIL: " + err.Error()
	} else if _, err := setup.call(ctx, s, http.MethodGet, srv.URL+"/v1/apps/"+app+"/endpoints/"+endpointID(c.Endpoints-1), nil, http.StatusOK); err != nil {
		persisted = "FAIL: " + err.Error()
	}
	progress("persistence after restart: %s", persisted)
	dbBytes := dirBytes(opts.DataDir, "pinfold.db")

	sr, err := s.sign(ctx, "s3", http.MethodPut, srv.URL+"/bench", []byte{})
	if err != nil {
		return err
	}
	if status, b, err := setup.do(ctx, sr); err != nil || status != http.StatusOK {
		return fmt.Errorf("create bucket bench: status %d, %v: %s", status, err, truncate(b, 300))
	}
	segment, selected := "", 0
	if !c.NoSegment {
		if segment, err = createSegment(ctx, setup, s, srv.URL, app, halfSegmentBody(halfPlans)); err != nil {
			return err
		}
		selected = selectedCount(c.Endpoints, halfPlans)
		progress("segment %s selects Plan in %q: %d of %d endpoints", segment, halfPlans, selected, c.Endpoints)
	}

	var refs []refResult
	var exports, segs []jobResult
	for rep := 1; rep <= c.Reps; rep++ {
		var prof *os.File
		if rep == 1 && c.CPUProfile != "" {
			if prof, err = os.Create(c.CPUProfile); err != nil {
				return fmt.Errorf("cpu profile: %w", err)
			}
			if err := pprof.StartCPUProfile(prof); err != nil {
				prof.Close()
				return fmt.Errorf("cpu profile: %w", err)
			}
		}
		ref, err := reference(ctx, app, c.Endpoints, c.Chunk)
		if prof != nil {
			pprof.StopCPUProfile()
			prof.Close()
			progress("cpu profile of the reference written to %s", c.CPUProfile)
		}
		if err != nil {
			return err
		}
		progress("run %d/%d reference: %s endpoints/s (%s, %s gzip, %.2f cores busy) load %s", rep, c.Reps, fmtRate(ref.Rate()), ref.Elapsed.Round(time.Millisecond),
			fmtBytes(ref.Bytes), ref.CPU.Seconds()/ref.Elapsed.Seconds(), ref.Load)
		refs = append(refs, ref)

		prefix := fmt.Sprintf("run/%d/", rep)
		ex, err := c.export(ctx, s, srv, app, "s3://bench/"+prefix, "")
		if err != nil {
			return err
		}
		progress("run %d/%d pinfold export: %s endpoints/s (%s, %d pieces, server %.2f cores busy) GetExportJob p50 %s p99 %s (%d polls) peak RSS %s load %s",
			rep, c.Reps, fmtRate(ex.Rate()), ex.Elapsed.Round(time.Millisecond), ex.Job.TotalPieces, ex.ServerCPU.Seconds()/ex.Elapsed.Seconds(),
			fmtMs(percentile(ex.Polls, 50)), fmtMs(percentile(ex.Polls, 99)), len(ex.Polls), fmtKB(ex.PeakRSSKB), ex.Load)
		progress("run %d/%d RSS before export %s; largest sampled during export: total %s, anonymous %s, file-backed %s", rep, c.Reps,
			fmtKB(ex.RSSBefore), fmtKB(ex.Sampled.RSS), fmtKB(ex.Sampled.Anon), fmtKB(ex.Sampled.File))
		progress("run %d/%d statuses: %s", rep, c.Reps, strings.Join(ex.Statuses, ", "))
		ex.Verified, err = verifyExport(ctx, s, srv.URL, "bench", prefix, app, c.Endpoints, nil)
		if err != nil {
			return err
		}
		progress("run %d/%d verify: %s", rep, c.Reps, ex.Verified)
		exports = append(exports, ex)

		if segment == "" {
			continue
		}
		segPrefix := fmt.Sprintf("seg/%d/", rep)
		sg, err := c.export(ctx, s, srv, app, "s3://bench/"+segPrefix, segment)
		if err != nil {
			return fmt.Errorf("segment export: %w", err)
		}
		progress("run %d/%d segment export: %d endpoints in %s (%.2fx the full export's %s; %d pieces) GetExportJob p99 %s peak RSS %s load %s",
			rep, c.Reps, sg.Job.TotalProcessed, sg.Elapsed.Round(time.Millisecond), sg.Elapsed.Seconds()/ex.Elapsed.Seconds(), ex.Elapsed.Round(time.Millisecond),
			sg.Job.TotalPieces, fmtMs(percentile(sg.Polls, 99)), fmtKB(sg.PeakRSSKB), sg.Load)
		progress("run %d/%d segment statuses: %s", rep, c.Reps, strings.Join(sg.Statuses, ", "))
		sg.Verified, err = verifyExport(ctx, s, srv.URL, "bench", segPrefix, app, selected, halfPlans)
		if err != nil {
			return err
		}
		progress("run %d/%d segment verify: %s", rep, c.Reps, sg.Verified)
		segs = append(segs, sg)
	}

	// Imports, after all the exports so that those read the same database
	// as before: each imports run N's objects into a new app, so the
	// database grows by the seeded size with each.
	var imports []importResult
	for rep := 1; rep <= c.ImportReps; rep++ {
		im, err := c.importRun(ctx, s, srv, setup, opts.DataDir, fmt.Sprintf("import-%d", rep), fmt.Sprintf("s3://bench/run/%d/", rep))
		if err != nil {
			return err
		}
		progress("import %d/%d: %s endpoints/s (%s, %d pieces, server %.2f cores busy) peak RSS %s (anonymous %s, file-backed %s) database before %s; %s; load %s",
			rep, c.ImportReps, fmtRate(im.Rate()), im.Elapsed.Round(time.Millisecond), im.Job.TotalPieces, im.ServerCPU.Seconds()/im.Elapsed.Seconds(),
			fmtKB(im.PeakRSSKB), fmtKB(im.Sampled.Anon), fmtKB(im.Sampled.File), fmtBytes(im.DBBefore), im.Check, im.Load)
		progress("import %d/%d statuses: %s", rep, c.ImportReps, strings.Join(im.Statuses, ", "))
		imports = append(imports, im)
	}
	dbAfter := dirBytes(opts.DataDir, "pinfold.db")

	if c.Perf != "" {
		stop, err := perfRecord(srv.PID(), c.Perf)
		if err != nil {
			return err
		}
		ex, err := c.export(ctx, s, srv, app, "s3://bench/run/perf/", "")
		if err := stop(); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		progress("profiled export: %s endpoints/s (not in the report)", fmtRate(ex.Rate()))
		base := strings.TrimSuffix(c.Perf, ".data")
		if segment != "" {
			if stop, err = perfRecord(srv.PID(), base+"-segment.data"); err != nil {
				return err
			}
			sg, err := c.export(ctx, s, srv, app, "s3://bench/seg/perf/", segment)
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
			im, err := c.importRun(ctx, s, srv, setup, opts.DataDir, "import-perf", "s3://bench/run/1/")
			if err := stop(); err != nil {
				return err
			}
			if err != nil {
				return err
			}
			progress("profiled import: %s endpoints/s (not in the report)", fmtRate(im.Rate()))
		}
	}

	// The report.
	fmt.Printf("## pinfold-bench export\n\n")
	fmt.Printf("- Machine: %s\n", machine())
	fmt.Printf("- Server: %s\n", origin)
	fmt.Printf("- Load average (1/5/15 min): %s at start, %s at end\n", startLoad, loadAvg())
	fmt.Printf("- %s endpoints of %d bytes on average (as UpdateEndpointsBatch items) in one app; piece size %d; %d runs, medians reported; pinfold log level %s, extra server arguments %q\n",
		fmtRate(float64(c.Endpoints)), avgItemBytes(), c.PieceSize, c.Reps, c.ServerLogLevel, c.ServerArg)
	fmt.Printf("- Seeding: %s endpoints/s (%d clients, batches of 100, each request signed when sent; one run, %s; server CPU %s per endpoint); SQLite files %s; server peak RSS while seeding %s\n",
		fmtRate(seed.Rate()), c.Clients, seed.Elapsed.Round(time.Millisecond), fmtUs(seed.ServerCPU/time.Duration(c.Endpoints)), fmtBytes(dbBytes), fmtKB(seedRSS))
	fmt.Printf("- Restart on the same data dir: stop (SIGTERM) %s, start to healthy %s; app and last endpoint readable after restart: %s\n",
		stopTook.Round(time.Millisecond), startTook.Round(time.Millisecond), persisted)
	fmt.Printf("- Reference: encoding/json Marshal of each export-line struct + \"\\n\" into klauspost/compress gzip BestSpeed, 2 workers each taking half, output discarded (%s compressed); endpoints built outside the timer\n", fmtBytes(refs[0].Bytes))
	fmt.Printf("- pinfold: CreateExportJob (S3UrlPrefix s3://bench/run/N/) to the first GetExportJob showing COMPLETED, polled every %s from one goroutine; objects written to the embedded S3 store on disk\n", c.Poll)
	if segment != "" {
		fmt.Printf("- Segment export: after each full export, CreateExportJob with SegmentId of segment \"half\" (Attributes.Plan INCLUSIVE %q: %s of the %s endpoints) to s3://bench/seg/N/, timed the same way; the ratio is each run's segment export time over the same run's full export time\n",
			halfPlans, fmtRate(float64(selected)), fmtRate(float64(c.Endpoints)))
	}
	if len(imports) > 0 {
		fmt.Printf("- Import: after all the exports, %d times: CreateImportJob (Format JSON, S3Url s3://bench/run/N/: the 10 gzip JSON-lines objects of full export N) into a new app on the same server, to the first GetImportJob showing COMPLETED, polled every %s; VmHWM reset before each; the database grows by one app of %s endpoints with each import (%s before the first, %s after the last). The reference is the seeding rate above (UpdateEndpointsBatch, %d clients, batches of 100, one run into an empty app on a fresh database)\n",
			len(imports), c.ImportPoll, fmtRate(float64(c.Endpoints)), fmtBytes(imports[0].DBBefore), fmtBytes(dbAfter), c.Clients)
	}
	fmt.Println()

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
	t := &table{head: []string{"Measurement", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
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
	if len(segs) > 0 {
		var segTimes, fullTimes, segRatios []float64
		var segP99 []time.Duration
		var segPeak int64
		segOK := true
		for i := range segs {
			segTimes = append(segTimes, segs[i].Elapsed.Seconds())
			fullTimes = append(fullTimes, exports[i].Elapsed.Seconds())
			segRatios = append(segRatios, segs[i].Elapsed.Seconds()/exports[i].Elapsed.Seconds())
			segP99 = append(segP99, percentile(segs[i].Polls, 99))
			segPeak = max(segPeak, segs[i].PeakRSSKB)
			segOK = segOK && segs[i].Verified.OK()
		}
		segRatio := median(segRatios)
		si := medianIndex(segTimes)
		t.add(fmt.Sprintf("Segment export (%s of %s endpoints), time", fmtRate(float64(selected)), fmtRate(float64(c.Endpoints))),
			fmt.Sprintf("%.2f s (runs: %s)", median(segTimes), secs(segTimes)), fmt.Sprintf("full export %.2f s (runs: %s)", median(fullTimes), secs(fullTimes)),
			fmt.Sprintf("segment/full %.2f (runs: %s)", segRatio, joinRatios(segRatios)), "<= 1.5", passFail(segRatio <= 1.5))
		t.add("Segment export end to end (median run)", strings.Join(segs[si].Statuses, ", "), "", "", "", "")
		t.add("Segment export: server peak RSS (max) / GetExportJob p99 (median)", fmtKB(segPeak)+" / "+fmtMs(medianDur(segP99)), "", "", "", "")
		t.add("Segment output verified (lines == selected, Plan in the segment, IDs distinct, ApplicationId)", segs[0].Verified.String(), "", "", "all runs", passFail(segOK))
	}
	if len(imports) > 0 {
		var imRates, imRatios, imBusy []float64
		var imCPU []time.Duration
		var imPeak int64
		var imSampled rssPeaks
		imOK, imReset := "PASS", true
		for _, im := range imports {
			imRates = append(imRates, im.Rate())
			imRatios = append(imRatios, im.Rate()/seed.Rate())
			imCPU = append(imCPU, im.ServerCPU/time.Duration(c.Endpoints))
			imBusy = append(imBusy, im.ServerCPU.Seconds()/im.Elapsed.Seconds())
			imPeak = max(imPeak, im.PeakRSSKB)
			imSampled.Anon = max(imSampled.Anon, im.Sampled.Anon)
			imSampled.File = max(imSampled.File, im.Sampled.File)
			imReset = imReset && im.RSSReset
			if im.Check != "PASS" && imOK == "PASS" {
				imOK = im.Check
			}
		}
		imRate := median(imRates)
		ii := medianIndex(imRates)
		t.add(fmt.Sprintf("Import of %s endpoints (gzip JSON, 10 objects), endpoints/s", fmtRate(float64(c.Endpoints))),
			fmtRate(imRate)+" (runs: "+rates(imRates)+")", fmtRate(seed.Rate())+" (seeding, UpdateEndpointsBatch)",
			fmt.Sprintf("import/seeding %.2f (runs: %s)", median(imRatios), joinRatios(imRatios)), ">= 20,000/s and >= seeding",
			passFail(imRate >= 20000 && imRate >= seed.Rate()))
		t.add("Import end to end (median run)", imports[ii].Elapsed.Round(time.Millisecond).String()+"; "+strings.Join(imports[ii].Statuses, ", "), "", "", "", "")
		t.add("Import CPU per endpoint (cores busy)", fmt.Sprintf("server %s (%.2f)", fmtUs(medianDur(imCPU)), median(imBusy)),
			fmt.Sprintf("seeding: server %s", fmtUs(seed.ServerCPU/time.Duration(c.Endpoints))), "", "", "")
		note := "max over runs, VmHWM reset before each import"
		if !imReset {
			note = "max over runs; VmHWM could not be reset"
		}
		t.add("Server peak RSS during import ("+note+")", fmtKB(imPeak), "", "", "< 300 MB", passFail(imPeak*1024 < 300_000_000))
		t.add("RSS sampled at each import poll: largest anonymous / file-backed", fmtKB(imSampled.Anon)+" / "+fmtKB(imSampled.File), "", "", "", "")
		t.add("Import verified (TotalProcessed == N, no failures, first and last endpoint readable in the new app)", imOK, "", "", "all runs", passFail(imOK == "PASS"))
	}
	fmt.Println(t)
	return nil
}

// export runs one export job to prefix, of the whole app or (segment not
// "") of one segment, and waits for it to complete. GetExportJob is polled
// every --poll.
func (c *ExportCmd) export(ctx context.Context, s *signer, srv *child, app, prefix, segment string) (jobResult, error) {
	req := map[string]string{"RoleArn": "arn:aws:iam::" + account + ":role/bench", "S3UrlPrefix": prefix}
	if segment != "" {
		req["SegmentId"] = segment
	}
	body, _ := json.Marshal(req)
	return c.runJob(ctx, s, srv, app, "export", body, c.Poll)
}

// runJob creates a job of kind "export" (CreateExportJob, 202) or "import"
// (CreateImportJob, 201) in app with the request body, then polls the job
// from one goroutine every poll and returns when it is COMPLETED. It resets
// the server's VmHWM first, and measures the server's CPU time from create to
// COMPLETED. A FAILED job, an unexpected status or a job still running after
// --timeout is an error.
func (c *ExportCmd) runJob(ctx context.Context, s *signer, srv *child, app, kind string, body []byte, every time.Duration) (jobResult, error) {
	res := jobResult{RSSReset: resetPeakRSS(srv.PID()) == nil}
	res.RSSBefore, _ = procStatusKB(srv.PID(), "VmRSS")
	p := newPool(1)
	defer p.Close()
	want := http.StatusAccepted
	if kind == "import" {
		want = http.StatusCreated
	}
	create, err := s.sign(ctx, "mobiletargeting", http.MethodPost, srv.URL+"/v1/apps/"+app+"/jobs/"+kind, body)
	if err != nil {
		return res, err
	}
	// Dial before the clock starts, as a client with a warm pool would.
	if _, _, err := p.do(ctx, mustSign(ctx, s, srv.URL+"/v1/apps/"+app)); err != nil {
		return res, err
	}
	meter := &cpuMeter{pid: srv.PID()}
	meter.Start()
	start := time.Now()
	status, b, err := p.do(ctx, create)
	if err != nil {
		return res, fmt.Errorf("create %s job: %w", kind, err)
	}
	if status != want {
		return res, fmt.Errorf("create %s job: status %d: %s", kind, status, truncate(b, 300))
	}
	var job jobView
	if err := json.Unmarshal(b, &job); err != nil || job.Id == "" {
		return res, fmt.Errorf("create %s job: no Id in %s", kind, truncate(b, 300))
	}
	poll, err := s.sign(ctx, "mobiletargeting", http.MethodGet, srv.URL+"/v1/apps/"+app+"/jobs/"+kind+"/"+job.Id, nil)
	if err != nil {
		return res, err
	}
	last := ""
	deadline := start.Add(c.Timeout)
	for {
		t0 := time.Now()
		status, b, err := p.do(ctx, poll)
		t1 := time.Now()
		if err != nil {
			return res, fmt.Errorf("get %s job: %w", kind, err)
		}
		if status != http.StatusOK {
			return res, fmt.Errorf("get %s job: status %d: %s", kind, status, truncate(b, 300))
		}
		res.Polls = append(res.Polls, t1.Sub(t0))
		res.Sampled.sample(srv.PID())
		if err := json.Unmarshal(b, &res.Job); err != nil {
			return res, fmt.Errorf("get %s job: %w", kind, err)
		}
		if res.Job.JobStatus != last {
			last = res.Job.JobStatus
			res.Statuses = append(res.Statuses, fmt.Sprintf("%s at %s", last, t1.Sub(start).Round(time.Millisecond)))
		}
		switch res.Job.JobStatus {
		case "COMPLETED":
			res.Elapsed = t1.Sub(start)
			meter.Stop()
			res.ServerCPU = meter.Server
			res.Load = loadAvg()
			slices.Sort(res.Polls)
			res.PeakRSSKB, err = procStatusKB(srv.PID(), "VmHWM")
			return res, err
		case "FAILED":
			return res, fmt.Errorf("%s job %s FAILED: %d failed pieces, failures %q", kind, job.Id, res.Job.FailedPieces, res.Job.Failures)
		}
		if t1.After(deadline) {
			return res, fmt.Errorf("%s job %s still %s after %s", kind, job.Id, res.Job.JobStatus, c.Timeout)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(every):
		}
	}
}

func mustSign(ctx context.Context, s *signer, url string) *signedRequest {
	sr, err := s.sign(ctx, "mobiletargeting", http.MethodGet, url, nil)
	if err != nil {
		panic(err) // a GET without a body always signs
	}
	return sr
}

// verifyResult is what verifyExport found under a prefix.
type verifyResult struct {
	Objects, Lines, Distinct, Want int
	Bytes                          int64 // compressed
	Problem                        string
}

// OK reports whether the output holds exactly the expected endpoints.
func (v verifyResult) OK() bool {
	return v.Problem == "" && v.Lines == v.Want && v.Distinct == v.Want
}

func (v verifyResult) String() string {
	s := fmt.Sprintf("%d .gz objects (%s), %d lines, %d distinct IDs, want %d", v.Objects, fmtBytes(v.Bytes), v.Lines, v.Distinct, v.Want)
	if v.Problem != "" {
		s += ": " + v.Problem
	}
	return s
}

// listResult is the part of ListObjectsV2's response verifyExport reads.
type listResult struct {
	Contents []struct {
		Key  string
		Size int64
	}
	IsTruncated           bool
	NextContinuationToken string
}

// verifyExport lists the objects under prefix in bucket with S3
// ListObjectsV2, reads every .gz object, and checks that the lines are JSON
// endpoints of app, want of them with distinct IDs. When plans is not nil,
// each line's Attributes.Plan must also be one of plans (a segment export).
func verifyExport(ctx context.Context, s *signer, base, bucket, prefix, app string, want int, plans []string) (verifyResult, error) {
	p := newPool(1)
	defer p.Close()
	v := verifyResult{Want: want}
	seen := make(map[string]struct{}, want)
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		sr, err := s.sign(ctx, "s3", http.MethodGet, base+"/"+bucket+"?"+q.Encode(), nil)
		if err != nil {
			return v, err
		}
		status, b, err := p.do(ctx, sr)
		if err != nil || status != http.StatusOK {
			return v, fmt.Errorf("list objects: status %d, %v: %s", status, err, truncate(b, 300))
		}
		var list listResult
		if err := xml.Unmarshal(b, &list); err != nil {
			return v, fmt.Errorf("list objects: %w", err)
		}
		for _, o := range list.Contents {
			if !strings.HasSuffix(o.Key, ".gz") {
				continue
			}
			v.Objects++
			v.Bytes += o.Size
			if err := verifyObject(ctx, p, s, base+"/"+bucket+"/"+escapeKey(o.Key), app, plans, &v, seen); err != nil {
				return v, fmt.Errorf("verify %s: %w", o.Key, err)
			}
		}
		if !list.IsTruncated || list.NextContinuationToken == "" {
			break
		}
		token = list.NextContinuationToken
	}
	v.Distinct = len(seen)
	return v, nil
}

func verifyObject(ctx context.Context, p *pool, s *signer, objURL, app string, plans []string, v *verifyResult, seen map[string]struct{}) error {
	sr, err := s.sign(ctx, "s3", http.MethodGet, objURL, nil)
	if err != nil {
		return err
	}
	req, err := sr.request(ctx)
	if err != nil {
		return err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("get object: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("get object: status %d: %s", resp.StatusCode, truncate(b, 300))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return fmt.Errorf("gunzip: %w", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var line struct {
		Id, ApplicationId string
		Attributes        struct{ Plan []string }
	}
	for sc.Scan() {
		v.Lines++
		line.Id, line.ApplicationId, line.Attributes.Plan = "", "", nil
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			if v.Problem == "" {
				v.Problem = fmt.Sprintf("line %d is not JSON: %v", v.Lines, err)
			}
			continue
		}
		if line.ApplicationId != app && v.Problem == "" {
			v.Problem = fmt.Sprintf("line %d has ApplicationId %q", v.Lines, line.ApplicationId)
		}
		if plans != nil && (len(line.Attributes.Plan) != 1 || !slices.Contains(plans, line.Attributes.Plan[0])) && v.Problem == "" {
			v.Problem = fmt.Sprintf("line %d (endpoint %q) has Plan %q, outside the segment's %q", v.Lines, line.Id, line.Attributes.Plan, plans)
		}
		if _, dup := seen[line.Id]; dup && v.Problem == "" {
			v.Problem = fmt.Sprintf("endpoint %q exported twice", line.Id)
		}
		seen[line.Id] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read lines: %w", err)
	}
	return nil
}

// escapeKey escapes each segment of an object key for a path-style URL.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
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

// medianIndex returns the index of the median element of xs (the lower
// middle for an even count).
func medianIndex(xs []float64) int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(xs[a], xs[b]) })
	return idx[(len(idx)-1)/2]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// secs joins per-run durations in seconds for the "runs" column.
func secs(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " / ")
}

func fmtBytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func fmtKB(kb int64) string {
	return fmt.Sprintf("%.0f MiB (%.0f MB)", float64(kb)/1024, float64(kb)*1024/1e6)
}
