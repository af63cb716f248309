package jobs

import (
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
