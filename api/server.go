package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is the HTTP server of a pinfold node: it listens first (so ":0"
// works in tests) and serves in the background until Close.
type Server struct {
	Addr    string       // listen address, e.g. 127.0.0.1:4566
	Handler http.Handler // usually a *Handler

	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Open listens on Addr and starts serving.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.srv.Serve(ln) }()
	return nil
}

// URL returns the base URL the server answers on, e.g. http://127.0.0.1:4566.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections and waits, until ctx ends, for
// in-flight requests to finish. It is safe after a failed Open and twice.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if e := <-s.done; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	s.srv = nil
	return err
}
