package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The import measurement of the export command: after all the exports, an
// import of a full export's objects into a new app, against the seeding
// (UpdateEndpointsBatch) rate and with the server's peak RSS.

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
// checkImport).
func (c *ExportCmd) importRun(ctx context.Context, r *rig, st *exportSetUp, name, s3URL string) (importResult, error) {
	app, err := createApp(ctx, r.Setup, r.Signer, st.srv.URL, name)
	if err != nil {
		return importResult{}, err
	}
	res := importResult{App: app, DBBefore: dirBytes(st.dataDir, "pinfold.db")}
	res.jobResult, err = c.runJob(ctx, r.Signer, st.srv, app, "import", importBody(s3URL), c.ImportPoll)
	if err != nil {
		return res, fmt.Errorf("import %s into %s: %w", s3URL, name, err)
	}
	res.Check = checkImport(ctx, r.Setup, r.Signer, st.srv.URL, app, res.Job, c.Endpoints)
	return res, nil
}

// importRows adds the import's rows; seed is the seeding, the reference.
func (c *ExportCmd) importRows(t *table, imports []importResult, seed ingestResult) {
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
