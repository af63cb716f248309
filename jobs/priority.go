package jobs

import (
	"fmt"
	"runtime"
	"sync"
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
// pieces run at once (Config.ReserveProcs, procReserve), so that a handler
// always finds a P and then a core. With nothing else to run, a piece still
// gets whole cores: nice only matters under contention.
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

// procs is the process's reservation of Ps for running pieces (GOMAXPROCS
// is a setting of the whole process).
var procs procReserve

// procReserve raises GOMAXPROCS by one for each piece running and gives
// the runtime back its default when none runs. While no piece runs, the
// process runs with Go's default (the CPUs, or the container's CPU quota,
// updated as it changes): extra Ps then only add threads that the kernel
// time-slices with everything else on the machine, which measured a
// longer request tail (docs/decisions.md, 52).
type procReserve struct {
	mu      sync.Mutex
	running int
	base    int // GOMAXPROCS when the first running piece started
}

// acquire adds a P for one more running piece.
func (pr *procReserve) acquire() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.running == 0 {
		pr.base = runtime.GOMAXPROCS(0)
	}
	pr.running++
	runtime.GOMAXPROCS(pr.base + pr.running)
}

// release takes back the P of a piece that finished.
func (pr *procReserve) release() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.running--
	if pr.running == 0 {
		runtime.SetDefaultGOMAXPROCS()
		return
	}
	runtime.GOMAXPROCS(pr.base + pr.running)
}
