package postgres

import (
	"context"
	"time"

	"github.com/pinfold/pinfold"
)

// Stubs of the endpoint and source methods, replaced by endpoint.go and
// source.go.

func (s *Store) UpsertEndpoints(ctx context.Context, scope pinfold.Scope, appID string, updates []pinfold.EndpointUpdate, now time.Time) error {
	return errTODO()
}
func (s *Store) GetEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	return nil, errTODO()
}
func (s *Store) GetEndpointLine(ctx context.Context, scope pinfold.Scope, appID, endpointID string, dst []byte) ([]byte, error) {
	return nil, errTODO()
}
func (s *Store) DeleteEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	return nil, errTODO()
}
func (s *Store) GetUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	return nil, errTODO()
}
func (s *Store) DeleteUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	return nil, errTODO()
}
func (s *Store) RemoveAttributes(ctx context.Context, scope pinfold.Scope, appID string, kind pinfold.AttributeKind, names []string) ([]string, error) {
	return nil, errTODO()
}
func (s *Store) PlanPieces(ctx context.Context, scope pinfold.Scope, appID string, pieceSize int) (int64, []pinfold.JobPiece, error) {
	return 0, nil, errTODO()
}
func (s *Store) ScanEndpoints(ctx context.Context, appID string, from, to int64, fn func(doc []byte) error) error {
	return errTODO()
}
