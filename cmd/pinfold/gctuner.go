package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The minimum heap: with Go's default GOGC of 100 the heap may grow to
// twice the live heap before the collector runs again, but never below 4
// MiB. A server whose live heap is a few MiB and that allocates a few KB per
// request then collects ten times a second or more at tens of thousands of
// requests a second, and the p99 of its requests is made by those cycles
// (docs/decisions.md, 50). gcTuner raises GOGC while the live heap is small,
// so that the heap may grow to a minimum size before a collection, and
// gives Go's default back as the live heap grows past half of it: memory
// is never held beyond max(minimum, 2 × live).
const (
	// minHeapCap is the largest minimum heap "auto" picks.
	minHeapCap = 64 << 20
	// minHeapShare is the part of the memory available to the process
	// that "auto" gives the minimum heap, when that is less than the cap.
	minHeapShare = 16
	// maxTunedGOGC bounds the GOGC the tuner sets (a live heap of a few
	// hundred KB would otherwise ask for a huge percentage).
	maxTunedGOGC = 10000
)

// minHeap decides the minimum heap from the --gc-min-heap flag: "auto" is
// the smaller of minHeapCap and a sixteenth of the memory the process may
// use (the soft memory limit, else the cgroup's limit, else the machine's
// memory); "off" or 0 disables the tuner; a size gives that size. A GOGC
// environment variable turns the tuner off: the operator chose.
func minHeap(flag string, getenv func(string) string, memLimit int64, cgroupFiles []string) (int64, string, error) {
	if getenv("GOGC") != "" {
		return 0, "GOGC is set", nil
	}
	switch flag {
	case "off", "0":
		return 0, "--gc-min-heap off", nil
	case "", "auto":
		avail, from := memLimit, "the memory limit"
		if avail <= 0 {
			avail, from = cgroupMemoryLimit(cgroupFiles), "the cgroup's memory limit"
		}
		if avail <= 0 {
			avail, from = machineMemory(), "the machine's memory"
		}
		if avail <= 0 {
			return minHeapCap, "default (memory unknown)", nil
		}
		n := min(int64(minHeapCap), avail/minHeapShare)
		return n, fmt.Sprintf("min(64MiB, 1/%d of %s)", minHeapShare, from), nil
	}
	n, err := parseSize(flag)
	if err != nil {
		return 0, "", fmt.Errorf("--gc-min-heap: %w", err)
	}
	return n, "--gc-min-heap", nil
}

// machineMemory returns MemTotal of /proc/meminfo in bytes, or 0.
func machineMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// tunedGOGC returns the GOGC that lets a heap whose live part is live grow
// to at least minHeap before the next collection (the heap goal is live ×
// (1 + GOGC/100)), and never less than Go's default of 100.
func tunedGOGC(live, minHeap uint64) int {
	if live == 0 || live*2 >= minHeap {
		return 100
	}
	g := math.Ceil(100 * (float64(minHeap)/float64(live) - 1))
	return int(min(max(g, 100), maxTunedGOGC))
}

// gcTuner adjusts GOGC after every collection (a cleanup that runs once per
// cycle re-arms itself), from the live heap that cycle found. It does
// nothing between collections: an idle process is not woken by it.
type gcTuner struct {
	minHeap uint64
	// tuned, when set (tests), is called after each tuning with the live
	// heap seen.
	tuned func(live uint64)

	mu      sync.Mutex // tune against stop
	stopped bool
	gogc    atomic.Int64 // the GOGC last set
	sample  []metrics.Sample
}

// startGCTuner starts tuning for minHeap bytes; the caller stops it with
// stop, which gives GOGC back Go's default.
func startGCTuner(minHeap int64) *gcTuner {
	t := &gcTuner{minHeap: uint64(minHeap)}
	t.start()
	return t
}

func (t *gcTuner) start() {
	t.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t.gogc.Store(100)
	t.tune()
	t.arm()
}

// arm makes the next collection call tune: an object only the cleanup
// knows of becomes unreachable at the next cycle.
func (t *gcTuner) arm() {
	sentinel := new([16]byte)
	runtime.AddCleanup(sentinel, func(t *gcTuner) {
		if t.tune() {
			t.arm()
		}
	}, t)
}

// tune sets GOGC for the live heap of the last collection, when it differs
// from the value last set by more than a tenth (SetGCPercent recomputes the
// pacer's goal; there is no point doing it for a small change). It reports
// false once the tuner is stopped.
func (t *gcTuner) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return true
	}
	live := t.sample[0].Value.Uint64()
	g := tunedGOGC(live, t.minHeap)
	if old := t.gogc.Load(); math.Abs(float64(g)-float64(old)) > float64(old)/10 {
		t.gogc.Store(int64(g))
		debug.SetGCPercent(g)
	}
	if t.tuned != nil {
		t.tuned(live)
	}
	return true
}

// GOGC returns the GOGC the tuner last set.
func (t *gcTuner) GOGC() int { return int(t.gogc.Load()) }

// stop ends the tuning and sets GOGC back to 100. Safe to call on nil.
func (t *gcTuner) stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(100)
	}
}
