package startstop_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pinfold/pinfold/internal/startstop"
)

// service counts its runs; its goroutine lives until Stop.
type service struct {
	startstop.Base
	starts int
	fail   error
	ended  chan error // the cause of each run's end
}

func (s *service) Start(ctx context.Context) error {
	ctx, ok, stopped := s.StartInit(ctx)
	if !ok {
		return nil
	}
	if s.fail != nil {
		stopped()
		return s.fail
	}
	s.starts++
	go func() {
		defer stopped()
		<-ctx.Done()
		s.ended <- context.Cause(ctx)
	}()
	return nil
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	s := &service{ended: make(chan error, 10)}
	s.Stop() // never started: nothing to do
	ctx, cancel := context.WithCancel(context.Background())
	for range 2 {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel() // the start-up context does not stop the service
	if s.starts != 1 {
		t.Errorf("started %d times, want 1", s.starts)
	}
	s.Stop()
	if err := <-s.ended; !errors.Is(err, startstop.ErrStop) {
		t.Errorf("cause %v, want ErrStop", err)
	}
	s.Stop() // twice: nothing to do
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.starts != 2 {
		t.Errorf("started %d times after a restart, want 2", s.starts)
	}
	s.Stop()
	<-s.ended
}

func TestStartAfterFailedStart(t *testing.T) {
	t.Parallel()
	s := &service{ended: make(chan error, 10), fail: errors.New("boom")}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("Start succeeded, want its error")
	}
	s.fail = nil
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.starts != 1 {
		t.Errorf("started %d times, want 1", s.starts)
	}
	s.Stop()
	<-s.ended
}

func TestStopGivesUp(t *testing.T) {
	t.Parallel()
	s := &service{ended: make(chan error, 10)}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ok, stopped, finish := s.StopInit()
	if !ok {
		t.Fatal("StopInit of a running service returned false")
	}
	<-stopped
	finish(false) // as if a later stage of Stop failed: still running
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.starts != 2 {
		// The goroutine had ended, so the service could start again.
		t.Errorf("started %d times, want 2", s.starts)
	}
	s.Stop()
}
