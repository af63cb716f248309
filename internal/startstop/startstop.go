// Package startstop is the one start/stop pattern of pinfold's background
// services, after River's rivershared/startstop: a service embeds Base,
// its Start calls StartInit and runs its goroutine, and Stop cancels that
// goroutine's context and waits for it. Start on a started service and Stop
// on a stopped (or never started) one do nothing, and a service whose
// start failed can be started again.
package startstop

import (
	"context"
	"errors"
	"sync"
)

// ErrStop is the cause of the cancellation of a service's context by Stop,
// to tell a controlled stop from another cancellation.
var ErrStop = errors.New("service stopped")

// Base is embedded in a service to give it a safe Start and Stop.
type Base struct {
	mu      sync.Mutex
	running bool
	cancel  context.CancelCauseFunc
	stopped chan struct{}
}

// StartInit begins a Start. When the service is running already it returns
// false, and Start must return. Otherwise it returns the service's context,
// cancelled by Stop, and stopped, which the service calls when its
// goroutine ends, or at once when Start fails (then Start may be called
// again). The context does not end with ctx: ctx bounds the start-up only.
//
//	func (s *Service) Start(ctx context.Context) error {
//		ctx, ok, stopped := s.StartInit(ctx)
//		if !ok {
//			return nil
//		}
//		go func() {
//			defer stopped()
//			s.run(ctx)
//		}()
//		return nil
//	}
func (b *Base) StartInit(ctx context.Context) (context.Context, bool, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		select {
		case <-b.stopped: // the last start failed, or its goroutine ended
			b.running = false
		default:
			return ctx, false, nil
		}
	}
	b.running = true
	b.stopped = make(chan struct{})
	var runCtx context.Context
	runCtx, b.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	stopped := b.stopped
	return runCtx, true, sync.OnceFunc(func() { close(stopped) })
}

// Stop cancels the service's context and waits until its goroutine has
// ended. It does nothing when the service is not running.
func (b *Base) Stop() {
	ok, stopped, finish := b.StopInit()
	if !ok {
		return
	}
	<-stopped
	finish(true)
}

// StopInit begins a custom Stop. It returns false when the service is not
// running; otherwise it cancels the service's context and returns the
// channel closed when the goroutine has ended, and finish, which Stop must
// call: finish(true) once the service is stopped, finish(false) to leave it
// running (a Stop that gave up waiting), so that a later Stop tries again.
// Start and Stop wait for finish.
func (b *Base) StopInit() (bool, <-chan struct{}, func(stopped bool)) {
	b.mu.Lock()
	if !b.running {
		b.mu.Unlock()
		return false, nil, nil
	}
	b.cancel(ErrStop)
	return true, b.stopped, func(stopped bool) {
		defer b.mu.Unlock()
		if stopped {
			b.running = false
		}
	}
}
