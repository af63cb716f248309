package postgres

import (
	"context"

	"github.com/pinfold/pinfold"
)

// Stubs of the job methods, replaced by job.go.

func errTODO() error { return pinfold.Errorf(pinfold.EINTERNAL, "not implemented") }

func (s *Store) CreateJob(ctx context.Context, job *pinfold.Job) error { return errTODO() }
func (s *Store) GetJob(ctx context.Context, scope pinfold.Scope, appID, jobID string) (*pinfold.Job, error) {
	return nil, errTODO()
}
func (s *Store) ListJobs(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.JobFilter, page pinfold.Page) ([]*pinfold.Job, string, error) {
	return nil, "", errTODO()
}
func (s *Store) LoadJob(ctx context.Context, jobID string) (*pinfold.Job, error) {
	return nil, errTODO()
}
func (s *Store) UpdateJob(ctx context.Context, jobID string, fn func(*pinfold.Job) error) (*pinfold.Job, error) {
	return nil, errTODO()
}
func (s *Store) CountJobs(ctx context.Context, statuses ...pinfold.JobStatus) (int, error) {
	return 0, errTODO()
}
func (s *Store) UnfinishedJobs(ctx context.Context) ([]string, error) { return nil, errTODO() }
