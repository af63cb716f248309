package pinfold

import (
	"context"
	"time"
)

// App is a Pinpoint application (a project): the container of endpoints,
// segments and jobs. It belongs to one account and one region.
type App struct {
	ID        string
	Scope     Scope
	Name      string
	Tags      map[string]string
	CreatedAt time.Time
}

// ARN returns the app's Amazon Resource Name,
// arn:aws:mobiletargeting:{region}:{account}:apps/{id}.
func (a *App) ARN() string { return AppARN(a.Scope, a.ID) }

// AppARN returns the ARN of app id in scope.
func AppARN(s Scope, id string) string {
	return "arn:aws:mobiletargeting:" + s.Region + ":" + s.Account + ":apps/" + id
}

// AppSettings are an application's default campaign and journey settings.
// pinfold stores and returns them; it sends no messages, so they have no
// other effect. Nil pointers are settings never set.
type AppSettings struct {
	AppID                    string
	CampaignHook             *CampaignHook
	Limits                   *CampaignLimits
	QuietTime                *QuietTime
	JourneyLimits            *JourneyLimits
	CloudWatchMetricsEnabled *bool
	EventTaggingEnabled      *bool
	UpdatedAt                time.Time // zero until the first update
}

// CampaignHook is the Lambda or web hook settings of an app's campaigns.
type CampaignHook struct {
	LambdaFunctionName string
	Mode               string // DELIVERY or FILTER
	WebURL             string
}

// CampaignLimits caps messages sent by an app's campaigns.
type CampaignLimits struct {
	Daily, MaximumDuration, MessagesPerSecond, Total, Session *int
}

// QuietTime is the daily window (HH:MM) in which no messages are sent.
type QuietTime struct{ Start, End string }

// JourneyLimits caps messages sent by an app's journeys.
type JourneyLimits struct {
	DailyCap, TotalCap *int
	TimeframeCap       *JourneyTimeframeCap
}

// JourneyTimeframeCap caps messages per endpoint over a number of days.
type JourneyTimeframeCap struct{ Cap, Days *int }

// MaxAppsPerScope is Pinpoint's quota of applications per account and region.
const MaxAppsPerScope = 100

// AppStore persists applications. Every method is scoped: an app of another
// scope does not exist for it (ENOTFOUND "Application not found").
type AppStore interface {
	// CreateApp stores a new app. EINVALID when the scope already has
	// MaxAppsPerScope apps.
	CreateApp(ctx context.Context, app *App) error
	// GetApp returns the app. ENOTFOUND when it does not exist in scope.
	GetApp(ctx context.Context, scope Scope, id string) (*App, error)
	// ListApps returns a page of the scope's apps, oldest first, and the
	// token of the next page ("" on the last). EINVALID for a bad token.
	ListApps(ctx context.Context, scope Scope, page Page) ([]*App, string, error)
	// DeleteApp removes the app and everything it owns (endpoints, settings,
	// jobs, segments) and returns it as it was. ENOTFOUND when absent.
	DeleteApp(ctx context.Context, scope Scope, id string) (*App, error)
	// UpdateAppTags sets the tags in set and removes the keys in remove.
	UpdateAppTags(ctx context.Context, scope Scope, id string, set map[string]string, remove []string) error
	// GetAppSettings returns the app's settings (zero settings when never
	// updated). ENOTFOUND when the app does not exist.
	GetAppSettings(ctx context.Context, scope Scope, id string) (*AppSettings, error)
	// PutAppSettings replaces the app's settings.
	PutAppSettings(ctx context.Context, scope Scope, settings *AppSettings) error
}
