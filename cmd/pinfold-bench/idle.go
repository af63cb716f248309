package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// IdleCmd measures what an idle pinfold costs and how soon a job starts on
// it: issue 17's "quiet when idle" (under 0.2% of a core over 60 s, a new
// job out of CREATED within 1 s).
//
// It starts pinfold on SQLite (a fresh data dir, one app with a few
// endpoints and a bucket on the built-in S3 endpoint), sends nothing for
// --settle (long enough for the job runner to park River: it checks every
// 30 s), then reads the server's CPU time (utime + stime of
// /proc/PID/stat, in ticks of 10 ms) before and after --window of
// silence and reports it as a percentage of one core. Then it creates
// --jobs export jobs one after the other, each after the previous one
// completed, and reports the time from CreateExportJob's answer to the
// first GetExportJob (polled every --poll) whose status is not CREATED:
// the first job found the node idle, the others one that had just worked.
// With --baseline-pinfold it measures that binary the same way first, as
// the reference (main's binary, before the change).
type IdleCmd struct {
	Window          time.Duration `default:"60s" help:"Silence over which the server's CPU time is measured."`
	Settle          time.Duration `default:"40s" help:"Silence before the window, after the set-up requests (the runner parks River at its 30 s Recover)."`
	Jobs            int           `default:"5" help:"Export jobs created after the window, one at a time."`
	Poll            time.Duration `default:"5ms" help:"GetExportJob poll interval while waiting for a job to leave CREATED."`
	BaselinePinfold string        `type:"path" placeholder:"PATH" help:"Also measure this pinfold binary (e.g. main's), first, as the reference."`

	ServerFlags `embed:""`
}

// idleResult is one server's measurement.
type idleResult struct {
	Name   string
	CPU    time.Duration // over the window
	Window time.Duration
	Start  []time.Duration // CreateExportJob answered → status not CREATED, per job
	Load   string
}

func (r idleResult) percent() float64 { return 100 * r.CPU.Seconds() / r.Window.Seconds() }

// Run measures the baseline (when given) and then the server under test.
func (c *IdleCmd) Run(ctx context.Context) error {
	if c.Window <= 0 || c.Jobs < 1 || c.Poll <= 0 {
		return fmt.Errorf("--window and --poll must be positive, --jobs at least 1")
	}
	r, err := openRig(ctx, c.ServerFlags, "idle")
	if err != nil {
		return err
	}
	defer r.Close()
	var results []idleResult
	if c.BaselinePinfold != "" {
		base, _, err := pinfoldBinary(ctx, c.BaselinePinfold, r.Tmp)
		if err != nil {
			return err
		}
		res, err := c.measure(ctx, r, "baseline", base)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		results = append(results, res)
	}
	res, err := c.measure(ctx, r, "pinfold", r.Bin)
	if err != nil {
		return err
	}
	results = append(results, res)

	r.header("Idle pinfold: CPU over a silent window, and a new job's start")
	if c.BaselinePinfold != "" {
		fmt.Printf("- Baseline: binary %s\n", c.BaselinePinfold)
	}
	fmt.Printf("- Window %s after %s of silence; CPU from /proc/PID/stat (10 ms ticks); %d export jobs, GetExportJob every %s\n\n",
		c.Window, c.Settle, c.Jobs, c.Poll)
	t := &table{head: []string{"server", "CPU in window", "% of one core", "target < 0.2%", "first job out of CREATED (idle node)", "median of all jobs", "all jobs", "target ≤ 1 s", "load at window end"}}
	for _, res := range results {
		med := medianDur(res.Start)
		var all []string
		for _, d := range res.Start {
			all = append(all, fmtMs(d))
		}
		t.add(res.Name, res.CPU.String(), fmt.Sprintf("%.3f%%", res.percent()), passFail(res.percent() < 0.2),
			fmtMs(res.Start[0]), fmtMs(med), strings.Join(all, " / "), passFail(slicesMax(res.Start) <= time.Second), res.Load)
	}
	fmt.Println(t)
	return nil
}

// measure runs one server through the set-up, the silent window and the
// jobs.
func (c *IdleCmd) measure(ctx context.Context, r *rig, name, bin string) (idleResult, error) {
	res := idleResult{Name: name, Window: c.Window}
	progress("%s: starting %s", name, bin)
	srv, err := startPinfold(ctx, pinfoldOpts{Bin: bin, DataDir: r.DataDir(name), LogLevel: r.Flags.ServerLogLevel,
		Args: r.Flags.ServerArg, Env: r.Env})
	if err != nil {
		return res, err
	}
	defer srv.Stop()
	if err := createBucket(ctx, r.Setup, r.Signer, srv.URL, "idle"); err != nil {
		return res, err
	}
	app, err := createApp(ctx, r.Setup, r.Signer, srv.URL, "idle")
	if err != nil {
		return res, err
	}
	if _, err := r.Setup.call(ctx, r.Signer, http.MethodPut, srv.URL+"/v1/apps/"+app+"/endpoints", batchBody(0, 100), http.StatusAccepted); err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	r.Setup.Close() // no idle keep-alive connection to the server during the window

	progress("%s: settling %s, then measuring CPU over %s", name, c.Settle, c.Window)
	if err := sleepCtx(ctx, c.Settle); err != nil {
		return res, err
	}
	before, err := readStat(srv.PID())
	if err != nil {
		return res, err
	}
	if err := sleepCtx(ctx, c.Window); err != nil {
		return res, err
	}
	after, err := readStat(srv.PID())
	if err != nil {
		return res, err
	}
	res.CPU, res.Load = after.Self-before.Self, loadAvg()
	progress("%s: %s of CPU in %s (%.3f%% of one core)", name, res.CPU, c.Window, res.percent())

	p := newPool(1)
	defer p.Close()
	body, _ := json.Marshal(map[string]string{"RoleArn": "arn:aws:iam::" + account + ":role/bench", "S3UrlPrefix": "s3://idle/jobs/"})
	for i := range c.Jobs {
		d, err := c.jobStart(ctx, r, p, srv.URL, app, body)
		if err != nil {
			return res, fmt.Errorf("job %d: %w", i+1, err)
		}
		progress("%s: job %d out of CREATED %s after CreateExportJob answered", name, i+1, fmtMs(d))
		res.Start = append(res.Start, d)
	}
	return res, nil
}

// jobStart creates an export job, measures the time from the answer to the
// first GetExportJob that is not CREATED, and waits for the job to end.
func (c *IdleCmd) jobStart(ctx context.Context, r *rig, p *pool, base, app string, body []byte) (time.Duration, error) {
	b, err := p.call(ctx, r.Signer, http.MethodPost, base+"/v1/apps/"+app+"/jobs/export", body, http.StatusAccepted)
	if err != nil {
		return 0, err
	}
	answered := time.Now()
	var job jobView
	if err := json.Unmarshal(b, &job); err != nil || job.Id == "" {
		return 0, fmt.Errorf("CreateExportJob: no Id in %s", truncate(b, 300))
	}
	get := mustSign(ctx, r.Signer, base+"/v1/apps/"+app+"/jobs/export/"+job.Id)
	var left time.Duration
	deadline := answered.Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		status, b, err := p.do(ctx, get)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("GetExportJob: status %d: %s", status, truncate(b, 300))
		}
		var j jobView
		if err := json.Unmarshal(b, &j); err != nil {
			return 0, fmt.Errorf("GetExportJob: %w", err)
		}
		if left == 0 && j.JobStatus != "CREATED" {
			left = time.Since(answered)
		}
		switch j.JobStatus {
		case "COMPLETED":
			return left, nil
		case "FAILED":
			return 0, fmt.Errorf("job %s FAILED: %v", job.Id, j.Failures)
		}
		if err := sleepCtx(ctx, c.Poll); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("job %s not COMPLETED after 2 minutes", job.Id)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func slicesMax(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
