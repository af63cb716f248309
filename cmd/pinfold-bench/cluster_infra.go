package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// What the cluster command runs besides pinfold: a throwaway PostgreSQL
// server, versitygw as the S3 store every node shares, and the accounting
// of the CPU time each of them uses.

// pgServer is the PostgreSQL server the cluster command uses: one it
// started with .ci/start-postgres.sh, or one given with --postgres.
type pgServer struct {
	URL string // the server's URL; its database is the user's default
	Dir string // the cluster's directory when the benchmark started it, else ""
}

// startPostgres starts a throwaway PostgreSQL 15 cluster in dir with the
// repository's .ci/start-postgres.sh, with settings (NAME=VALUE) on top of
// the server's defaults (fsync and synchronous_commit on).
func startPostgres(ctx context.Context, dir string, settings []string) (*pgServer, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, ".ci", "start-postgres.sh"), dir)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PGOPTS=") })
	var opts []string
	for _, s := range settings {
		opts = append(opts, "-c "+s)
	}
	cmd.Env = append(cmd.Env, "PGOPTS="+strings.Join(opts, " "))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return &pgServer{URL: strings.TrimSpace(lines[len(lines)-1]), Dir: dir}, nil
}

// Stop stops the cluster when the benchmark started it.
func (s *pgServer) Stop() error {
	if s.Dir == "" {
		return nil
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("bash", filepath.Join(root, ".ci", "stop-postgres.sh"), s.Dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	return nil
}

// PID returns the postmaster's process ID, 0 when unknown (a server the
// benchmark did not start).
func (s *pgServer) PID() int {
	if s.Dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// DatabaseURL returns the URL of database name on the server.
func (s *pgServer) DatabaseURL(name string) (string, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", fmt.Errorf("postgres url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// exec runs statements, one after another, on one connection to database
// db of the server ("" is the URL's own). Only administration: creating
// and dropping the benchmark's databases and their settings.
func (s *pgServer) exec(ctx context.Context, db string, stmts ...string) error {
	u := s.URL
	if db != "" {
		var err error
		if u, err = s.DatabaseURL(db); err != nil {
			return err
		}
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// settings returns the server's version and the settings the report
// states, as "name=value" in the given order.
func (s *pgServer) settings(ctx context.Context, db string, names ...string) (string, error) {
	u, err := s.DatabaseURL(db)
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return "", fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	var parts []string
	for _, n := range append([]string{"server_version"}, names...) {
		var v string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", n).Scan(&v); err != nil {
			return "", fmt.Errorf("setting %s: %w", n, err)
		}
		parts = append(parts, n+"="+v)
	}
	return strings.Join(parts, ", "), nil
}

// jobPieces reads job id's row in database db and returns how its pieces
// spread over the nodes that finished them.
func (s *pgServer) jobPieces(ctx context.Context, db, id string) ([]nodeCount, error) {
	u, err := s.DatabaseURL(db)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	var data []byte
	if err := conn.QueryRow(ctx, "SELECT data FROM jobs WHERE id = $1", id).Scan(&data); err != nil {
		return nil, fmt.Errorf("read job %s: %w", id, err)
	}
	return piecesByNode(data)
}

// nodeCount is how many of a job's pieces one node finished.
type nodeCount struct {
	Node   string
	Pieces int
}

// piecesByNode parses a job's stored data (the jobs.data JSON of the
// PostgreSQL store: pieces[].node is the node that made the piece DONE or
// FAILED) and counts the pieces of each node, in node order; pieces no node
// finished yet count under "(none)".
func piecesByNode(data []byte) ([]nodeCount, error) {
	var d struct {
		Pieces []struct {
			Node string `json:"node"`
		} `json:"pieces"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("parse job data: %w", err)
	}
	m := map[string]int{}
	for _, p := range d.Pieces {
		n := p.Node
		if n == "" {
			n = "(none)"
		}
		m[n]++
	}
	out := make([]nodeCount, 0, len(m))
	for n, c := range m {
		out = append(out, nodeCount{n, c})
	}
	slices.SortFunc(out, func(a, b nodeCount) int { return strings.Compare(a.Node, b.Node) })
	return out, nil
}

// fmtPieces formats pieces by node: "node1 4, node2 3, node3 3".
func fmtPieces(ns []nodeCount) string {
	if len(ns) == 0 {
		return "-"
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("%s %d", n.Node, n.Pieces)
	}
	return strings.Join(parts, ", ")
}

// versitygwBinary finds versitygw: path when given, then
// $PINFOLD_VERSITYGW, PATH, and $(go env GOPATH)/bin, where
// .ci/install-versitygw.sh puts it.
func versitygwBinary(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p := os.Getenv("PINFOLD_VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.Split(strings.TrimSpace(string(out)), string(os.PathListSeparator))[0], "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found: pass --versitygw, set PINFOLD_VERSITYGW, or run .ci/install-versitygw.sh")
}

// startVersitygw starts versitygw's POSIX backend (metadata in a sidecar
// directory) in dir on a free loopback port, with the benchmark's
// credentials as its root user, so the benchmark's signer reads the
// exported objects as it reads pinfold's built-in endpoint.
func startVersitygw(ctx context.Context, bin, dir string) (*child, error) {
	data, meta := filepath.Join(dir, "data"), filepath.Join(dir, "meta")
	for _, d := range []string{data, meta} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("versitygw dir: %w", err)
		}
	}
	argv := []string{bin, "--access", accessKey, "--secret", secretKey, "--region", region, "--quiet",
		"--port", "127.0.0.1:{port}", "posix", "--sidecar", meta, data}
	return startChild(ctx, "versitygw", argv, nil, dir+".log", 30*time.Second, tcpReady)
}

// tcpReady reports whether the host of base accepts TCP connections:
// versitygw has no health endpoint.
func tcpReady(ctx context.Context, base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// createBucket creates bucket name on the S3 endpoint at base.
func createBucket(ctx context.Context, p *pool, s *signer, base, name string) error {
	sr, err := s.sign(ctx, "s3", http.MethodPut, base+"/"+name, []byte{})
	if err != nil {
		return err
	}
	status, b, err := p.do(ctx, sr)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("create bucket %s: status %d: %s", name, status, truncate(b, 300))
	}
	return nil
}

// procTimes is a process's CPU time as /proc/PID/stat gives it.
type procTimes struct {
	PPID     int
	Self     time.Duration // utime + stime
	Children time.Duration // cutime + cstime: children it has waited for
}

// parseStat parses a /proc/PID/stat line.
func parseStat(s string) (procTimes, error) {
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing parenthesis. ppid is field 4,
	// utime, stime, cutime, cstime fields 14 to 17.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procTimes{}, errors.New("parse process stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return procTimes{}, errors.New("parse process stat: short line")
	}
	var v [5]int64
	for k, idx := range []int{1, 11, 12, 13, 14} {
		n, err := strconv.ParseInt(f[idx], 10, 64)
		if err != nil {
			return procTimes{}, fmt.Errorf("parse process stat: field %d: %w", idx+3, err)
		}
		v[k] = n
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return procTimes{PPID: int(v[0]), Self: tick(v[1] + v[2]), Children: tick(v[3] + v[4])}, nil
}

func readStat(pid int) (procTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, fmt.Errorf("read process stat: %w", err)
	}
	return parseStat(string(b))
}

// treeCPU returns the CPU time used so far by process pid, the children it
// has waited for, and its live children: for PostgreSQL's postmaster, the
// whole server (the backends are its children, and it waits for each that
// exits).
func treeCPU(pid int) (time.Duration, error) {
	t, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	total := t.Self + t.Children
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return total, nil
	}
	for _, e := range entries {
		cp, err := strconv.Atoi(e.Name())
		if err != nil || cp == pid {
			continue
		}
		c, err := readStat(cp)
		if err == nil && c.PPID == pid {
			total += c.Self + c.Children
		}
	}
	return total, nil
}

// watched is a process whose CPU time the cluster command reports.
type watched struct {
	Name string
	PID  int  // 0: this process
	Tree bool // count its children too (treeCPU)
}

// cpuSample is the CPU time used so far by each watched process, by name.
type cpuSample map[string]time.Duration

// sampleCPU reads the CPU time of every watched process; one that cannot
// be read is left out.
func sampleCPU(ws []watched) cpuSample {
	s := cpuSample{}
	for _, w := range ws {
		var d time.Duration
		var err error
		switch {
		case w.PID == 0:
			d = selfCPU()
		case w.Tree:
			d, err = treeCPU(w.PID)
		default:
			d, err = procCPU(w.PID)
		}
		if err == nil {
			s[w.Name] = d
		}
	}
	return s
}

// since returns the CPU time used between earlier and s by the processes
// in both.
func (s cpuSample) since(earlier cpuSample) cpuSample {
	out := cpuSample{}
	for n, d := range s {
		if e, ok := earlier[n]; ok {
			out[n] = d - e
		}
	}
	return out
}

// fmtCPU formats the CPU seconds of each process in order, with the cores
// it kept busy over wall: "node1 3.1 s (0.62), postgres 2.0 s (0.40)".
func fmtCPU(s cpuSample, order []string, wall time.Duration) string {
	var parts []string
	var total time.Duration
	for _, n := range order {
		d, ok := s[n]
		if !ok {
			continue
		}
		total += d
		parts = append(parts, fmt.Sprintf("%s %.1f s (%.2f)", n, d.Seconds(), d.Seconds()/wall.Seconds()))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; total %.1f s (%.2f cores)", total.Seconds(), total.Seconds()/wall.Seconds())
}

// tableStats describes what the server knows of table's statistics in
// database db: the live rows it counts and when the table was last
// analyzed and vacuumed (by hand or by autovacuum). A plan made before the
// first analyze of a freshly filled table sees almost no rows.
func (s *pgServer) tableStats(ctx context.Context, db, table string) (string, error) {
	u, err := s.DatabaseURL(db)
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return "", fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	var live int64
	var analyzed, vacuumed string
	err = conn.QueryRow(ctx, `SELECT n_live_tup,
		coalesce(to_char(greatest(last_analyze, last_autoanalyze) AT TIME ZONE 'UTC', 'HH24:MI:SS'), 'never'),
		coalesce(to_char(greatest(last_vacuum, last_autovacuum) AT TIME ZONE 'UTC', 'HH24:MI:SS'), 'never')
		FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&live, &analyzed, &vacuumed)
	if err != nil {
		return "", fmt.Errorf("statistics of %s: %w", table, err)
	}
	return fmt.Sprintf("at %s UTC, %d live rows counted, last analyzed %s, last vacuumed %s", time.Now().UTC().Format("15:04:05"), live, analyzed, vacuumed), nil
}
