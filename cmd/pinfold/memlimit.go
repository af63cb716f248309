package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitShare is the part of a container's memory limit that pinfold
// gives the Go runtime as its soft limit (GOMEMLIMIT) by default. The rest is
// for what the runtime does not count: SQLite's page caches and statement
// memory (allocated outside the Go heap by modernc's libc), thread stacks,
// and the kernel's page cache charged to the container.
const memoryLimitShare = 0.75

// cgroupMemoryFiles are where Linux reports the memory limit of the
// process's cgroup: v2's unified hierarchy first, then v1's memory
// controller. In a container both show the container's own cgroup.
var cgroupMemoryFiles = []string{
	"/sys/fs/cgroup/memory.max",
	"/sys/fs/cgroup/memory/memory.limit_in_bytes",
}

// cgroupMemoryLimit returns the memory limit of the process's cgroup, or 0
// when there is none (no file, "max", or v1's "unlimited" sentinel, a
// number near the largest int64).
func cgroupMemoryLimit(files []string) int64 {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<62 {
			return 0
		}
		return n
	}
	return 0
}

// parseSize reads a byte count: a number with an optional B, KiB, MiB,
// GiB or TiB suffix (GOMEMLIMIT's syntax).
func parseSize(size string) (int64, error) {
	s := size
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q: want a positive number of bytes, optionally with B, KiB, MiB, GiB or TiB", size)
	}
	return n * mult, nil
}

// memoryLimit decides the Go runtime's soft memory limit from the
// --memory-limit flag: "auto" gives memoryLimitShare of the cgroup's limit
// when the process runs under one, else none (Go's default); "off" gives
// none; a size gives that size. It returns 0 for none, and the reason, for
// the start-up log. The GOMEMLIMIT environment variable, when set, wins
// over the flag (the runtime has applied it already).
func memoryLimit(flag string, getenv func(string) string, cgroupFiles []string) (int64, string, error) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, "GOMEMLIMIT is set", nil
	}
	switch flag {
	case "", "auto":
		if c := cgroupMemoryLimit(cgroupFiles); c > 0 {
			return int64(float64(c) * memoryLimitShare), fmt.Sprintf("%.0f%% of the cgroup's %d bytes", memoryLimitShare*100, c), nil
		}
		return 0, "no cgroup memory limit", nil
	case "off":
		return 0, "--memory-limit off", nil
	}
	n, err := parseSize(flag)
	if err != nil {
		return 0, "", fmt.Errorf("--memory-limit: %w", err)
	}
	return n, "--memory-limit", nil
}

// applyMemoryLimit sets the runtime's soft memory limit when n > 0.
func applyMemoryLimit(n int64) {
	if n > 0 {
		debug.SetMemoryLimit(n)
	}
}
