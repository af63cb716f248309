package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/console"
)

// newConsole returns the operator console of the node, served by the
// api.Handler under /_pinfold/console/. blobs reads job files for download.
// The console is open (no login) only where the node runs with the default
// test/test pair, which loadCredentials gives only on a loopback address
// with no configured credentials.
func (n *node) newConsole(blobs pinfold.BlobStore) *console.Handler {
	c := &console.Handler{
		Store:  n.Store,
		Blobs:  blobs,
		Logger: n.Logger,
		Lookup: func(id string) (console.Credential, bool) {
			c, ok := n.Credentials[id]
			return console.Credential{Secret: c.SecretAccessKey, Account: c.Account}, ok
		},
		Open: n.defaultCredentials(),
	}
	if n.riverUI != nil {
		c.River = n.riverUI
	} else {
		c.RiverNote = n.riverUINote
	}
	c.Init()
	return c
}

// defaultCredentials reports whether the node runs with only the default
// local pair test/test of account 000000000000 on a loopback address.
func (n *node) defaultCredentials() bool {
	c, ok := n.Credentials["test"]
	return len(n.Credentials) == 1 && ok && c.SecretAccessKey == "test" && c.Account == "000000000000" && isLoopback(n.Listen)
}

// lazyRiverUI is River's UI for a River client, started on its first
// request: its background count queries then run only on nodes where an
// operator opened it, not on every idle node. Stop ends them.
type lazyRiverUI struct {
	h *riverui.Handler

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

// newRiverUI returns River's UI for client, mounted at
// console.Prefix+"/river/".
func newRiverUI[TTx any](client *river.Client[TTx], logger *slog.Logger) (*lazyRiverUI, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logger.With("component", "riverui"),
		Prefix:    console.Prefix + "/river",
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &lazyRiverUI{h: h, ctx: ctx, cancel: cancel}, nil
}

func (u *lazyRiverUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.once.Do(func() { u.err = u.h.Start(u.ctx) })
	if u.err != nil {
		http.Error(w, "River UI failed to start: "+u.err.Error(), http.StatusInternalServerError)
		return
	}
	u.h.ServeHTTP(w, r)
}

// Stop ends the UI's background work.
func (u *lazyRiverUI) Stop() { u.cancel() }

// riverUIOrNote keeps River's UI, or the reason there is none for the
// console's River page.
func riverUIOrNote(u *lazyRiverUI, err error) (*lazyRiverUI, string) {
	if err != nil {
		return nil, "River's UI could not be mounted on this node: " + err.Error()
	}
	return u, ""
}
