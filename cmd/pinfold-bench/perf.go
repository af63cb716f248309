package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// perfRecord starts `perf record -g` (999 Hz, call graphs from frame
// pointers, which Go keeps on amd64 and arm64) on process pid, writing to
// out. It returns the function that stops the recording and waits for perf
// to write the file. The pinfold server runs in its own process, so this is
// how it is profiled from outside; the profiled run is extra and not part of
// the reported medians.
func perfRecord(pid int, out string) (stop func() error, err error) {
	cmd := exec.Command("perf", "record", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", out)
	logf, err := os.Create(out + ".log")
	if err != nil {
		return nil, fmt.Errorf("perf record: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("perf record (is perf installed?): %w", err)
	}
	time.Sleep(200 * time.Millisecond) // let perf attach before the load starts
	return func() error {
		defer logf.Close()
		cmd.Process.Signal(syscall.SIGINT)
		// perf writes its file on SIGINT, then dies of the signal.
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGINT {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("perf record: %w (log %s.log)", err, out)
		}
		if _, err := os.Stat(out); err != nil {
			return fmt.Errorf("perf record: %w (log %s.log)", err, out)
		}
		progress("perf profile of pid %d written to %s (perf report -i %s --no-children --sort symbol)", pid, out, out)
		return nil
	}, nil
}
