package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Export and import jobs as the export command runs them: create, then poll
// until COMPLETED, with the server's CPU time and peak RSS.

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
	Statuses  []string                 // each status observed, with the time since create
	Reached   map[string]time.Duration // when each status was first observed, since create
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
	res := jobResult{RSSReset: resetPeakRSS(srv.PID()) == nil, Reached: map[string]time.Duration{}}
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
			if _, ok := res.Reached[last]; !ok {
				res.Reached[last] = t1.Sub(start)
			}
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
