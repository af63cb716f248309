package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The segment measurement of the export command: after each full export, a
// segment export of about half of the seeded endpoints, timed against the
// full export of the same run.

// halfPlans are the Attributes.Plan values the benchmark's segment selects:
// newBatchItem draws Plan uniformly from benchPlans, so two of its four
// values select about half of the endpoints.
var halfPlans = []string{"free", "basic"}

// planOf returns endpoint i's Attributes.Plan, as newBatchItem(i) sets it,
// without building the endpoint.
func planOf(i int) string {
	r := mix(uint64(i) ^ 0x5bd1e995)
	return benchPlans[(r>>56)%4]
}

// selectedCount returns how many of the endpoints [0, n) have a Plan in
// plans: the number of lines a segment export of halfSegmentBody must write.
func selectedCount(n int, plans []string) int {
	k := 0
	for i := range n {
		if slices.Contains(plans, planOf(i)) {
			k++
		}
	}
	return k
}

// halfSegmentBody returns the CreateSegment body of the segment that selects
// the endpoints whose Plan is one of plans (INCLUSIVE: any value matches).
func halfSegmentBody(plans []string) []byte {
	b, _ := json.Marshal(map[string]any{
		"Name": "half",
		"Dimensions": map[string]any{
			"Attributes": map[string]any{
				"Plan": map[string]any{"AttributeType": "INCLUSIVE", "Values": plans},
			},
		},
	})
	return b
}

// createSegment creates a dimensional segment in app with body and returns
// its ID.
func createSegment(ctx context.Context, p *pool, s *signer, base, app string, body []byte) (string, error) {
	b, err := p.call(ctx, s, http.MethodPost, base+"/v1/apps/"+app+"/segments", body, http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("create segment: %w", err)
	}
	var seg struct{ Id string }
	if err := json.Unmarshal(b, &seg); err != nil || seg.Id == "" {
		return "", fmt.Errorf("create segment: no Id in response %s", truncate(b, 300))
	}
	return seg.Id, nil
}

// segmentExport exports the half segment to s3://bench/seg/rep/ and
// verifies the objects; full is the same run's full export.
func (c *ExportCmd) segmentExport(ctx context.Context, r *rig, st *exportSetUp, rep int, full jobResult) (jobResult, error) {
	prefix := fmt.Sprintf("seg/%d/", rep)
	sg, err := c.export(ctx, r.Signer, st.srv, st.app, "s3://bench/"+prefix, st.segment)
	if err != nil {
		return sg, fmt.Errorf("segment export: %w", err)
	}
	progress("run %d/%d segment export: %d endpoints in %s (%.2fx the full export's %s; %d pieces) GetExportJob p99 %s peak RSS %s load %s",
		rep, c.Reps, sg.Job.TotalProcessed, sg.Elapsed.Round(time.Millisecond), sg.Elapsed.Seconds()/full.Elapsed.Seconds(), full.Elapsed.Round(time.Millisecond),
		sg.Job.TotalPieces, fmtMs(percentile(sg.Polls, 99)), fmtKB(sg.PeakRSSKB), sg.Load)
	progress("run %d/%d segment statuses: %s", rep, c.Reps, strings.Join(sg.Statuses, ", "))
	sg.Verified, err = verifyExport(ctx, r.Signer, st.srv.URL, "bench", prefix, st.app, st.selected, halfPlans)
	if err != nil {
		return sg, err
	}
	progress("run %d/%d segment verify: %s", rep, c.Reps, sg.Verified)
	return sg, nil
}

// segmentRows adds the segment export's rows; exports are the full exports
// of the same runs.
func (c *ExportCmd) segmentRows(t *table, segs, exports []jobResult, selected int) {
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
