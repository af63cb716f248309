package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

// encodeJob returns storedoc.EncodeJob's columns, data as text.
func encodeJob(j *pinfold.Job) (segmentID, data string, err error) {
	segmentID, b, err := storedoc.EncodeJob(j)
	return segmentID, string(b), err
}

// jobColumns are the job's own columns; the app's ID and scope come from a
// join with apps (jobAppColumns) or from the caller, who asked for them.
const (
	jobColumns    = `j.pk, j.id, j.type, j.status, j.created_at, j.data`
	jobAppColumns = jobColumns + `, a.id, a.account, a.region`
)

// scanJob scans jobColumns into a job of app appID in scope.
func scanJob(row pgx.Row, appID string, scope pinfold.Scope) (*pinfold.Job, int64, error) {
	j := &pinfold.Job{AppID: appID, Scope: scope}
	var (
		pk   int64
		ms   int64
		data string
	)
	if err := row.Scan(&pk, &j.ID, &j.Type, &j.Status, &ms, &data); err != nil {
		return nil, 0, err
	}
	return j, pk, decodeJob(j, ms, data)
}

// scanAppJob scans jobAppColumns.
func scanAppJob(row pgx.Row) (*pinfold.Job, int64, error) {
	var (
		j    pinfold.Job
		pk   int64
		ms   int64
		data string
	)
	if err := row.Scan(&pk, &j.ID, &j.Type, &j.Status, &ms, &data, &j.AppID, &j.Scope.Account, &j.Scope.Region); err != nil {
		return nil, 0, err
	}
	return &j, pk, decodeJob(&j, ms, data)
}

// decodeJob fills in j from its created_at and data columns.
func decodeJob(j *pinfold.Job, createdAt int64, data string) error {
	j.CreatedAt = fromMillis(createdAt)
	return storedoc.DecodeJob(j, []byte(data))
}

// CreateJob stores a new job of app job.AppID in job.Scope. It fills in
// job.ID (pinfold.NewID) and job.CreatedAt (Now) when empty, and
// job.Status (CREATED) when empty. ENOTFOUND "Application not found" when
// the app does not exist in the scope; ECONFLICT when the ID is taken.
func (s *Store) CreateJob(ctx context.Context, job *pinfold.Job) error {
	segmentID, data, err := s.prepareJob(job)
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	if err := insertJob(ctx, s.pool, job, segmentID, data); err != nil {
		return wrap("create job", err)
	}
	return nil
}

// CreateJobTx stores a new job like CreateJob and, in the same
// transaction, calls enqueue with it; the job is committed only if enqueue
// succeeds. It is how a job and its River job are stored together
// (River's InsertTx on tx): neither exists without the other. enqueue
// runs after the job's row is inserted, so it may refer to it. Errors are
// CreateJob's, and enqueue's own, returned wrapped.
func (s *Store) CreateJobTx(ctx context.Context, job *pinfold.Job, enqueue func(ctx context.Context, tx pgx.Tx) error) error {
	segmentID, data, err := s.prepareJob(job)
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	return s.write(ctx, "create job", func(tx pgx.Tx) error {
		if err := insertJob(ctx, tx, job, segmentID, data); err != nil {
			return err
		}
		if err := enqueue(ctx, tx); err != nil {
			return fmt.Errorf("enqueue job %s: %w", job.ID, err)
		}
		return nil
	})
}

// prepareJob fills in the defaults of a new job and encodes it.
func (s *Store) prepareJob(job *pinfold.Job) (segmentID, data string, err error) {
	if job.ID == "" {
		job.ID = pinfold.NewID()
	}
	if job.CreatedAt.IsZero() {
		job.CreatedAt = s.Now()
	}
	job.CreatedAt = job.CreatedAt.UTC().Truncate(time.Millisecond)
	job.CompletedAt = truncMillis(job.CompletedAt)
	if job.Status == "" {
		job.Status = pinfold.JobCreated
	}
	return encodeJob(job)
}

// insertJob inserts job, resolving its app in the same statement.
func insertJob(ctx context.Context, q querier, job *pinfold.Job, segmentID, data string) error {
	tag, err := q.Exec(ctx, `INSERT INTO jobs (id, app_pk, type, status, segment_id, created_at, data)
		SELECT $1, pk, $2, $3, $4, $5, $6 FROM apps WHERE id = $7 AND account = $8 AND region = $9`,
		job.ID, string(job.Type), string(job.Status), segmentID, toMillis(job.CreatedAt), data,
		job.AppID, job.Scope.Account, job.Scope.Region)
	switch {
	case isUniqueViolation(err):
		return pinfold.Errorf(pinfold.ECONFLICT, "Job %s already exists", job.ID)
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return errAppNotFound()
	}
	return nil
}

func truncMillis(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// GetJob returns a job of an app in scope. ENOTFOUND "Application not
// found" when the app is not in scope, "Resource not found" when the app
// has no such job.
func (s *Store) GetJob(ctx context.Context, scope pinfold.Scope, appID, jobID string) (*pinfold.Job, error) {
	j, _, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs j
		WHERE j.id = $1 AND j.app_pk = (SELECT pk FROM apps WHERE id = $2 AND account = $3 AND region = $4)`,
		jobID, appID, scope.Account, scope.Region), appID, scope)
	if errors.Is(err, pgx.ErrNoRows) {
		// Which is missing, the app or the job?
		if _, err := appPK(ctx, s.pool, scope, appID); err != nil {
			return nil, wrap("get job", err)
		}
		return nil, errResourceNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// ListJobs returns a page of the app's jobs matching f, newest first, and
// the token of the next page ("" on the last). f.SegmentID selects the
// exports of that segment (Export.SegmentID) and the imports into it
// (Job.SegmentID). ENOTFOUND "Application not found"; EINVALID "Invalid
// token".
func (s *Store) ListJobs(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.JobFilter, page pinfold.Page) ([]*pinfold.Job, string, error) {
	before, err := pagetoken.Decode("jobs", page.Token, maxPK)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	var q strings.Builder
	q.WriteString(`SELECT ` + jobColumns + ` FROM jobs j
		WHERE j.app_pk = (SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3) AND j.pk < $4`)
	args := []any{appID, scope.Account, scope.Region, before}
	if f.Type != "" {
		args = append(args, string(f.Type))
		fmt.Fprintf(&q, ` AND j.type = $%d`, len(args))
	}
	if f.SegmentID != "" {
		args = append(args, f.SegmentID)
		fmt.Fprintf(&q, ` AND j.segment_id = $%d`, len(args))
	}
	args = append(args, size+1)
	fmt.Fprintf(&q, ` ORDER BY j.pk DESC LIMIT $%d`, len(args))
	jobs, pks, err := s.queryJobs(ctx, q.String(), args, appID, scope)
	if err != nil {
		return nil, "", fmt.Errorf("list jobs: %w", err)
	}
	if len(jobs) == 0 {
		// No jobs, or no app?
		if _, err := appPK(ctx, s.pool, scope, appID); err != nil {
			return nil, "", wrap("list jobs", err)
		}
	}
	if len(jobs) > size {
		return jobs[:size], pagetoken.Encode("jobs", pks[size-1]), nil
	}
	return jobs, "", nil
}

// queryJobs runs a query of jobColumns, for jobs of app appID in scope.
func (s *Store) queryJobs(ctx context.Context, query string, args []any, appID string, scope pinfold.Scope) ([]*pinfold.Job, []int64, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		jobs []*pinfold.Job
		pks  []int64
	)
	for rows.Next() {
		j, pk, err := scanJob(rows, appID, scope)
		if err != nil {
			return nil, nil, err
		}
		jobs, pks = append(jobs, j), append(pks, pk)
	}
	return jobs, pks, rows.Err()
}

// LoadJob returns a job by ID alone, for workers. ENOTFOUND "Resource not
// found" when absent (its app was deleted).
func (s *Store) LoadJob(ctx context.Context, jobID string) (*pinfold.Job, error) {
	j, _, err := loadJob(ctx, s.pool, jobID, "")
	if err != nil {
		return nil, wrap("load job", err)
	}
	return j, nil
}

// loadJob reads a job by ID, adding lock (a locking clause, or "") to the
// query. ENOTFOUND "Resource not found".
func loadJob(ctx context.Context, q querier, jobID, lock string) (*pinfold.Job, int64, error) {
	j, pk, err := scanAppJob(q.QueryRow(ctx, `SELECT `+jobAppColumns+`
		FROM jobs j JOIN apps a ON a.pk = j.app_pk WHERE j.id = $1 `+lock, jobID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, errResourceNotFound()
	}
	return j, pk, err
}

// UpdateJob reads the job, calls fn and stores what fn left, in one
// transaction that locks the job's row (SELECT ... FOR UPDATE) from the
// read to the commit: UpdateJob calls on one job, on any node, run one
// after the other, and none is lost. ID, AppID, Scope, Type and CreatedAt
// are kept whatever fn does to them. An error from fn aborts the update
// and is returned as is. fn runs while the row is locked and a pool
// connection is held: it must not update the same job (it would wait for
// itself); other store calls are fine. ENOTFOUND "Resource not found"
// when the job does not exist.
func (s *Store) UpdateJob(ctx context.Context, jobID string, fn func(*pinfold.Job) error) (*pinfold.Job, error) {
	var (
		j     *pinfold.Job
		fnErr error
	)
	err := s.write(ctx, "update job", func(tx pgx.Tx) error {
		// FOR UPDATE OF j locks the job's row only: the app's row stays
		// free for its endpoint writers.
		cur, pk, err := loadJob(ctx, tx, jobID, "FOR UPDATE OF j")
		if err != nil {
			return err
		}
		keep := *cur
		if fnErr = fn(cur); fnErr != nil {
			return fnErr
		}
		cur.ID, cur.AppID, cur.Scope, cur.Type, cur.CreatedAt = keep.ID, keep.AppID, keep.Scope, keep.Type, keep.CreatedAt
		cur.CompletedAt = truncMillis(cur.CompletedAt)
		segmentID, data, err := encodeJob(cur)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $1, segment_id = $2, data = $3 WHERE pk = $4`,
			string(cur.Status), segmentID, data, pk)
		j = cur
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, err
	}
	return j, nil
}

// CountJobs returns how many jobs, of every app, have one of the statuses
// (0 when none is given).
func (s *Store) CountJobs(ctx context.Context, statuses ...pinfold.JobStatus) (int, error) {
	if len(statuses) == 0 {
		return 0, nil
	}
	ss := make([]string, len(statuses))
	for i, st := range statuses {
		ss[i] = string(st)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE status = ANY($1)`, ss).Scan(&n); err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// UnfinishedJobs returns the IDs of the jobs, of every app, whose status is
// not final, oldest first.
func (s *Store) UnfinishedJobs(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM jobs WHERE status NOT IN ($1, $2) ORDER BY pk`,
		string(pinfold.JobCompleted), string(pinfold.JobFailed))
	if err != nil {
		return nil, fmt.Errorf("unfinished jobs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("unfinished jobs: %w", err)
	}
	return ids, nil
}
