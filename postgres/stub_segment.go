package postgres

import (
	"context"

	"github.com/pinfold/pinfold"
)

// Stubs of the segment and member methods, replaced by segment.go and
// members.go.

func (s *Store) CreateSegment(ctx context.Context, seg *pinfold.Segment) error { return errTODO() }
func (s *Store) GetSegment(ctx context.Context, scope pinfold.Scope, appID, segmentID string, version int) (*pinfold.Segment, error) {
	return nil, errTODO()
}
func (s *Store) ListSegments(ctx context.Context, scope pinfold.Scope, appID string, page pinfold.Page) ([]*pinfold.Segment, string, error) {
	return nil, "", errTODO()
}
func (s *Store) ListSegmentVersions(ctx context.Context, scope pinfold.Scope, appID, segmentID string, page pinfold.Page) ([]*pinfold.Segment, string, error) {
	return nil, "", errTODO()
}
func (s *Store) UpdateSegment(ctx context.Context, seg *pinfold.Segment) (*pinfold.Segment, error) {
	return nil, errTODO()
}
func (s *Store) DeleteSegment(ctx context.Context, scope pinfold.Scope, appID, segmentID string) (*pinfold.Segment, error) {
	return nil, errTODO()
}
func (s *Store) AddSegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, endpointIDs []string) error {
	return errTODO()
}
func (s *Store) SegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, fn func(endpointID string) error) error {
	return errTODO()
}
