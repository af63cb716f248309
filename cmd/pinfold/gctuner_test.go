package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestTunedGOGC(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, min uint64
		want      int
	}{
		{0, 64 * mib, 100},         // nothing measured yet
		{4 * mib, 64 * mib, 1500},  // goal 4 × 16 = 64 MiB
		{16 * mib, 64 * mib, 300},  // goal 64 MiB
		{32 * mib, 64 * mib, 100},  // twice the live heap reaches the minimum: Go's default
		{200 * mib, 64 * mib, 100}, // a large live heap: Go's default
		{1024, 64 * mib, 10000},    // capped
		{60 * mib, 64 * mib, 100},  // never below 100
		{4 * mib, 0, 100},          // no minimum
	} {
		if got := tunedGOGC(c.live, c.min); got != c.want {
			t.Errorf("tunedGOGC(%d, %d) = %d, want %d", c.live, c.min, got, c.want)
		}
	}
}

func TestMinHeap(t *testing.T) {
	env := func(v map[string]string) func(string) string { return func(k string) string { return v[k] } }
	none := []string{"/nonexistent"}
	for _, c := range []struct {
		flag  string
		env   map[string]string
		limit int64
		want  int64
	}{
		{"auto", nil, 512 << 20, 32 << 20}, // a 512 MiB limit: a sixteenth
		{"auto", nil, 8 << 30, 64 << 20},   // capped at 64 MiB
		{"off", nil, 8 << 30, 0},
		{"128MiB", nil, 0, 128 << 20},
		{"auto", map[string]string{"GOGC": "200"}, 8 << 30, 0}, // GOGC wins
	} {
		got, why, err := minHeap(c.flag, env(c.env), c.limit, none)
		if err != nil || got != c.want {
			t.Errorf("minHeap(%q, %v, %d) = %d (%s), %v; want %d", c.flag, c.env, c.limit, got, why, err, c.want)
		}
	}
	if got, _, _ := minHeap("auto", env(nil), 0, none); got <= 0 || got > minHeapCap {
		t.Errorf("minHeap from the machine's memory = %d", got)
	}
	if _, _, err := minHeap("lots", env(nil), 0, none); err == nil {
		t.Error("minHeap(lots): no error")
	}
}

// TestGCTuner runs the tuner in this process: each collection calls it
// again (it re-arms), it raises GOGC while the live heap is small, and stop
// gives Go's default back.
func TestGCTuner(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	calls := make(chan uint64, 100)
	tu := &gcTuner{minHeap: 1 << 30, tuned: func(live uint64) { // far above this test's live heap
		select {
		case calls <- live:
		default:
		}
	}}
	tu.start()
	defer tu.stop()
	next := func() uint64 {
		select {
		case live := <-calls:
			return live
		case <-time.After(time.Minute): // a safety net, not an assertion
			t.Fatal("the tuner was not called after a collection")
			return 0
		}
	}
	next() // start's own tuning
	for range 3 {
		runtime.GC() // the cleanup runs after the cycle, on the cleanup goroutine
		if live := next(); live == 0 {
			t.Errorf("tuned with a live heap of 0")
		}
	}
	if g := tu.GOGC(); g <= 100 {
		t.Fatalf("GOGC after collections with a small live heap = %d, want more than 100", g)
	}
	tu.stop()
	if g := debug.SetGCPercent(100); g != 100 {
		t.Errorf("GOGC after stop = %d, want 100", g)
	}
}
