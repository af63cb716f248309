package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/pinfold/pinfold"
)

// jobArgs are the arguments of a drive job (KindJob).
type jobArgs struct {
	JobID string `json:"job_id"`
}

// Kind implements river.JobArgs.
func (jobArgs) Kind() string { return KindJob }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (jobArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueJob, UniqueOpts: uniqueOpts()}
}

// driveWorker drives one pinfold job, export or import, from wherever it
// stands.
type driveWorker[TTx any] struct {
	river.WorkerDefaults[jobArgs]
	r *Runner[TTx]
}

func (w *driveWorker[TTx]) Timeout(*river.Job[jobArgs]) time.Duration {
	return w.r.cfg.PlanTimeout
}

func (w *driveWorker[TTx]) NextRetry(job *river.Job[jobArgs]) time.Time {
	return w.r.nextRetry(job.Attempt)
}

func (w *driveWorker[TTx]) Work(ctx context.Context, job *river.Job[jobArgs]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("drive job %s: panic: %v", job.Args.JobID, p)
		}
	}()
	err = w.r.drive(ctx, job.Args.JobID)
	if err != nil && ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		// Stopping: hand River the bare cancellation so it makes the job
		// available again without counting the attempt.
		return ctx.Err()
	}
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	if err != nil && job.Attempt >= job.MaxAttempts && !errors.As(err, &snooze) && !errors.As(err, &cancel) {
		// River gives up on this drive job now; fail the pinfold job so
		// that it does not wait for work nobody will do.
		if _, ferr := w.r.failJob(ctx, job.Args.JobID, reason(err, w.r.cfg.PlanTimeout)); ferr != nil {
			return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
		}
	}
	return err
}

// failJob ends an unfinished job FAILED (a job that cannot start, or whose
// drive job River gives up on): its PENDING pieces fail with their planned
// counts and msg joins the job's failures.
func (r *Runner[TTx]) failJob(ctx context.Context, jobID, msg string) (*pinfold.Job, error) {
	// The attempt's context may have timed out; recording must not.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := r.cfg.Now()
	return r.update(ctx, jobID, -1, func(j *pinfold.Job) bool {
		if j.Status.Finished() {
			return false
		}
		for i := range j.Pieces {
			if q := &j.Pieces[i]; q.Status == pinfold.PiecePending {
				q.Status, q.Processed, q.Failed, q.Node = pinfold.PieceFailed, 0, q.Count, r.cfg.NodeID
			}
		}
		j.AddFailure(msg)
		j.Status, j.CompletedAt = pinfold.JobFailed, now
		return true
	})
}

// pieceArgs are the arguments of a piece job (KindPiece).
type pieceArgs struct {
	JobID string `json:"job_id"`
	Index int    `json:"index"`
}

// Kind implements river.JobArgs.
func (pieceArgs) Kind() string { return KindPiece }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (pieceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePiece, UniqueOpts: uniqueOpts()}
}

// pieceWorker does one piece of an export or an import.
type pieceWorker[TTx any] struct {
	river.WorkerDefaults[pieceArgs]
	r *Runner[TTx]
}

func (w *pieceWorker[TTx]) Timeout(*river.Job[pieceArgs]) time.Duration {
	return w.r.cfg.PieceTimeout
}

func (w *pieceWorker[TTx]) NextRetry(job *river.Job[pieceArgs]) time.Time {
	return w.r.nextRetry(job.Attempt)
}

func (w *pieceWorker[TTx]) Work(ctx context.Context, job *river.Job[pieceArgs]) error {
	if w.r.cfg.ReserveProcs {
		procs.acquire()
		defer procs.release()
	}
	return inBackground(func() error { return w.r.runPiece(ctx, job.Args, job.Attempt >= job.MaxAttempts) })
}

// errNoChange aborts an UpdateJob whose job is not in the state the caller
// expects, so that nothing is written.
var errNoChange = errors.New("job not in the expected state")

// update applies fn to the stored job in one JobStore.UpdateJob. fn returns
// false when the job is not in the state it expects; then nothing is
// written. update returns the job as stored afterwards and emits the events:
// first the piece with index piece (when piece >= 0), then the status change.
func (r *Runner[TTx]) update(ctx context.Context, jobID string, piece int, fn func(*pinfold.Job) bool) (*pinfold.Job, error) {
	var before pinfold.JobStatus
	j, err := r.cfg.Store.UpdateJob(ctx, jobID, func(j *pinfold.Job) error {
		before = j.Status
		if !fn(j) {
			return errNoChange
		}
		return nil
	})
	if errors.Is(err, errNoChange) {
		j, err = r.cfg.Store.LoadJob(ctx, jobID)
		if err != nil {
			return nil, fmt.Errorf("load job: %w", err)
		}
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("update job: %w", err)
	}
	if piece >= 0 {
		if p := findPiece(j, piece); p != nil {
			cp := *p
			if cp.Status != pinfold.PiecePending {
				r.pieceFinished(ctx, j, cp)
			}
			r.emit(j.ID, j.Status, &cp)
		}
	}
	if j.Status != before {
		r.statusChanged(ctx, j, before)
		r.emit(j.ID, j.Status, nil)
	}
	return j, nil
}

// statusChanged logs a job that started (left CREATED) or ended, and
// reports every status change to the Observer.
func (r *Runner[TTx]) statusChanged(ctx context.Context, j *pinfold.Job, before pinfold.JobStatus) {
	switch {
	case j.Status.Finished():
		pieces, done, failed, processed, failures := j.Counters()
		r.cfg.Logger.InfoContext(ctx, "job finished", "job_id", j.ID, "app", j.AppID, "type", j.Type,
			"status", j.Status, "pieces", pieces, "completed_pieces", done, "failed_pieces", failed,
			"processed", processed, "failures", failures, "duration", j.CompletedAt.Sub(j.CreatedAt))
	case before == pinfold.JobCreated:
		r.cfg.Logger.InfoContext(ctx, "job started", "job_id", j.ID, "app", j.AppID, "type", j.Type,
			"status", j.Status, "node", r.cfg.NodeID, "waited", r.cfg.Now().Sub(j.CreatedAt))
	}
	if r.cfg.Observer != nil {
		r.cfg.Observer.JobStatus(j.Type, j.Status)
	}
}

// attemptStartKey is the context key of the time a piece attempt began
// (runPiece), for the piece's duration.
type attemptStartKey struct{}

// pieceFinished logs and reports a piece that became DONE or FAILED.
func (r *Runner[TTx]) pieceFinished(ctx context.Context, j *pinfold.Job, p pinfold.JobPiece) {
	var d time.Duration
	if start, ok := ctx.Value(attemptStartKey{}).(time.Time); ok {
		d = time.Since(start)
	}
	r.cfg.Logger.InfoContext(ctx, "piece finished", "job_id", j.ID, "app", j.AppID, "type", j.Type,
		"piece", p.Index, "status", p.Status, "processed", p.Processed, "failed", p.Failed,
		"node", r.cfg.NodeID, "duration", d)
	if r.cfg.Observer != nil {
		r.cfg.Observer.PieceFinished(j.Type, p, d)
	}
}

// drive moves the job forward as far as it can go from this worker: to
// PROCESSING with its piece jobs enqueued, or to a final status. Each step
// is an UpdateJob that checks the status it expects, so running drive twice,
// or after a crash at any point, repeats no work.
func (r *Runner[TTx]) drive(ctx context.Context, jobID string) error {
	j, err := r.cfg.Store.LoadJob(ctx, jobID)
	if err != nil {
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			// The job (or its app) was deleted: nothing left to do.
			return river.JobCancel(fmt.Errorf("load job %s: %w", jobID, err))
		}
		return fmt.Errorf("load job: %w", err)
	}
	if !validJob(j) {
		return river.JobCancel(fmt.Errorf("job %s has no export or import definition", jobID))
	}
	for {
		var next *pinfold.Job
		switch j.Status {
		case pinfold.JobCompleted, pinfold.JobFailed:
			return nil
		case pinfold.JobCreated:
			next, err = r.update(ctx, j.ID, -1, func(j *pinfold.Job) bool {
				if j.Status != pinfold.JobCreated {
					return false
				}
				j.Status = pinfold.JobPreparingForInitialization
				return true
			})
		case pinfold.JobPreparingForInitialization, pinfold.JobPending:
			var admitted bool
			admitted, next, err = r.admit(ctx, j.ID)
			if err == nil && !admitted {
				return river.JobSnooze(r.cfg.PendingRecheck)
			}
		case pinfold.JobInitializing:
			next, err = r.plan(ctx, j)
		case pinfold.JobProcessing, pinfold.JobFailing:
			var enqueued int
			enqueued, err = r.enqueuePieces(ctx, j)
			if err != nil || enqueued > 0 {
				// The piece workers settle the job.
				return err
			}
			// Every piece is final: settle (normally done already by
			// the worker of the last piece).
			now := r.cfg.Now()
			next, err = r.update(ctx, j.ID, -1, func(j *pinfold.Job) bool {
				before := j.Status
				settle(j, now)
				return j.Status != before
			})
			if err == nil && next.Status == j.Status {
				return nil // pieces still pending after all
			}
		case pinfold.JobCompleting:
			next, err = r.complete(ctx, j.ID)
		default:
			return river.JobCancel(fmt.Errorf("job %s has unknown status %q", j.ID, j.Status))
		}
		if err != nil {
			return err
		}
		j = next
	}
}

// admit moves a PREPARING_FOR_INITIALIZATION or PENDING_JOB job to
// INITIALIZING when fewer than MaxConcurrentJobs jobs are active, and to
// PENDING_JOB otherwise. Admissions take turns: within this process on a
// mutex, and across processes on the store's lock when it has one (Locker),
// so the limit holds with several nodes on one database too.
func (r *Runner[TTx]) admit(ctx context.Context, jobID string) (admitted bool, j *pinfold.Job, err error) {
	r.admitMu.Lock()
	defer r.admitMu.Unlock()
	if l, ok := r.cfg.Store.(Locker); ok {
		err = l.WithLock(ctx, admissionLock, func(ctx context.Context) error {
			admitted, j, err = r.admitLocked(ctx, jobID)
			return err
		})
		return admitted, j, err
	}
	return r.admitLocked(ctx, jobID)
}

// admissionLock names the store lock that admissions take.
const admissionLock = "pinfold job admission"

// Locker is a store that can serialise work across processes:
// postgres.Store, with a PostgreSQL advisory lock.
type Locker interface {
	// WithLock runs fn while holding the lock named key, which no other
	// caller, in this process or another, holds meanwhile.
	WithLock(ctx context.Context, key string, fn func(ctx context.Context) error) error
}

// admitLocked is admit's work, once admissions are serialised.
func (r *Runner[TTx]) admitLocked(ctx context.Context, jobID string) (bool, *pinfold.Job, error) {
	n, err := r.cfg.Store.CountJobs(ctx, pinfold.JobInitializing, pinfold.JobProcessing,
		pinfold.JobCompleting, pinfold.JobFailing)
	if err != nil {
		return false, nil, fmt.Errorf("count active jobs: %w", err)
	}
	if n >= r.cfg.MaxConcurrentJobs {
		j, err := r.update(ctx, jobID, -1, func(j *pinfold.Job) bool {
			if j.Status != pinfold.JobPreparingForInitialization {
				return false
			}
			j.Status = pinfold.JobPending
			return true
		})
		return false, j, err
	}
	j, err := r.update(ctx, jobID, -1, func(j *pinfold.Job) bool {
		if j.Status != pinfold.JobPreparingForInitialization && j.Status != pinfold.JobPending {
			return false
		}
		j.Status = pinfold.JobInitializing
		return true
	})
	return true, j, err
}

// plan moves an INITIALIZING job to PROCESSING with its pieces stored, or
// to a final status when there is nothing to do.
func (r *Runner[TTx]) plan(ctx context.Context, j *pinfold.Job) (*pinfold.Job, error) {
	if j.Type == pinfold.JobImport {
		return r.planImport(ctx, j)
	}
	return r.planExport(ctx, j)
}

// enqueuePieces inserts a piece job for every PENDING piece (River skips
// the ones already waiting or running) and returns how many pieces are
// PENDING.
func (r *Runner[TTx]) enqueuePieces(ctx context.Context, j *pinfold.Job) (int, error) {
	var params []river.InsertManyParams
	for _, p := range j.Pieces {
		if p.Status == pinfold.PiecePending {
			params = append(params, river.InsertManyParams{Args: pieceArgs{JobID: j.ID, Index: p.Index}})
		}
	}
	const batch = 500
	for start := 0; start < len(params); start += batch {
		if _, err := r.client.InsertMany(ctx, params[start:min(start+batch, len(params))]); err != nil {
			return 0, fmt.Errorf("enqueue pieces: %w", err)
		}
		if r.hub != nil {
			// A River worker: wake the producer, never wait to unpark
			// (parkIfIdle).
			r.hub.inserted(QueuePiece)
		}
	}
	return len(params), nil
}

// validJob reports whether j has the definition its type needs.
func validJob(j *pinfold.Job) bool {
	return (j.Type == pinfold.JobExport && j.Export != nil) || (j.Type == pinfold.JobImport && j.Import != nil)
}

// complete moves a COMPLETING job to COMPLETED, after finishing an import's
// segment.
func (r *Runner[TTx]) complete(ctx context.Context, jobID string) (*pinfold.Job, error) {
	j, err := r.cfg.Store.LoadJob(ctx, jobID)
	if err != nil {
		return nil, fmt.Errorf("load job: %w", err)
	}
	if j.Type == pinfold.JobImport && j.Status == pinfold.JobCompleting {
		if err := r.finishImportSegment(ctx, j); err != nil {
			return nil, err
		}
	}
	now := r.cfg.Now()
	return r.update(ctx, jobID, -1, func(j *pinfold.Job) bool {
		if j.Status != pinfold.JobCompleting {
			return false
		}
		j.Status, j.CompletedAt = pinfold.JobCompleted, now
		return true
	})
}

// settle derives a PROCESSING or FAILING job's status from its pieces:
// FAILING while some are pending after one failed, FAILED (final) when all
// are final and one failed, COMPLETING when all are DONE. Other statuses are
// left alone.
func settle(j *pinfold.Job, now time.Time) {
	if j.Status != pinfold.JobProcessing && j.Status != pinfold.JobFailing {
		return
	}
	pending, failed := false, false
	for _, p := range j.Pieces {
		switch p.Status {
		case pinfold.PiecePending:
			pending = true
		case pinfold.PieceFailed:
			failed = true
		}
	}
	switch {
	case pending && failed:
		j.Status = pinfold.JobFailing
	case pending:
	case failed:
		j.Status, j.CompletedAt = pinfold.JobFailed, now
	default:
		j.Status = pinfold.JobCompleting
	}
}

func findPiece(j *pinfold.Job, index int) *pinfold.JobPiece {
	for i := range j.Pieces {
		if j.Pieces[i].Index == index {
			return &j.Pieces[i]
		}
	}
	return nil
}

// runPiece does one piece of an export or an import unless it is already
// final, and records the outcome. It returns an error only for River to retry (a transient failure
// before the last attempt, or a store failure while recording) or, when the
// Runner is stopping, the bare context error.
func (r *Runner[TTx]) runPiece(ctx context.Context, args pieceArgs, lastAttempt bool) error {
	j, err := r.cfg.Store.LoadJob(ctx, args.JobID)
	if err != nil {
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			return river.JobCancel(fmt.Errorf("load job %s: %w", args.JobID, err))
		}
		return fmt.Errorf("load job: %w", err)
	}
	if j.Status.Finished() || !validJob(j) {
		return nil
	}
	p := findPiece(j, args.Index)
	if p == nil {
		return river.JobCancel(fmt.Errorf("job %s has no piece %d", j.ID, args.Index))
	}
	if p.Status != pinfold.PiecePending {
		// Done by an earlier run, which may have died before finishing
		// the job.
		if j.Status == pinfold.JobCompleting {
			_, err = r.complete(ctx, j.ID)
		}
		return err
	}
	r.cfg.Logger.InfoContext(ctx, "piece started", "job_id", j.ID, "type", j.Type, "piece", p.Index,
		"node", r.cfg.NodeID, "last_attempt", lastAttempt)
	ctx = context.WithValue(ctx, attemptStartKey{}, time.Now())
	if j.Type == pinfold.JobImport {
		err = r.runImportPiece(ctx, j, p, lastAttempt)
	} else {
		err = r.runExportPiece(ctx, j, p, lastAttempt)
	}
	var cancel *river.JobCancelError
	if err != nil && ctx.Err() == nil && !errors.As(err, &cancel) && r.cfg.Observer != nil {
		r.cfg.Observer.PieceRetried(j.Type)
	}
	return err
}

// failPiece marks a PENDING piece FAILED with its planned count as failures,
// records msg among the job's failures and settles the job.
func (r *Runner[TTx]) failPiece(ctx context.Context, jobID string, index int, msg string) error {
	// The attempt's context may have timed out; recording must not.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := r.cfg.Now()
	_, err := r.update(ctx, jobID, index, func(j *pinfold.Job) bool {
		q := findPiece(j, index)
		if q == nil || q.Status != pinfold.PiecePending {
			return false
		}
		q.Status, q.Processed, q.Failed, q.Node = pinfold.PieceFailed, 0, q.Count, r.cfg.NodeID
		j.AddFailure(msg)
		settle(j, now)
		return true
	})
	return err
}

// reason is the readable cause of a piece failure for the job's Failures:
// an application error's message, or the text of the error without the
// stage.
func reason(err error, timeout time.Duration) string {
	var e *pinfold.Error
	var se *stageError
	switch {
	case errors.As(err, &e):
		return e.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out after " + timeout.String()
	case errors.As(err, &se):
		return se.err.Error()
	default:
		return err.Error()
	}
}
