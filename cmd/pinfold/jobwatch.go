package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// watcher polls one job until it is final and shows its progress: a live
// bar on a terminal, otherwise a plain line each time the job changes.
type watcher struct {
	Term     *terminal
	Interval time.Duration
	Fetch    func(ctx context.Context) (jobState, error)
	Now      func() time.Time

	start time.Time
	bar   *progressbar.ProgressBar
	last  jobState // the state last shown
	shown bool
}

// errStopped is returned by watch when its context ends first.
var errStopped = errors.New("stopped waiting")

// watch polls until the job is final and returns its last state, or
// errStopped (with the last state seen) when ctx is cancelled: the job
// itself goes on.
func (w *watcher) watch(ctx context.Context) (jobState, error) {
	if w.Now == nil {
		w.Now = time.Now
	}
	w.start = w.Now()
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	for {
		j, err := w.Fetch(ctx)
		if ctx.Err() != nil {
			w.end()
			return w.last, errStopped
		}
		if err != nil {
			w.end()
			return w.last, err
		}
		w.show(j)
		if j.Finished() {
			w.end()
			return j, nil
		}
		select {
		case <-ctx.Done():
			w.end()
			return w.last, errStopped
		case <-tick.C:
		}
	}
}

// show renders j when it differs from the state shown last.
func (w *watcher) show(j jobState) {
	changed := !w.shown || j.Status != w.last.Status || j.CompletedPieces != w.last.CompletedPieces ||
		j.FailedPieces != w.last.FailedPieces || j.TotalPieces != w.last.TotalPieces || j.Processed != w.last.Processed
	w.last, w.shown = j, true
	elapsed := w.Now().Sub(w.start)
	if !w.Term.IsTerminal {
		if changed {
			fmt.Fprintln(w.Term.Out, progressLine(j, elapsed))
		}
		return
	}
	if w.bar == nil {
		w.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(w.Term.Out),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("pieces"),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
		)
	}
	if j.TotalPieces > 0 && w.bar.GetMax() != j.TotalPieces {
		w.bar.ChangeMax(j.TotalPieces)
	}
	w.bar.Describe(barDescription(j, elapsed))
	w.bar.Set(j.CompletedPieces + j.FailedPieces)
}

// end closes the bar, if any, so that what follows starts on a new line.
func (w *watcher) end() {
	if w.bar != nil {
		w.bar.Exit()
		fmt.Fprintln(w.Term.Out)
		w.bar = nil
	}
}

// endpoints describes the endpoints processed: the count, and for an
// export, once a piece is done, an estimate of the total (an export's pieces
// are of similar size and count only when done; Pinpoint's job response has
// no endpoint total). An import's objects differ in size and its count grows
// while a piece runs, so it gets no estimate.
func endpoints(j jobState) string {
	s := itoa(j.Processed) + " endpoints"
	done := j.CompletedPieces + j.FailedPieces
	if j.Type == "EXPORT" && done > 0 && done < j.TotalPieces && j.Processed > 0 {
		s += fmt.Sprintf(" of ~%d", j.Processed*j.TotalPieces/done)
	}
	return s
}

// rate is endpoints per second over elapsed.
func rate(j jobState, elapsed time.Duration) string {
	if elapsed < time.Millisecond {
		return "0/s"
	}
	return fmt.Sprintf("%.0f/s", float64(j.Processed)/elapsed.Seconds())
}

// eta estimates the time left from the pieces done so far, "" before one is.
func eta(j jobState, elapsed time.Duration) string {
	done := j.CompletedPieces + j.FailedPieces
	if done == 0 || j.TotalPieces <= done {
		return ""
	}
	left := time.Duration(float64(elapsed) * float64(j.TotalPieces-done) / float64(done))
	if left < 10*time.Second {
		return left.Round(100 * time.Millisecond).String()
	}
	return left.Round(time.Second).String()
}

func barDescription(j jobState, elapsed time.Duration) string {
	return fmt.Sprintf("%-10s %s, %s", j.Status, endpoints(j), rate(j, elapsed))
}

// progressLine is the plain form of one state of the job, for output that
// is not a terminal:
//
//	PROCESSING pieces 1/3 endpoints 1000 of ~3000 rate 950/s elapsed 1.1s eta 2s
func progressLine(j jobState, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s pieces %d/%d", j.Status, j.CompletedPieces, j.TotalPieces)
	if j.FailedPieces > 0 {
		fmt.Fprintf(&b, " (%d failed)", j.FailedPieces)
	}
	fmt.Fprintf(&b, " %s rate %s elapsed %s", endpoints(j), rate(j, elapsed), elapsed.Round(100*time.Millisecond))
	if e := eta(j, elapsed); e != "" {
		fmt.Fprintf(&b, " eta %s", e)
	}
	return b.String()
}

// summarize prints the job's final line and, for a FAILED job, its
// Failures; it returns an *exitError for FAILED.
func summarize(out io.Writer, j jobState, elapsed time.Duration) error {
	fmt.Fprintf(out, "%s %s %s in %s: pieces %d/%d, %d endpoints, %d failures\n", strings.ToLower(j.Type), j.ID,
		j.Status, elapsed.Round(100*time.Millisecond), j.CompletedPieces, j.TotalPieces, j.Processed, j.Failures)
	if j.Status != "FAILED" {
		return nil
	}
	if len(j.FailureList) > 0 {
		fmt.Fprintln(out, "failures:")
		for _, f := range j.FailureList {
			fmt.Fprintln(out, "  "+f)
		}
	}
	return &exitError{Code: 1, Message: fmt.Sprintf("%s job %s FAILED", strings.ToLower(j.Type), j.ID)}
}
