package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// ServerFlags choose the pinfold server every subcommand starts and the
// environment it runs in.
type ServerFlags struct {
	Pinfold        string   `help:"pinfold binary; empty builds ./cmd/pinfold from the module root."`
	ServerLogLevel string   `default:"info" enum:"debug,info,warn,error" help:"pinfold's --log-level (info logs one line per request, as deployed)."`
	ServerArg      []string `help:"Extra argument of pinfold serve, repeatable (e.g. --server-arg=--jobs-workers=1)."`
	Tuned          bool     `help:"Run pinfold with the recommended runtime settings GOGC=1600 GOMEMLIMIT=180MiB GOMAXPROCS=<4 x CPUs> instead of Go's defaults."`
	ServerEnv      []string `placeholder:"KEY=VALUE" help:"Extra environment variable of pinfold serve, repeatable; applied after --tuned."`
	ServerProfile  string   `type:"path" placeholder:"DIR" help:"Write a Go CPU profile of every pinfold server started (pinfold serve --cpu-profile) into DIR, one file per server, named after what it served."`
	KeepData       bool     `help:"Keep the temporary directory (data dirs, server logs)."`
}

// runtimeVars are the Go runtime's environment variables the benchmark
// controls: the server never inherits them from the benchmark's own
// environment, so a report says exactly what the server ran with.
var runtimeVars = []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"}

// serverEnv returns the environment variables pinfold is started with on
// top of the benchmark's own environment (without runtimeVars): none for
// Go's defaults, the recommended runtime settings with --tuned, then
// --server-env.
func (f *ServerFlags) serverEnv() ([]string, error) {
	var env []string
	if f.Tuned {
		env = append(env, "GOGC=1600", "GOMEMLIMIT=180MiB", fmt.Sprintf("GOMAXPROCS=%d", 4*runtime.NumCPU()))
	}
	for _, kv := range f.ServerEnv {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("--server-env %q: want KEY=VALUE", kv)
		}
		env = append(env, kv)
	}
	return env, nil
}

// describeEnv describes env, serverEnv's result, for the report.
func describeEnv(env []string, tuned bool) string {
	set := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var unset []string
	for _, k := range runtimeVars {
		if !set[k] {
			unset = append(unset, k)
		}
	}
	s := "nothing set"
	if len(env) > 0 {
		s = strings.Join(env, " ")
	}
	if tuned {
		s += " (--tuned: the recommended settings)"
	}
	if len(unset) > 0 {
		s += "; " + strings.Join(unset, ", ") + " unset (Go's defaults, unless pinfold serve sets them itself)"
	}
	return s
}

// childEnv returns the environment of a server child: the benchmark's own
// without runtimeVars, then env.
func childEnv(env []string) []string {
	out := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(runtimeVars, k)
	})
	return append(out, env...)
}

// rig is the set-up every subcommand shares: a temporary directory, the
// pinfold binary, the server environment, a signer and a one-connection
// client for set-up requests.
type rig struct {
	Flags     ServerFlags
	Tmp       string   // temporary directory, removed by Close unless --keep-data
	Bin       string   // the pinfold binary
	Origin    string   // where Bin came from, for the report
	Env       []string // pinfold's environment on top of the benchmark's
	Signer    *signer
	Setup     *pool  // for set-up requests, one connection
	StartLoad string // the load average when the measurements started
}

// openRig creates the temporary directory (named after the subcommand) and
// finds or builds the pinfold binary.
func openRig(ctx context.Context, f ServerFlags, name string) (*rig, error) {
	env, err := f.serverEnv()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "pinfold-bench-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	r := &rig{Flags: f, Tmp: tmp, Env: env, Signer: newSigner(), Setup: newPool(1)}
	if f.KeepData {
		progress("keeping %s", tmp)
	}
	if f.ServerProfile != "" {
		if err := os.MkdirAll(f.ServerProfile, 0o755); err != nil {
			r.Close()
			return nil, fmt.Errorf("server profile dir: %w", err)
		}
	}
	if r.Bin, r.Origin, err = pinfoldBinary(ctx, f.Pinfold, tmp); err != nil {
		r.Close()
		return nil, err
	}
	r.StartLoad = loadAvg()
	progress("pinfold environment: %s", describeEnv(env, f.Tuned))
	return r, nil
}

// Close closes the set-up client and removes the temporary directory unless
// --keep-data.
func (r *rig) Close() {
	r.Setup.Close()
	if !r.Flags.KeepData {
		os.RemoveAll(r.Tmp)
	}
}

// startPinfold starts pinfold serve on a data dir named name under the
// temporary directory (kept when it exists), with pieceSize as
// --jobs-piece-size when not 0. With --server-profile the server writes its
// CPU profile to DIR/name.cpu.prof (name-2.cpu.prof... when taken).
func (r *rig) startPinfold(ctx context.Context, name string, pieceSize int) (*child, error) {
	return r.startPinfoldWith(ctx, name, pieceSize)
}

// startPinfoldWith is startPinfold with more arguments of pinfold serve,
// before --server-arg's.
func (r *rig) startPinfoldWith(ctx context.Context, name string, pieceSize int, extra ...string) (*child, error) {
	args := append(slices.Clone(extra), r.Flags.ServerArg...)
	if r.Flags.ServerProfile != "" {
		args = append(args, "--cpu-profile", freeName(filepath.Join(r.Flags.ServerProfile, name), ".cpu.prof"))
	}
	return startPinfold(ctx, pinfoldOpts{Bin: r.Bin, DataDir: r.DataDir(name), PieceSize: pieceSize, LogLevel: r.Flags.ServerLogLevel, Args: args, Env: r.Env})
}

// DataDir returns the path of data dir name.
func (r *rig) DataDir(name string) string { return filepath.Join(r.Tmp, name) }

// freeName returns base+ext, or base-2+ext, base-3+ext... the first that
// does not exist.
func freeName(base, ext string) string {
	p := base + ext
	for i := 2; ; i++ {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			return p
		}
		p = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
}

// header prints the report's first lines: title, machine, server and its
// environment, load average.
func (r *rig) header(title string) {
	fmt.Printf("## %s\n\n", title)
	fmt.Printf("- Machine: %s\n", machine())
	fmt.Printf("- Server: %s\n", r.Origin)
	fmt.Printf("- Server environment: %s\n", describeEnv(r.Env, r.Flags.Tuned))
	fmt.Printf("- Load average (1/5/15 min): %s at start, %s at end\n", r.StartLoad, loadAvg())
}
