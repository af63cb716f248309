package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// child is a pinfold binary run by a test, with its JSON log lines
// collected so that the test can wait for them.
type child struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every line
	lines   []map[string]any
	done    bool // the log has ended
}

// startChild runs bin serve with args and waits until it serves.
func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, append([]string{"serve", "--log-format", "json"}, args...)...), changed: make(chan struct{})}
	out, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.kill)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"msg": sc.Text()}
			}
			c.mu.Lock()
			c.lines = append(c.lines, m)
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
		c.mu.Lock()
		c.done = true
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}()
	c.waitLog(t, "the node to serve", func(m map[string]any) bool { return m["msg"] == "pinfold serving" })
	return c
}

// waitLog waits for a log line that match accepts.
func (c *child) waitLog(t *testing.T, what string, match func(map[string]any) bool) {
	t.Helper()
	deadline := time.NewTimer(2 * time.Minute) // a safety net, not an assertion
	defer deadline.Stop()
	for seen := 0; ; {
		c.mu.Lock()
		for ; seen < len(c.lines); seen++ {
			if match(c.lines[seen]) {
				c.mu.Unlock()
				return
			}
		}
		ch, done := c.changed, c.done
		c.mu.Unlock()
		if done {
			t.Fatalf("the node's log ended before %s", what)
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitJobFinished waits for the node's log line of the job's end.
func (c *child) waitJobFinished(t *testing.T, jobID string) {
	t.Helper()
	c.waitLog(t, "job "+jobID+" to finish", func(m map[string]any) bool {
		return m["msg"] == "job finished" && m["job_id"] == jobID
	})
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// holdProxy is an S3 endpoint for a child (--s3-endpoint) that forwards to
// the child's own built-in one, except that it holds the first request for
// the second object key matching match: it signals held and never answers.
// With one worker, that request is the start of the job's second piece, so
// the first piece is done and the job cannot finish: the moment to kill.
type holdProxy struct {
	URL  string
	held chan struct{}

	mu   sync.Mutex
	keys map[string]bool
	hold bool // the request is held already
}

func startHoldProxy(t *testing.T, target string, match func(*http.Request) bool) *holdProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{held: make(chan struct{}), keys: map[string]bool{}}
	release := make(chan struct{})
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host header the client signed
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			p.mu.Lock()
			p.keys[r.URL.Path] = true
			holdIt := !p.hold && len(p.keys) == 2
			p.hold = p.hold || holdIt
			p.mu.Unlock()
			if holdIt {
				close(p.held)
				// Until the child is killed (the server notices a closed
				// connection once the body is read) or the test ends.
				io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-release:
				}
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
	p.URL = srv.URL
	return p
}

// isKey reports whether r is a request of method for an object under
// bucket/prefix.
func isKey(r *http.Request, method, bucket, prefix string) bool {
	return r.Method == method && strings.HasPrefix(r.URL.Path, "/"+bucket+"/"+prefix)
}
