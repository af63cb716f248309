package pinfold

import "context"

// AudienceCount is how many endpoints of an app have one channel type and
// one opt-out value. Empty strings stand for endpoints without the field.
type AudienceCount struct {
	ChannelType string
	OptOut      string // ALL, NONE or ""
	Endpoints   int64
}

// AudienceStore answers aggregate questions about an app's endpoints, for
// the operator console. Each method resolves the app in scope first:
// ENOTFOUND "Application not found" when it does not exist there.
type AudienceStore interface {
	// CountEndpoints returns how many endpoints the app has.
	CountEndpoints(ctx context.Context, scope Scope, appID string) (int64, error)
	// CountAudience returns the app's endpoints counted by channel type and
	// opt-out, computed by the store in one aggregate query, ordered by
	// channel type and then opt-out. Groups without endpoints are absent.
	CountAudience(ctx context.Context, scope Scope, appID string) ([]AudienceCount, error)
}
