package jobs

import (
	"runtime"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

func TestSettle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const (
		P = pinfold.PiecePending
		D = pinfold.PieceDone
		F = pinfold.PieceFailed
	)
	tests := []struct {
		status pinfold.JobStatus
		pieces []pinfold.PieceStatus
		want   pinfold.JobStatus
	}{
		{pinfold.JobProcessing, []pinfold.PieceStatus{P, D}, pinfold.JobProcessing},
		{pinfold.JobProcessing, []pinfold.PieceStatus{D, D}, pinfold.JobCompleting},
		{pinfold.JobProcessing, []pinfold.PieceStatus{F, P}, pinfold.JobFailing},
		{pinfold.JobProcessing, []pinfold.PieceStatus{F, D}, pinfold.JobFailed},
		{pinfold.JobFailing, []pinfold.PieceStatus{F, P}, pinfold.JobFailing},
		{pinfold.JobFailing, []pinfold.PieceStatus{F, D}, pinfold.JobFailed},
		// Other statuses are not derived from pieces.
		{pinfold.JobInitializing, nil, pinfold.JobInitializing},
		{pinfold.JobPending, nil, pinfold.JobPending},
		{pinfold.JobCompleted, []pinfold.PieceStatus{D}, pinfold.JobCompleted},
	}
	for _, tt := range tests {
		j := &pinfold.Job{Status: tt.status}
		for i, s := range tt.pieces {
			j.Pieces = append(j.Pieces, pinfold.JobPiece{Index: i, Status: s})
		}
		settle(j, now)
		if j.Status != tt.want {
			t.Errorf("settle(%s, %v) = %s, want %s", tt.status, tt.pieces, j.Status, tt.want)
		}
		if final := j.Status == pinfold.JobFailed && tt.status != pinfold.JobFailed; final != (j.CompletedAt == now) {
			t.Errorf("settle(%s, %v): CompletedAt %v", tt.status, tt.pieces, j.CompletedAt)
		}
	}
}

func TestNextRetry(t *testing.T) {
	t.Parallel()
	r := &Runner[any]{cfg: Config{RetryBackoff: time.Second, MaxRetryBackoff: 10 * time.Second}}
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {50, 10 * time.Second}} {
		before := time.Now()
		got := r.nextRetry(tt.attempt)
		if d := got.Sub(before); d < tt.want || d > tt.want+time.Minute {
			t.Errorf("nextRetry(%d) = now+%v, want now+%v", tt.attempt, d, tt.want)
		}
	}
}

// TestProcReserve checks that each running piece adds a P and that the
// runtime's default comes back, with its automatic updates, when none
// runs. Not parallel: GOMAXPROCS belongs to the whole process.
func TestProcReserve(t *testing.T) {
	def := runtime.GOMAXPROCS(0)
	var pr procReserve
	pr.acquire()
	pr.acquire()
	if got := runtime.GOMAXPROCS(0); got != def+2 {
		t.Errorf("two pieces running: GOMAXPROCS %d, want %d", got, def+2)
	}
	pr.release()
	if got := runtime.GOMAXPROCS(0); got != def+1 {
		t.Errorf("one piece running: GOMAXPROCS %d, want %d", got, def+1)
	}
	pr.release()
	runtime.GOMAXPROCS(def + 5) // what the runtime would not choose itself
	pr.acquire()
	pr.release()
	if got := runtime.GOMAXPROCS(0); got == def+5 || got == def+6 {
		t.Errorf("no piece running: GOMAXPROCS %d, want the runtime's default back", got)
	}
	runtime.SetDefaultGOMAXPROCS()
}
