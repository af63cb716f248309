package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The floor of the api command's latency: a net/http server in its own
// process that answers every request with GetEndpoint's response bytes and
// does nothing else (no signature, no lookup, no log line). Measured with
// the same client at the highest connection count in the same run, it
// shows what this client, net/http and the machine cost by themselves, so
// that pinfold's own share of a p99 can be told from theirs.

// FloorCmd is the floor server, started by the api command as a child
// process (a hidden subcommand of pinfold-bench).
type FloorCmd struct {
	Listen string `default:"127.0.0.1:0" help:"Address to listen on."`
	Body   string `type:"existingfile" required:"" help:"File whose bytes every response carries."`
}

// Run serves until the context ends (SIGTERM).
func (c *FloorCmd) Run(ctx context.Context) error {
	body, err := os.ReadFile(c.Body)
	if err != nil {
		return err
	}
	length := []string{strconv.Itoa(len(body))}
	contentType := []string{"application/json"}
	requestID := []string{"00000000-0000-0000-0000-000000000000"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"], hd["Content-Length"], hd["X-Amzn-Requestid"] = contentType, length, requestID
		w.Write(body)
	})
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startFloor starts the floor server answering with body, from this
// benchmark's own binary, with Go's runtime defaults.
func startFloor(ctx context.Context, r *rig, body []byte) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(r.Tmp, "floor-body.json")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return nil, err
	}
	return startChild(ctx, "net/http floor", []string{self, "floor-server", "--listen", "127.0.0.1:{port}", "--body", path},
		childEnv(nil), filepath.Join(r.Tmp, "floor.log"), time.Minute, httpReady("/"))
}
