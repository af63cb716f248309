package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// reclaim makes every River job left running available again and removes
// the leadership of the process that ran them. It is only correct when no
// other process works the River database (Config.Exclusive), so every
// running job belongs to a process that is gone. It uses the driver's own
// operations, the ones River's stuck-job rescuer uses, with a horizon in
// the future so that every running job counts as stuck.
func (r *Runner[TTx]) reclaim(ctx context.Context) error {
	exec := r.driver.GetExecutor()
	now := time.Now().UTC()
	horizon := now.Add(24 * time.Hour)
	const batch = 100
	var after int64
	reclaimed := 0
	for {
		stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{
			AfterID: after, Max: batch, StuckHorizon: horizon,
		})
		if err != nil {
			return fmt.Errorf("reclaim running river jobs: %w", err)
		}
		if len(stuck) == 0 {
			break
		}
		params := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, job := range stuck {
			after = job.ID
			errData, err := json.Marshal(rivertype.AttemptError{
				At:      now,
				Attempt: max(job.Attempt, 0),
				Error:   "reclaimed at start: the process that ran it exited",
			})
			if err != nil {
				return fmt.Errorf("reclaim running river jobs: %w", err)
			}
			params.ID = append(params.ID, job.ID)
			params.Error = append(params.Error, errData)
			params.FinalizedAt = append(params.FinalizedAt, nil)
			params.ScheduledAt = append(params.ScheduledAt, now)
			params.State = append(params.State, string(rivertype.JobStateAvailable))
		}
		if _, err := exec.JobRescueMany(ctx, params); err != nil {
			return fmt.Errorf("reclaim running river jobs: %w", err)
		}
		reclaimed += len(stuck)
		if len(stuck) < batch {
			break
		}
	}
	if reclaimed > 0 {
		r.cfg.Logger.InfoContext(ctx, "reclaimed river jobs left running by a previous process", "count", reclaimed)
	}
	// The dead process's leadership would otherwise block River's
	// maintenance (scheduling retries, rescues, cleaning) until it expires.
	if _, err := exec.LeaderDeleteExpired(ctx, &riverdriver.LeaderDeleteExpiredParams{Now: &horizon}); err != nil {
		return fmt.Errorf("remove stale river leader: %w", err)
	}
	return nil
}
