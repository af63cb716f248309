package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"

	"github.com/pinfold/pinfold/console"
)

// chromium returns the headless browser of the console's browser test:
// $PINFOLD_CHROMIUM, else chromium on PATH (.ci/install-chromium.sh
// installs Debian's). Without one the test is skipped locally and fails
// in CI.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PINFOLD_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: set PINFOLD_CHROMIUM or run .ci/install-chromium.sh")
	}
	t.Skip("no chromium on PATH and PINFOLD_CHROMIUM unset (.ci/install-chromium.sh installs it)")
	return ""
}

// screenshotDir is where the browser test keeps its screenshots:
// testdata/output (git-ignored), kept after the test for people and CI to
// look at.
func screenshotDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("testdata", "output"))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConsoleInBrowser drives the console in headless Chromium: log in
// with a configured access key, open an app made through the SDK, watch an
// export started through the SDK appear in the app's job table and reach
// COMPLETED without a reload, open the job and download a file of it, open
// River's UI, log out.
func TestConsoleInBrowser(t *testing.T) {
	exe := chromium(t)
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	if _, err := s3Client(n).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("browser-app")}})
	if err != nil {
		t.Fatal(err)
	}
	appID := aws.ToString(app.ApplicationResponse.Id)
	seed(t, c, appID, 0, 2500)
	// Another account's app, which the console must not show.
	if _, err := client(n, "other", "us-east-1").CreateApp(ctx, &pinpoint.CreateAppInput{
		CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("other-account-app")}}); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	// The browser lives as long as the context of its first action: the
	// test's bound.
	tctx, cancel := context.WithTimeout(actx, 2*time.Minute)
	defer cancel()
	bctx, cancel := chromedp.NewContext(tctx, chromedp.WithErrorf(t.Logf))
	defer cancel()

	base := n.Server.URL() + console.Prefix
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#login-submit`)), // redirected to the login page
		chromedp.SendKeys(css(`#key`), "test"),
		chromedp.SendKeys(css(`#secret`), "test"),
		chromedp.Click(css(`#login-submit`)),
		chromedp.WaitVisible(css(`#apps`)),
	); err != nil {
		t.Fatalf("log in: %v", err)
	}
	appsHTML, err := chromedp.Run(bctx, chromedp.OuterHTML(css(`#apps`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(appsHTML, "browser-app") || !strings.Contains(appsHTML, ">2500<") || strings.Contains(appsHTML, "other-account-app") {
		t.Errorf("apps table:\n%s", appsHTML)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(css(`tr[data-app="`+appID+`"] a`)),
		chromedp.WaitVisible(css(`#audience-chart`)),
		chromedp.WaitVisible(css(`#no-jobs`)),
	); err != nil {
		t.Fatalf("open the app: %v", err)
	}

	// Start the export while the app's page is open: its row appears and
	// reaches COMPLETED by the page's polling, without a reload.
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/browser/")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	jobID := aws.ToString(out.ExportJobResponse.Id)
	row := `tr[data-job="` + jobID + `"]`
	if err := chromedp.Do(bctx, chromedp.WaitVisible(css(row+` .status[data-status="COMPLETED"]`))); err != nil {
		t.Fatalf("watch the job on the app page: %v", err)
	}
	if pieces, err := chromedp.Run(bctx, chromedp.Text(css(row+` .pieces`))); err != nil || pieces != "3/3 pieces" {
		t.Errorf("job row pieces = %q, %v; want 3/3", pieces, err)
	}
	dir := screenshotDir(t)
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "console-app.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the app page: %s", path)

	if err := chromedp.Do(bctx,
		chromedp.Click(css(row+` a`)),
		chromedp.WaitVisible(css(`#job-status[data-status="COMPLETED"]`)),
		chromedp.WaitVisible(css(`#job-files a`)),
	); err != nil {
		t.Fatalf("job page: %v", err)
	}
	processed, err := chromedp.Run(bctx, chromedp.Text(css(`#job-processed`)))
	if err != nil {
		t.Fatal(err)
	}
	files, err := chromedp.Run(bctx, chromedp.Text(css(`#job-files`)))
	if err != nil {
		t.Fatal(err)
	}
	// Download the first file through the console, as its link does.
	type result struct {
		Status int `json:"status"`
		Size   int `json:"size"`
	}
	download, err := chromedp.Run(bctx, chromedp.Evaluate[result](
		`fetch(document.querySelector("#job-files a").href).then(async r => ({status: r.status, size: (await r.arrayBuffer()).byteLength}))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if shot, err = chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if processed != "2500" || strings.Count(files, "s3://exports/browser/"+jobID+"/") != 3 {
		t.Errorf("job page: processed %q, files %q", processed, files)
	}
	if download.Status != 200 || download.Size < 100 {
		t.Errorf("download through the console: %v", download)
	}
	path = filepath.Join(dir, "console-job.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the job page: %s", path)

	// River's UI, behind the same login, on the node's riversqlite driver.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/river/"),
		// The state counts come from River's API on the node's driver
		// (riversqlite here): the drive job and the pieces completed.
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "Completed")][.//*[number(normalize-space(.)) >= 1]]`)),
	); err != nil {
		t.Fatalf("River's UI: %v", err)
	}
	if shot, err = chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "console-river.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of River's UI: %s", path)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(css(`#logout`)),
		chromedp.WaitVisible(css(`#login-submit`)),
		chromedp.Navigate(base+"/apps/"+appID),
		chromedp.WaitVisible(css(`#login-submit`)), // the session is gone
	); err != nil {
		t.Fatalf("log out: %v", err)
	}
}
