package jobs

import (
	"fmt"
	"runtime"
)

// backgroundNice is the nice value of the threads that run pieces.
const backgroundNice = 10

// inBackground runs fn on a goroutine of its own, locked to an OS thread
// whose scheduling priority is lowered to background (nice 10 on Linux),
// and returns what fn returns.
//
// Pieces are CPU-bound: an export keeps every core busy reading SQLite and
// compressing. Go's scheduler has no priorities, and while every P runs a
// piece, a request woken by the network waits for sysmon, which polls the
// network only every 10 ms (runtime.Gosched does not help: the yielding
// goroutine goes to the global run queue, which the scheduler checks before
// the network). So pieces run on threads of their own that the kernel
// schedules behind request handlers, and the node keeps more Ps than
// pieces run at once (see cmd/pinfold), so that a handler always finds a P
// and then a core. With nothing else to run, a piece still gets whole
// cores: nice only matters under contention.
//
// The goroutine never unlocks its thread, so the thread exits with it and
// its priority goes with it. A panic in fn is returned as an error.
func inBackground(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer func() {
			if v := recover(); v != nil {
				errc <- fmt.Errorf("panic: %v", v)
			}
		}()
		_ = lowerThreadPriority() // best effort: without it, pieces run at normal priority
		errc <- fn()
	}()
	return <-errc
}
