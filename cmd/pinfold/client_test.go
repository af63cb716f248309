package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold"
)

// runCLI runs the pinfold binary with args and the environment env (plus
// PATH and a HOME without AWS files), stdout and stderr going to buffers,
// which are not terminals. It returns stdout, stderr and the exit status.
func runCLI(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run pinfold %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// mustRun is runCLI that fails the test on a non-zero exit.
func mustRun(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, bin, env, args...)
	if code != 0 {
		t.Fatalf("pinfold %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

var (
	progressRe = regexp.MustCompile(`^([A-Z_]+) pieces (\d+)/(\d+)(?: \(\d+ failed\))? (\d+) endpoints(?: of ~\d+)? rate \d+/s elapsed \S+(?: eta \S+)?$`)
	jobIDRe    = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// TestClientCommands runs the built binary's client commands against a real
// node, with output that is not a terminal (plain progress lines).
func TestClientCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	s3c := s3Client(n)
	for _, b := range []string{"exports", "imports"} {
		if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	appID := newApp(t, c)
	const total = 2500 // three pieces of at most 1000 (testNode's piece size)
	seed(t, c, appID, 0, total)
	// No credentials in the environment: on a loopback endpoint the
	// client signs with test/test.
	env := []string{"AWS_ENDPOINT_URL=" + n.Server.URL()}

	t.Run("version", func(t *testing.T) {
		for _, args := range [][]string{{"--version"}, {"version"}} {
			if got, want := mustRun(t, bin, nil, args...), "pinfold "+pinfold.Version+"\n"; got != want {
				t.Errorf("pinfold %s = %q, want %q", args[0], got, want)
			}
		}
	})

	t.Run("apps", func(t *testing.T) {
		out := mustRun(t, bin, env, "apps")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || strings.Fields(lines[0])[0] != "ID" || !strings.HasPrefix(lines[1], appID+" ") ||
			strings.Fields(lines[1])[1] != "app" {
			t.Errorf("apps:\n%s", out)
		}
		// The service-specific variable alone is enough; the credential
		// chain's keys are used when given: other sees none of test's apps.
		out = mustRun(t, bin, []string{"AWS_ENDPOINT_URL_PINPOINT=" + n.Server.URL(),
			"AWS_ACCESS_KEY_ID=other", "AWS_SECRET_ACCESS_KEY=other"}, "apps")
		if strings.TrimSpace(out) != "ID  NAME  CREATED" {
			t.Errorf("apps as other:\n%s", out)
		}
		out = mustRun(t, bin, nil, "apps", "--endpoint-url", n.Server.URL())
		if !strings.Contains(out, appID) {
			t.Errorf("apps --endpoint-url:\n%s", out)
		}
	})

	var exportID string
	t.Run("export wait download", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		out := mustRun(t, bin, env, "export", "--app", appID, "--to", "s3://exports/cli/", "--wait",
			"--poll-interval", "20ms", "--download", dir)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		first := strings.Fields(lines[0])
		if len(first) < 3 || first[0] != "export" || first[1] != "job" || !jobIDRe.MatchString(first[2]) {
			t.Fatalf("first line %q, want export job ID ...", lines[0])
		}
		exportID = first[2]
		// Progress lines, one per change: pieces never go back, no line
		// repeats the one before, the last is COMPLETED with every piece.
		var progress []string
		rest := lines[1:]
		for len(rest) > 0 && progressRe.MatchString(rest[0]) {
			progress, rest = append(progress, rest[0]), rest[1:]
		}
		if len(progress) == 0 {
			t.Fatalf("no progress lines in:\n%s", out)
		}
		prevPieces, prevKey := -1, ""
		for _, l := range progress {
			m := progressRe.FindStringSubmatch(l)
			done, _ := strconv.Atoi(m[2])
			if done < prevPieces {
				t.Errorf("pieces went back at %q", l)
			}
			key := m[1] + " " + m[2] + "/" + m[3] + " " + m[4] // status, pieces, endpoints
			if key == prevKey {
				t.Errorf("line %q repeats the one before", l)
			}
			prevPieces, prevKey = done, key
		}
		if last := progress[len(progress)-1]; !strings.HasPrefix(last, "COMPLETED pieces 3/3 2500 endpoints ") {
			t.Errorf("last progress line %q", last)
		}
		if len(rest) != 2 {
			t.Fatalf("after the progress lines: %q, want the summary and the download", rest)
		}
		if want := "export " + exportID + " COMPLETED in "; !strings.HasPrefix(rest[0], want) ||
			!strings.HasSuffix(rest[0], ": pieces 3/3, 2500 endpoints, 0 failures") {
			t.Errorf("summary %q", rest[0])
		}
		if want := "downloaded 3 files from s3://exports/cli/" + exportID + "/ to " + dir; rest[1] != want {
			t.Errorf("got %q, want %q", rest[1], want)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		count := 0
		for _, f := range files {
			if !strings.HasSuffix(f, ".gz") {
				t.Errorf("downloaded %s, not a .gz file", f)
				continue
			}
			count += gzLines(t, f)
		}
		if len(files) != 3 || count != total {
			t.Errorf("downloaded %d files of %d lines, want 3 of %d", len(files), count, total)
		}
	})

	var noWaitID string
	t.Run("export without wait", func(t *testing.T) {
		// Output that is not a terminal: --wait is off unless asked for,
		// and the command prints only the job ID.
		out := mustRun(t, bin, env, "export", "--app", appID, "--to", "s3://exports/nowait")
		noWaitID = strings.TrimSpace(out)
		if !jobIDRe.MatchString(noWaitID) {
			t.Fatalf("export without --wait printed %q, want a job ID", out)
		}
		ev.waitFinished(t, noWaitID)
	})

	var failedID string
	t.Run("import failed", func(t *testing.T) {
		out, errOut, code := runCLI(t, bin, env, "import", "--app", appID, "--from", "s3://no-such-bucket/x.csv",
			"--format", "csv", "--wait", "--poll-interval", "20ms")
		if code != 1 {
			t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		failedID = strings.Fields(lines[0])[2]
		if want := "import " + failedID + " FAILED in "; !slicesContainsPrefix(lines, want) {
			t.Errorf("no line %q... in:\n%s", want, out)
		}
		if i := index(lines, "failures:"); i < 0 || i+1 >= len(lines) || !strings.Contains(lines[i+1], "s3://no-such-bucket/x.csv") {
			t.Errorf("no Failures in:\n%s", out)
		}
		if !strings.Contains(errOut, "import job "+failedID+" FAILED") {
			t.Errorf("stderr %q", errOut)
		}
	})

	var importID string
	t.Run("import define segment", func(t *testing.T) {
		csv := "Id,Address,ChannelType,User.UserId\np1,p1@example.com,EMAIL,u1\np2,p2@example.com,EMAIL,u2\n"
		if _, err := s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("imports"), Key: aws.String("people.csv"),
			Body: strings.NewReader(csv)}); err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, bin, env, "import", "--app", appID, "--from", "s3://imports/people.csv", "--format", "csv",
			"--define-segment", "people", "--wait", "--poll-interval", "20ms")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		importID = strings.Fields(lines[0])[2]
		if want := "import " + importID + " COMPLETED in "; !slicesContainsPrefix(lines, want) {
			t.Errorf("no line %q... in:\n%s", want, out)
		}
		last := strings.Fields(lines[len(lines)-1])
		if len(last) != 2 || last[0] != "segment" || !jobIDRe.MatchString(last[1]) {
			t.Errorf("last line %q, want segment ID", lines[len(lines)-1])
		}
	})

	t.Run("jobs", func(t *testing.T) {
		want := map[string]string{exportID: "EXPORT COMPLETED 3/3 2500", noWaitID: "EXPORT COMPLETED 3/3 2500",
			failedID: "IMPORT FAILED", importID: "IMPORT COMPLETED 1/1 2"}
		for _, args := range [][]string{{"jobs"}, {"jobs", "--app", appID}} {
			out := mustRun(t, bin, env, args...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if got := strings.Join(strings.Fields(lines[0]), " "); got != "ID APP TYPE STATUS PIECES ENDPOINTS FAILURES CREATED" {
				t.Errorf("header %q", got)
			}
			if len(lines) != 1+len(want) {
				t.Errorf("%s: %d rows, want %d:\n%s", args, len(lines)-1, len(want), out)
			}
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				w, ok := want[f[0]]
				if !ok || f[1] != appID || !strings.HasPrefix(strings.Join(f[2:], " "), w) {
					t.Errorf("row %q, want %s", l, w)
				}
			}
		}
		other := newApp(t, client(n, "test", "us-east-1"))
		if out := mustRun(t, bin, env, "jobs", "--app", other); strings.Count(out, "\n") != 1 {
			t.Errorf("jobs of an app without jobs:\n%s", out)
		}
	})

	t.Run("errors", func(t *testing.T) {
		if _, errOut, code := runCLI(t, bin, env, "export", "--app", "nope", "--to", "s3://exports/x/"); code != 1 ||
			!strings.Contains(errOut, "NotFoundException") {
			t.Errorf("export of a missing app: exit %d, stderr %q", code, errOut)
		}
		if _, errOut, code := runCLI(t, bin, env, "export", "--app", appID, "--to", "http://x/"); code != 1 ||
			!strings.Contains(errOut, "--to") {
			t.Errorf("export --to http: exit %d, stderr %q", code, errOut)
		}
	})
}

// gzLines counts the lines of a gzip file.
func gzLines(t *testing.T, file string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	n := 0
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return n
}

// slicesContainsPrefix reports whether a line starts with prefix.
func slicesContainsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// index returns the index of the line equal to s, or -1.
func index(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

// TestWatcher renders a sequence of job states both ways: plain lines, one
// per change, and the progress bar of a terminal.
func TestWatcher(t *testing.T) {
	states := []jobState{
		{ID: "j", Type: "EXPORT", Status: "CREATED"},
		{ID: "j", Type: "EXPORT", Status: "PROCESSING", TotalPieces: 4},
		{ID: "j", Type: "EXPORT", Status: "PROCESSING", TotalPieces: 4},
		{ID: "j", Type: "EXPORT", Status: "PROCESSING", TotalPieces: 4, CompletedPieces: 1, Processed: 1000},
		{ID: "j", Type: "EXPORT", Status: "FAILED", TotalPieces: 4, CompletedPieces: 3, FailedPieces: 1, Processed: 3000,
			Failures: 1000, FailureList: []string{"s3://b/j/3.gz: access denied"}},
	}
	for _, isTerm := range []bool{false, true} {
		var out bytes.Buffer
		i := 0
		w := &watcher{Term: &terminal{Out: &out, IsTerminal: isTerm}, Interval: 1, Fetch: func(context.Context) (jobState, error) {
			i++
			return states[i-1], nil
		}}
		j, err := w.watch(context.Background())
		if err != nil || j.Status != "FAILED" {
			t.Fatalf("watch = %v, %v", j.Status, err)
		}
		if isTerm {
			if got := out.String(); !strings.Contains(got, "FAILED") || !strings.Contains(got, "(4/4)") {
				t.Errorf("terminal output %q, want the bar at 4/4 and FAILED", got)
			}
			continue
		}
		var statuses []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if !progressRe.MatchString(l) {
				t.Errorf("line %q is not a progress line", l)
			}
			statuses = append(statuses, strings.Join(strings.Fields(l)[:5], " "))
		}
		want := "CREATED pieces 0/0 0 endpoints|PROCESSING pieces 0/4 0 endpoints|PROCESSING pieces 1/4 1000 endpoints|" +
			"FAILED pieces 3/4 (1 failed)"
		if got := strings.Join(statuses, "|"); got != want {
			t.Errorf("lines:\n%s\nwant (first words) %s", out.String(), want)
		}
	}
	var out bytes.Buffer
	err := summarize(&out, states[4], 0)
	var ee *exitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Errorf("summarize FAILED = %v, want exit 1", err)
	}
	want := "export j FAILED in 0s: pieces 3/4, 3000 endpoints, 1000 failures\nfailures:\n  s3://b/j/3.gz: access denied\n"
	if out.String() != want {
		t.Errorf("summary %q, want %q", out.String(), want)
	}
}

// TestClientInterrupt checks that Ctrl-C stops waiting, not the job: the
// node's S3 endpoint holds every request of the export, so the job stays
// PROCESSING while the command follows it; SIGINT ends the command with
// status 130, and the job is still running.
func TestClientInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s3srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(held) })
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
		http.Error(w, "held by the test", http.StatusServiceUnavailable)
	}))
	t.Cleanup(s3srv.Close)
	n := testNode(t, func(n *node) {
		n.S3 = S3Flags{Endpoint: s3srv.URL, Region: "us-east-1", PathStyle: true, AccessKey: "test", SecretKey: "test"}
	})
	t.Cleanup(func() { close(release) }) // before the node closes, and before s3srv.Close waits for handlers
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	seed(t, c, appID, 0, 10)

	cmd := exec.Command(bin, "export", "--app", appID, "--to", "s3://exports/held/", "--wait", "--poll-interval", "20ms")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_ENDPOINT_URL=" + n.Server.URL(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	processing := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "PROCESSING ") {
				select {
				case processing <- sc.Text():
				default:
				}
			}
		}
		close(processing)
	}()
	deadline := time.After(2 * time.Minute) // a safety net, not an assertion
	select {
	case <-held:
	case <-deadline:
		t.Fatal("the export never reached S3")
	}
	select {
	case l, ok := <-processing:
		if !ok {
			t.Fatalf("the command ended before showing PROCESSING; stderr %q", stderr.String())
		}
		t.Logf("interrupting at %q", l)
	case <-deadline:
		t.Fatal("no PROCESSING line")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped waiting; job ") || !strings.Contains(stderr.String(), " goes on") {
		t.Errorf("stderr %q", stderr.String())
	}
	jobs, err := c.GetExportJobs(context.Background(), &pinpoint.GetExportJobsInput{ApplicationId: &appID})
	if err != nil {
		t.Fatal(err)
	}
	if items := jobs.ExportJobsResponse.Item; len(items) != 1 || items[0].JobStatus != types.JobStatusProcessing {
		t.Errorf("after the interrupt the job is %v, want one PROCESSING", items)
	}
}

// TestEndpointsEstimate: an export's line estimates the total from the
// pieces done; an import's, whose count grows within a piece, does not.
func TestEndpointsEstimate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		j    jobState
		want string
	}{
		{jobState{Type: "EXPORT", TotalPieces: 4, CompletedPieces: 1, Processed: 1000}, "1000 endpoints of ~4000"},
		{jobState{Type: "EXPORT", TotalPieces: 4, Processed: 0}, "0 endpoints"},
		{jobState{Type: "IMPORT", TotalPieces: 4, CompletedPieces: 1, Processed: 1500}, "1500 endpoints"},
	} {
		if got := endpoints(c.j); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.j.Type, c.j, got, c.want)
		}
	}
}
