package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server process the benchmark started: pinfold or moto_server.
type child struct {
	Name    string // for messages: "pinfold" or "moto"
	URL     string // http://127.0.0.1:PORT
	LogPath string // the file its stdout and stderr go to

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startChild starts argv (with "{port}" replaced by a free port) in its own
// process group, with environment env (nil: the benchmark's), its output
// appended to logPath, and waits until ready answers true for the base URL,
// the process exits, or timeout passes.
func startChild(ctx context.Context, name string, argv, env []string, logPath string, timeout time.Duration, ready func(ctx context.Context, url string) bool) (*child, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := make([]string, len(argv))
	for i, a := range argv {
		args[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(port))
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	defer logf.Close() // the child holds its own descriptor
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = env
	// Own process group, so stop can signal moto's shim and interpreter
	// together; die with the benchmark if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{Name: name, URL: fmt.Sprintf("http://127.0.0.1:%d", port), LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()

	deadline := time.Now().Add(timeout)
	for {
		if ready(ctx, c.URL) {
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v); log %s:\n%s", name, c.err, logPath, tail(logPath, 20))
		case <-ctx.Done():
			c.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.Stop()
			return nil, fmt.Errorf("%s not ready after %s; log %s:\n%s", name, timeout, logPath, tail(logPath, 20))
		}
	}
}

// PID returns the process ID of the child.
func (c *child) PID() int { return c.cmd.Process.Pid }

// Stop sends SIGTERM to the child's process group and waits for the child to
// exit; after 60 s it sends SIGKILL. It returns the exit error, nil for a
// clean exit (status 0 or death by the SIGTERM it was sent).
func (c *child) Stop() error {
	select {
	case <-c.done:
		return c.exitErr()
	default:
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
		return fmt.Errorf("%s did not stop within 60s of SIGTERM; killed", c.Name)
	}
	return c.exitErr()
}

func (c *child) exitErr() error {
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	if c.err != nil {
		return fmt.Errorf("%s exit: %w", c.Name, c.err)
	}
	return nil
}

// tail returns the last n lines of the file at path, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// httpReady returns a readiness check that GETs path and wants one of the
// given statuses (any status when none is given).
func httpReady(path string, statuses ...int) func(context.Context, string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context, base string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if len(statuses) == 0 {
			return true
		}
		for _, s := range statuses {
			if resp.StatusCode == s {
				return true
			}
		}
		return false
	}
}

// pinfoldOpts configure one pinfold child.
type pinfoldOpts struct {
	Bin       string
	DataDir   string
	PieceSize int      // 0: the server's default
	LogLevel  string   // the server's --log-level
	Args      []string // more arguments of pinfold serve
	Env       []string // environment on top of the benchmark's, without GOGC, GOMEMLIMIT and GOMAXPROCS (see childEnv)
}

// startPinfold starts `pinfold serve` on a free loopback port and waits for
// GET /_pinfold/health to answer 200 (up to 2 minutes: a large store may take
// a while to open).
func startPinfold(ctx context.Context, o pinfoldOpts) (*child, error) {
	argv := []string{o.Bin, "serve", "--listen", "127.0.0.1:{port}", "--data-dir", o.DataDir,
		"--credentials", accessKey + ":" + secretKey + ":" + account}
	if o.PieceSize > 0 {
		argv = append(argv, "--jobs-piece-size", strconv.Itoa(o.PieceSize))
	}
	if o.LogLevel != "" {
		argv = append(argv, "--log-level", o.LogLevel)
	}
	argv = append(argv, o.Args...)
	log := filepath.Join(filepath.Dir(filepath.Clean(o.DataDir)), filepath.Base(o.DataDir)+".log")
	for attempt := 0; ; attempt++ {
		c, err := startChild(ctx, "pinfold", argv, childEnv(o.Env), log, 2*time.Minute, httpReady("/_pinfold/health", http.StatusOK))
		// The free port may have been taken between the probe and the
		// listen: try again a few times.
		if err != nil && attempt < 3 && ctx.Err() == nil && strings.Contains(err.Error(), "address already in use") {
			continue
		}
		return c, err
	}
}

// startMoto starts `moto_server -H 127.0.0.1 -p PORT` and waits until it
// answers HTTP at all.
func startMoto(ctx context.Context, bin, logPath string) (*child, error) {
	return startChild(ctx, "moto", []string{bin, "-H", "127.0.0.1", "-p", "{port}"}, nil, logPath, time.Minute, httpReady("/moto-api/"))
}

// buildPinfold runs `go build -o out ./cmd/pinfold` in the module root found
// by walking up from the working directory.
func buildPinfold(ctx context.Context, out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/pinfold")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/pinfold in %s: %w", root, err)
	}
	return nil
}

// moduleRoot returns the nearest directory at or above the working directory
// whose go.mod declares module github.com/pinfold/pinfold.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module github.com/pinfold/pinfold\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod of github.com/pinfold/pinfold above the working directory; run from the repository or pass --pinfold")
		}
		dir = parent
	}
}

// pinfoldBinary returns the binary to run, path when given, else a fresh
// build in dir, and a description of where it came from for the report.
func pinfoldBinary(ctx context.Context, path, dir string) (bin, origin string, err error) {
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", "", fmt.Errorf("pinfold binary: %w", err)
		}
		if _, err := os.Stat(abs); err != nil {
			return "", "", fmt.Errorf("pinfold binary: %w", err)
		}
		return abs, "binary " + abs + " given with --pinfold (source tree now: " + sourceVersion() + ")", nil
	}
	out := filepath.Join(dir, "pinfold")
	origin = "built by the benchmark from " + sourceVersion()
	fmt.Fprintln(os.Stderr, "building ./cmd/pinfold ...")
	if err := buildPinfold(ctx, out); err != nil {
		return "", "", err
	}
	return out, origin, nil
}

// procStatusKB returns a "Vm..." or "Rss..." field of /proc/PID/status in
// KiB.
func procStatusKB(pid int, field string) (int64, error) {
	m, err := procStatus(pid)
	if err != nil {
		return 0, err
	}
	v, ok := m[field]
	if !ok {
		return 0, fmt.Errorf("read process status: no %s field", field)
	}
	return v, nil
}

// procStatus returns the fields of /proc/PID/status measured in kB, in KiB.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("read process status: %w", err)
	}
	m := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		rest = strings.TrimSpace(rest)
		if !ok || !strings.HasSuffix(rest, " kB") {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSuffix(rest, " kB"), 10, 64); err == nil {
			m[name] = v
		}
	}
	return m, nil
}

// rssPeaks tracks the largest resident set sizes seen by sampling
// /proc/PID/status: total, anonymous (heap, stacks) and file-backed (mapped
// files such as an mmap'd database, which the kernel can drop and re-read).
type rssPeaks struct {
	RSS, Anon, File int64 // KiB
}

func (p *rssPeaks) sample(pid int) {
	m, err := procStatus(pid)
	if err != nil {
		return
	}
	p.RSS = max(p.RSS, m["VmRSS"])
	p.Anon = max(p.Anon, m["RssAnon"])
	p.File = max(p.File, m["RssFile"]+m["RssShmem"])
}

// resetPeakRSS resets the VmHWM of process pid to its current RSS (Linux
// 4.0+: write 5 to /proc/PID/clear_refs), so the next reading is the peak
// of what follows.
func resetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

// procCPU returns the CPU time (user + system) process pid has used so far,
// at 10 ms resolution.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read process cpu: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing parenthesis. utime and stime are
	// fields 14 and 15, so 12th and 13th after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read process cpu: short stat line")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read process cpu: bad utime/stime %q %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// selfCPU returns the CPU time (user + system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures the CPU time used by a server process and by this
// process between Start and Stop.
type cpuMeter struct {
	pid            int
	server0, self0 time.Duration
	Server, Self   time.Duration // valid after Stop
	serverErr      error
}

func (m *cpuMeter) Start() {
	m.server0, m.serverErr = procCPU(m.pid)
	m.self0 = selfCPU()
}

func (m *cpuMeter) Stop() {
	m.Self = selfCPU() - m.self0
	if m.serverErr == nil {
		var s time.Duration
		s, m.serverErr = procCPU(m.pid)
		m.Server = s - m.server0
	}
}
