package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// The segment and import measurements of the export subcommand: a segment
// export of about half of the seeded endpoints against a full export of the
// same app, and an import of a full export's objects into a fresh app.

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

// importBody returns the CreateImportJob body of a JSON import of the
// objects under s3URL.
func importBody(s3URL string) []byte {
	b, _ := json.Marshal(map[string]string{"Format": "JSON", "RoleArn": "arn:aws:iam::" + account + ":role/bench", "S3Url": s3URL})
	return b
}

// importResult is one measured import job.
type importResult struct {
	jobResult
	App      string // the app imported into
	DBBefore int64  // SQLite files before the import, bytes
	Check    string // "PASS" or "FAIL: why"
}

// checkImport checks a completed import of n endpoints into app: the job
// processed n with no failures, and the first and last endpoints are
// readable in app with their Plan. It returns "PASS" or "FAIL: why".
func checkImport(ctx context.Context, p *pool, s *signer, base, app string, job jobView, n int) string {
	if job.TotalProcessed != n || job.TotalFailures != 0 {
		return fmt.Sprintf("FAIL: TotalProcessed %d, TotalFailures %d (failures %q), want %d and 0", job.TotalProcessed, job.TotalFailures, job.Failures, n)
	}
	for _, i := range []int{0, n - 1} {
		b, err := p.call(ctx, s, http.MethodGet, base+"/v1/apps/"+app+"/endpoints/"+endpointID(i), nil, http.StatusOK)
		if err != nil {
			return "FAIL: " + err.Error()
		}
		var ep struct {
			ApplicationId string
			Attributes    struct{ Plan []string }
		}
		if err := json.Unmarshal(b, &ep); err != nil {
			return fmt.Sprintf("FAIL: endpoint %d: %v", i, err)
		}
		if ep.ApplicationId != app || len(ep.Attributes.Plan) != 1 || ep.Attributes.Plan[0] != planOf(i) {
			return fmt.Sprintf("FAIL: endpoint %d: ApplicationId %q, Plan %q; want %q, %q", i, ep.ApplicationId, ep.Attributes.Plan, app, planOf(i))
		}
	}
	return "PASS"
}

// importRun creates app name and imports the objects under s3URL (a full
// export of --endpoints endpoints) into it with CreateImportJob, timed from
// create to the first COMPLETED GetImportJob (polled every --import-poll),
// with the server's VmHWM reset before; then checks the result (see
// checkImport). dataDir is the server's, for the database size.
func (c *ExportCmd) importRun(ctx context.Context, s *signer, srv *child, setup *pool, dataDir, name, s3URL string) (importResult, error) {
	app, err := createApp(ctx, setup, s, srv.URL, name)
	if err != nil {
		return importResult{}, err
	}
	res := importResult{App: app, DBBefore: dirBytes(dataDir, "pinfold.db")}
	res.jobResult, err = c.runJob(ctx, s, srv, app, "import", importBody(s3URL), c.ImportPoll)
	if err != nil {
		return res, fmt.Errorf("import %s into %s: %w", s3URL, name, err)
	}
	res.Check = checkImport(ctx, setup, s, srv.URL, app, res.Job, c.Endpoints)
	return res, nil
}
