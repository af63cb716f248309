package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// quickstartBlocks returns the bodies of README's fenced blocks whose info
// string is "LANG quickstart", in order.
func quickstartBlocks(readme, lang string) []string {
	var blocks []string
	var cur []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.Join(strings.Fields(strings.TrimPrefix(line, "```")), " ") == lang+" quickstart" &&
			strings.HasPrefix(line, "```"):
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

func TestQuickstartBlocks(t *testing.T) {
	readme := "text\n```sh quickstart\na\nb\n```\n```sh\nnot this\n```\n```python quickstart\np\n```\n```sh quickstart\nc\n```\n"
	if got := quickstartBlocks(readme, "sh"); strings.Join(got, "|") != "a\nb\n|c\n" {
		t.Errorf("sh blocks = %q", got)
	}
	if got := quickstartBlocks(readme, "python"); strings.Join(got, "|") != "p\n" {
		t.Errorf("python blocks = %q", got)
	}
}

// TestREADMEQuickstart runs README.md's quickstart as written, as a new user
// would in a second terminal: the "sh quickstart" blocks in one bash that
// stops at the first failing command, then the "python quickstart" block,
// against a fresh `pinfold serve` without configured credentials. Only the
// address changes, from 127.0.0.1:4566 to a free port.
func TestREADMEQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary, the aws CLI and boto3")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not installed")
	}
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	shBlocks, pyBlocks := quickstartBlocks(readme, "sh"), quickstartBlocks(readme, "python")
	if len(shBlocks) < 5 || len(pyBlocks) != 1 {
		t.Fatalf("README has %d sh quickstart blocks and %d python ones", len(shBlocks), len(pyBlocks))
	}
	bin := buildBinary(t)
	work := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(work, "pinfold")); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + freePort(t)
	startChild(t, bin, "--listen", addr, "--data-dir", filepath.Join(work, "pinfold-data"))

	// run runs one program on the script in work, with a HOME and AWS
	// files of its own and nothing of AWS in the environment but what the
	// script sets itself.
	run := func(name string, script string, args ...string) string {
		t.Helper()
		if !strings.Contains(script, "127.0.0.1:4566") {
			t.Fatalf("the %s quickstart does not name 127.0.0.1:4566", name)
		}
		script = strings.ReplaceAll(script, "127.0.0.1:4566", addr)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a safety net, not an assertion
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = work
		cmd.Stdin = strings.NewReader(script)
		home := t.TempDir()
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
			"AWS_EC2_METADATA_DISABLED=true"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s quickstart: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	out := run("bash", strings.Join(shBlocks, ""), "-euo", "pipefail", "-s")
	for _, want := range []string{
		"COMPLETED pieces 1/1 1 endpoints", // pinfold export --wait
		"COMPLETED\t2\t0\t",                // the import's check: status, processed, failures, segment
		"SMS\t+15550100\tu3\tgold\n",       // endpoint e3
		"e2\tb@example.com\n",              // user u2
		"import job ", "segment ",          // pinfold import --wait
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%q is missing from the quickstart's output:\n%s", want, out)
		}
	}
	for _, f := range []string{"people.csv", "run2/0.gz"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("the quickstart left no %s: %v", f, err)
		}
	}
	if out := run("python3", pyBlocks[0], "-"); !strings.Contains(out, "+15550100") {
		t.Errorf("the python quickstart printed %q", out)
	}
}
