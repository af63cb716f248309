package postgres

import (
	"context"

	"github.com/pinfold/pinfold"
)

// Stubs of the app and job methods, replaced by app.go and job.go.

func errTODO() error { return pinfold.Errorf(pinfold.EINTERNAL, "not implemented") }

func (s *Store) CreateApp(ctx context.Context, app *pinfold.App) error { return errTODO() }
func (s *Store) GetApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	return nil, errTODO()
}
func (s *Store) ListApps(ctx context.Context, scope pinfold.Scope, page pinfold.Page) ([]*pinfold.App, string, error) {
	return nil, "", errTODO()
}
func (s *Store) DeleteApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	return nil, errTODO()
}
func (s *Store) UpdateAppTags(ctx context.Context, scope pinfold.Scope, id string, set map[string]string, remove []string) error {
	return errTODO()
}
func (s *Store) GetAppSettings(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.AppSettings, error) {
	return nil, errTODO()
}
func (s *Store) PutAppSettings(ctx context.Context, scope pinfold.Scope, settings *pinfold.AppSettings) error {
	return errTODO()
}
func (s *Store) CreateJob(ctx context.Context, job *pinfold.Job) error { return errTODO() }
func (s *Store) GetJob(ctx context.Context, scope pinfold.Scope, appID, jobID string) (*pinfold.Job, error) {
	return nil, errTODO()
}
func (s *Store) ListJobs(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.JobFilter, page pinfold.Page) ([]*pinfold.Job, string, error) {
	return nil, "", errTODO()
}
func (s *Store) LoadJob(ctx context.Context, jobID string) (*pinfold.Job, error) { return nil, errTODO() }
func (s *Store) UpdateJob(ctx context.Context, jobID string, fn func(*pinfold.Job) error) (*pinfold.Job, error) {
	return nil, errTODO()
}
func (s *Store) CountJobs(ctx context.Context, statuses ...pinfold.JobStatus) (int, error) {
	return 0, errTODO()
}
func (s *Store) UnfinishedJobs(ctx context.Context) ([]string, error) { return nil, errTODO() }
