package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// TestCreateJobTx checks that CreateJobTx stores the job and runs enqueue
// in one transaction: a failing enqueue leaves neither the job nor what
// enqueue wrote, a successful one commits both.
func TestCreateJobTx(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	// queue stands for River's table: enqueue writes to it on tx.
	if _, err := s.Pool().Exec(ctx, `CREATE TABLE queue (job_id text PRIMARY KEY)`); err != nil {
		t.Fatalf("create queue table: %v", err)
	}
	scope := pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	app := &pinfold.App{Scope: scope, Name: "jobs"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	newJob := func() *pinfold.Job {
		return &pinfold.Job{AppID: app.ID, Scope: scope, Type: pinfold.JobExport,
			CreatedAt: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
			Export:    &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::111111111111:role/export", S3URLPrefix: "s3://b/x/"}}
	}
	// enqueue inserts the job's ID into queue on tx, then fails with fail.
	enqueue := func(job *pinfold.Job, fail error) func(context.Context, pgx.Tx) error {
		return func(ctx context.Context, tx pgx.Tx) error {
			// The job's row is visible on tx: it is the same transaction.
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE id = $1`, job.ID).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("enqueue sees %d rows of job %s on tx, want 1", n, job.ID)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO queue (job_id) VALUES ($1)`, job.ID); err != nil {
				return err
			}
			return fail
		}
	}
	queued := func(jobID string) bool {
		t.Helper()
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM queue WHERE job_id = $1`, jobID).Scan(&n); err != nil {
			t.Fatalf("read queue: %v", err)
		}
		return n == 1
	}

	errQueue := errors.New("queue is down")
	failed := newJob()
	failed.ID = pinfold.NewID()
	if err := s.CreateJobTx(ctx, failed, enqueue(failed, errQueue)); !errors.Is(err, errQueue) {
		t.Fatalf("CreateJobTx with a failing enqueue: got %v, want %v", err, errQueue)
	}
	if _, err := s.LoadJob(ctx, failed.ID); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("LoadJob after a failed enqueue: got %v, want ENOTFOUND", err)
	}
	if queued(failed.ID) {
		t.Errorf("queue row of the failed enqueue was committed")
	}

	ok := newJob()
	if err := s.CreateJobTx(ctx, ok, enqueue(ok, nil)); err != nil {
		t.Fatalf("CreateJobTx: %v", err)
	}
	if ok.ID == "" || ok.Status != pinfold.JobCreated {
		t.Errorf("CreateJobTx filled in ID %q, status %q; want an ID and CREATED", ok.ID, ok.Status)
	}
	got, err := s.GetJob(ctx, scope, app.ID, ok.ID)
	if err != nil {
		t.Fatalf("GetJob after CreateJobTx: %v", err)
	}
	if got.Status != pinfold.JobCreated || got.Export == nil || got.Export.S3URLPrefix != "s3://b/x/" {
		t.Errorf("GetJob after CreateJobTx: got %+v", got)
	}
	if !queued(ok.ID) {
		t.Errorf("queue row of the successful enqueue is missing")
	}

	// CreateJob's errors, before enqueue runs.
	missing := newJob()
	missing.AppID = pinfold.NewID()
	err = s.CreateJobTx(ctx, missing, func(context.Context, pgx.Tx) error {
		t.Error("enqueue called for a job of an unknown app")
		return nil
	})
	if pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("CreateJobTx of an unknown app: got %v, want ENOTFOUND", err)
	}
	dup := newJob()
	dup.ID = ok.ID
	err = s.CreateJobTx(ctx, dup, func(context.Context, pgx.Tx) error {
		t.Error("enqueue called for a job whose ID is taken")
		return nil
	})
	if pinfold.ErrorCode(err) != pinfold.ECONFLICT {
		t.Errorf("CreateJobTx with a taken ID: got %v, want ECONFLICT", err)
	}
}
