package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

const jobColumns = `j.pk, j.id, a.id, a.account, a.region, j.type, j.status, j.created_at, j.data`

// scanJob scans jobColumns.
func scanJob(sc scanner) (*pinfold.Job, int64, error) {
	var (
		j    pinfold.Job
		pk   int64
		ms   int64
		data []byte
	)
	if err := sc.Scan(&pk, &j.ID, &j.AppID, &j.Scope.Account, &j.Scope.Region, &j.Type, &j.Status, &ms, &data); err != nil {
		return nil, 0, err
	}
	j.CreatedAt = fromMillis(ms)
	if err := storedoc.DecodeJob(&j, data); err != nil {
		return nil, 0, err
	}
	return &j, pk, nil
}

// CreateJob stores a new job of app job.AppID in job.Scope. It fills in
// job.ID (pinfold.NewID) and job.CreatedAt (Now) when empty, and
// job.Status (CREATED) when empty. ENOTFOUND "Application not found" when
// the app does not exist in the scope; ECONFLICT when the ID is taken.
func (s *Store) CreateJob(ctx context.Context, job *pinfold.Job) error {
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
	segmentID, data, err := storedoc.EncodeJob(job)
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	return s.write(ctx, "create job", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, job.Scope, job.AppID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO jobs (id, app_pk, type, status, segment_id, created_at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			job.ID, pk, string(job.Type), string(job.Status), segmentID, toMillis(job.CreatedAt), data)
		if isUniqueViolation(err) {
			return pinfold.Errorf(pinfold.ECONFLICT, "Job %s already exists", job.ID)
		}
		return err
	})
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
	var j *pinfold.Job
	err := s.pointRow(ctx, getJobQuery, []any{jobID, appID, scope.Account, scope.Region}, func(sc scanner) (err error) {
		j, _, err = scanJob(sc)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		// Which is missing, the app or the job?
		if _, err := s.GetApp(ctx, scope, appID); err != nil {
			return nil, err
		}
		return nil, errResourceNotFound()
	} else if err != nil {
		return nil, wrap("get job", err)
	}
	return j, nil
}

const getJobQuery = `SELECT ` + jobColumns + `
	FROM jobs j JOIN apps a ON a.pk = j.app_pk
	WHERE j.id = ? AND a.id = ? AND a.account = ? AND a.region = ?`

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
	var (
		jobs []*pinfold.Job
		pks  []int64
	)
	err = s.read(ctx, "list jobs", func(tx *sql.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		var q strings.Builder
		q.WriteString(`SELECT ` + jobColumns + ` FROM jobs j JOIN apps a ON a.pk = j.app_pk WHERE j.app_pk = ? AND j.pk < ?`)
		args := []any{pk, before}
		if f.Type != "" {
			q.WriteString(` AND j.type = ?`)
			args = append(args, string(f.Type))
		}
		if f.SegmentID != "" {
			q.WriteString(` AND j.segment_id = ?`)
			args = append(args, f.SegmentID)
		}
		q.WriteString(` ORDER BY j.pk DESC LIMIT ?`)
		args = append(args, size+1)
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, pk, err := scanJob(rows)
			if err != nil {
				return err
			}
			jobs, pks = append(jobs, j), append(pks, pk)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(jobs) > size {
		return jobs[:size], pagetoken.Encode("jobs", pks[size-1]), nil
	}
	return jobs, "", nil
}

// LoadJob returns a job by ID alone, for workers. ENOTFOUND "Resource not
// found" when absent (its app was deleted).
func (s *Store) LoadJob(ctx context.Context, jobID string) (*pinfold.Job, error) {
	var j *pinfold.Job
	err := s.read(ctx, "load job", func(tx *sql.Tx) (err error) {
		j, _, err = loadJob(ctx, tx, jobID)
		return err
	})
	return j, err
}

func loadJob(ctx context.Context, q querier, jobID string) (*pinfold.Job, int64, error) {
	j, pk, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+`
		FROM jobs j JOIN apps a ON a.pk = j.app_pk WHERE j.id = ?`, jobID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errResourceNotFound()
	}
	return j, pk, err
}

// UpdateJob reads the job, calls fn and stores what fn left, in one writer
// transaction, so UpdateJob calls are serialized. ID, AppID, Scope, Type and
// CreatedAt are kept whatever fn does to them. An error from fn aborts the
// update and is returned as is. fn runs while the store's single writer
// connection is held: it must not call the store's write methods (reads are
// fine). ENOTFOUND "Resource not found" when the job does not exist.
func (s *Store) UpdateJob(ctx context.Context, jobID string, fn func(*pinfold.Job) error) (*pinfold.Job, error) {
	var (
		j     *pinfold.Job
		fnErr error
	)
	err := s.write(ctx, "update job", func(ctx context.Context, tx wtx) error {
		cur, pk, err := loadJob(ctx, tx, jobID)
		if err != nil {
			return err
		}
		keep := *cur
		if fnErr = fn(cur); fnErr != nil {
			return fnErr
		}
		cur.ID, cur.AppID, cur.Scope, cur.Type, cur.CreatedAt = keep.ID, keep.AppID, keep.Scope, keep.Type, keep.CreatedAt
		cur.CompletedAt = truncMillis(cur.CompletedAt)
		segmentID, data, err := storedoc.EncodeJob(cur)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = ?, segment_id = ?, data = ? WHERE pk = ?`,
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
	args := make([]any, len(statuses))
	for i, st := range statuses {
		args[i] = string(st)
	}
	var n int
	err := s.read(ctx, "count jobs", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE status IN (`+placeholders(len(args), 1)+`)`,
			args...).Scan(&n)
	})
	return n, err
}

// UnfinishedJobs returns the IDs of the jobs, of every app, whose status is
// not final, oldest first.
func (s *Store) UnfinishedJobs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.read(ctx, "unfinished jobs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM jobs WHERE status NOT IN (?, ?) ORDER BY pk`,
			string(pinfold.JobCompleted), string(pinfold.JobFailed))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}
