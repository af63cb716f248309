package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// CreateApp stores a new app. It fills in app.ID (pinfold.NewID) and
// app.CreatedAt (Now) when they are empty. EINVALID when the scope already
// has pinfold.MaxAppsPerScope apps; ECONFLICT when the ID is taken.
//
// The quota is exact across nodes: the count and the insert run under a
// transaction-level advisory lock on the scope (the two-int4 key space,
// apart from the single-bigint keys goose and River take), so two
// CreateApp calls of one scope run one after the other.
func (s *Store) CreateApp(ctx context.Context, app *pinfold.App) error {
	if app.ID == "" {
		app.ID = pinfold.NewID()
	}
	if app.CreatedAt.IsZero() {
		app.CreatedAt = s.Now()
	}
	app.CreatedAt = app.CreatedAt.UTC().Truncate(time.Millisecond)
	tags, err := marshalTags(app.Tags)
	if err != nil {
		return fmt.Errorf("create app: %w", err)
	}
	return s.write(ctx, "create app", func(tx pgx.Tx) error {
		// The count takes its snapshot once it runs, after the lock: a
		// statement of its own, sent in one round trip with the lock.
		var (
			b pgx.Batch
			n int
		)
		b.Queue(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, app.Scope.Account, app.Scope.Region)
		b.Queue(`SELECT count(*) FROM apps WHERE account = $1 AND region = $2`,
			app.Scope.Account, app.Scope.Region).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return err
		}
		if n >= pinfold.MaxAppsPerScope {
			return pinfold.Errorf(pinfold.EINVALID, "Exceeded maximum number of applications: %d", pinfold.MaxAppsPerScope)
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO apps (id, account, region, name, tags, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			app.ID, app.Scope.Account, app.Scope.Region, app.Name, tags, toMillis(app.CreatedAt))
		if isUniqueViolation(err) {
			return pinfold.Errorf(pinfold.ECONFLICT, "Application %s already exists", app.ID)
		}
		return err
	})
}

const appColumns = `pk, id, account, region, name, tags, created_at`

// scanApp scans appColumns.
func scanApp(row pgx.Row) (*pinfold.App, int64, error) {
	var (
		app  pinfold.App
		pk   int64
		tags string
		ms   int64
	)
	if err := row.Scan(&pk, &app.ID, &app.Scope.Account, &app.Scope.Region, &app.Name, &tags, &ms); err != nil {
		return nil, 0, err
	}
	app.CreatedAt = fromMillis(ms)
	if tags == "{}" || tags == "" || tags == "null" {
		return &app, pk, nil
	}
	if err := json.Unmarshal([]byte(tags), &app.Tags); err != nil {
		return nil, 0, fmt.Errorf("decode tags of app %s: %w", app.ID, err)
	}
	if len(app.Tags) == 0 {
		app.Tags = nil
	}
	return &app, pk, nil
}

// GetApp returns the app. ENOTFOUND "Application not found" when it does
// not exist in scope.
func (s *Store) GetApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	app, _, err := getApp(ctx, s.pool, scope, id, "")
	if err != nil {
		return nil, wrap("get app", err)
	}
	return app, nil
}

// getApp reads app id of scope with its primary key, adding lock (a
// locking clause, or "") to the query. ENOTFOUND "Application not found".
func getApp(ctx context.Context, q querier, scope pinfold.Scope, id, lock string) (*pinfold.App, int64, error) {
	app, pk, err := scanApp(q.QueryRow(ctx, `SELECT `+appColumns+` FROM apps
		WHERE id = $1 AND account = $2 AND region = $3 `+lock, id, scope.Account, scope.Region))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, errAppNotFound()
	}
	return app, pk, err
}

// ListApps returns a page of the scope's apps, oldest first, and the token
// of the next page ("" on the last). EINVALID "Invalid token" for a token
// this store did not issue.
func (s *Store) ListApps(ctx context.Context, scope pinfold.Scope, page pinfold.Page) ([]*pinfold.App, string, error) {
	after, err := decodeToken("apps", page.Token, 0)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	rows, err := s.pool.Query(ctx, `SELECT `+appColumns+` FROM apps
		WHERE account = $1 AND region = $2 AND pk > $3 ORDER BY pk LIMIT $4`,
		scope.Account, scope.Region, after, size+1)
	if err != nil {
		return nil, "", fmt.Errorf("list apps: %w", err)
	}
	defer rows.Close()
	var (
		apps []*pinfold.App
		pks  []int64
	)
	for rows.Next() {
		app, pk, err := scanApp(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list apps: %w", err)
		}
		apps, pks = append(apps, app), append(pks, pk)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list apps: %w", err)
	}
	if len(apps) > size {
		return apps[:size], encodeToken("apps", pks[size-1]), nil
	}
	return apps, "", nil
}

// DeleteApp removes the app and everything it owns (endpoints, attribute
// names, segments with their versions and members, jobs, settings: the
// foreign keys cascade, but for the endpoints) and returns it as it was. ENOTFOUND "Application
// not found" when absent. It waits for the transactions that hold the app
// row (endpoint writes) to end.
//
// The app row goes first, which locks it: writers of its endpoints wait
// for it in lockApp and then find no app. Its endpoints, which are not
// tied to it by a foreign key (see the schema), go in the same transaction.
func (s *Store) DeleteApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	var app *pinfold.App
	err := s.write(ctx, "delete app", func(tx pgx.Tx) error {
		a, pk, err := scanApp(tx.QueryRow(ctx, `DELETE FROM apps WHERE id = $1 AND account = $2 AND region = $3
			RETURNING `+appColumns, id, scope.Account, scope.Region))
		if errors.Is(err, pgx.ErrNoRows) {
			return errAppNotFound()
		} else if err != nil {
			return err
		}
		app = a
		_, err = tx.Exec(ctx, `DELETE FROM endpoints WHERE app_pk = $1`, pk)
		return err
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// UpdateAppTags sets the tags in set and removes the keys in remove (set
// wins for a key in both). ENOTFOUND "Application not found" when absent.
// The app row is locked from the read to the write, so concurrent updates
// of one app's tags are not lost.
func (s *Store) UpdateAppTags(ctx context.Context, scope pinfold.Scope, id string, set map[string]string, remove []string) error {
	return s.write(ctx, "update app tags", func(tx pgx.Tx) error {
		app, pk, err := getApp(ctx, tx, scope, id, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		tags := app.Tags
		if tags == nil {
			tags = make(map[string]string, len(set))
		}
		for _, k := range remove {
			delete(tags, k)
		}
		for k, v := range set {
			tags[k] = v
		}
		b, err := marshalTags(tags)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE apps SET tags = $1 WHERE pk = $2`, b, pk)
		return err
	})
}

// marshalTags encodes a tags column: "{}" for no tags.
func marshalTags(tags map[string]string) (string, error) {
	if len(tags) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(tags)
	return string(b), err
}

// GetAppSettings returns the app's settings, zero settings (with AppID set)
// when never updated. ENOTFOUND "Application not found" when absent.
func (s *Store) GetAppSettings(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.AppSettings, error) {
	var settings *string
	err := s.pool.QueryRow(ctx, `SELECT settings FROM apps WHERE id = $1 AND account = $2 AND region = $3`,
		id, scope.Account, scope.Region).Scan(&settings)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errAppNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("get app settings: %w", err)
	}
	out := &pinfold.AppSettings{AppID: id}
	if settings != nil {
		var d settingsData
		if err := json.Unmarshal([]byte(*settings), &d); err != nil {
			return nil, fmt.Errorf("get app settings: decode: %w", err)
		}
		d.to(out)
	}
	return out, nil
}

// PutAppSettings replaces the settings of app settings.AppID. It fills in
// settings.UpdatedAt (Now) when zero. ENOTFOUND "Application not found"
// when absent.
func (s *Store) PutAppSettings(ctx context.Context, scope pinfold.Scope, settings *pinfold.AppSettings) error {
	if settings.UpdatedAt.IsZero() {
		settings.UpdatedAt = s.Now()
	}
	settings.UpdatedAt = settings.UpdatedAt.UTC().Truncate(time.Millisecond)
	b, err := json.Marshal(settingsDataOf(settings))
	if err != nil {
		return fmt.Errorf("put app settings: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE apps SET settings = $1 WHERE id = $2 AND account = $3 AND region = $4`,
		string(b), settings.AppID, scope.Account, scope.Region)
	if err != nil {
		return fmt.Errorf("put app settings: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errAppNotFound()
	}
	return nil
}

// settingsData is the stored JSON of pinfold.AppSettings: the store's own
// shape, the SQLite store's, so renaming a domain field cannot silently
// drop stored settings.
type settingsData struct {
	CampaignHook             *hookData    `json:"campaign_hook,omitempty"`
	Limits                   *limitsData  `json:"limits,omitempty"`
	QuietTime                *quietData   `json:"quiet_time,omitempty"`
	JourneyLimits            *journeyData `json:"journey_limits,omitempty"`
	CloudWatchMetricsEnabled *bool        `json:"cloudwatch_metrics_enabled,omitempty"`
	EventTaggingEnabled      *bool        `json:"event_tagging_enabled,omitempty"`
	UpdatedAt                int64        `json:"updated_at,omitempty"` // Unix ms
}

type hookData struct {
	LambdaFunctionName string `json:"lambda_function_name,omitempty"`
	Mode               string `json:"mode,omitempty"`
	WebURL             string `json:"web_url,omitempty"`
}

type limitsData struct {
	Daily             *int `json:"daily,omitempty"`
	MaximumDuration   *int `json:"maximum_duration,omitempty"`
	MessagesPerSecond *int `json:"messages_per_second,omitempty"`
	Total             *int `json:"total,omitempty"`
	Session           *int `json:"session,omitempty"`
}

type quietData struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type journeyData struct {
	DailyCap     *int           `json:"daily_cap,omitempty"`
	TotalCap     *int           `json:"total_cap,omitempty"`
	TimeframeCap *timeframeData `json:"timeframe_cap,omitempty"`
}

type timeframeData struct {
	Cap  *int `json:"cap,omitempty"`
	Days *int `json:"days,omitempty"`
}

func settingsDataOf(in *pinfold.AppSettings) *settingsData {
	d := &settingsData{
		CloudWatchMetricsEnabled: in.CloudWatchMetricsEnabled,
		EventTaggingEnabled:      in.EventTaggingEnabled,
		UpdatedAt:                toMillis(in.UpdatedAt),
	}
	if h := in.CampaignHook; h != nil {
		d.CampaignHook = &hookData{h.LambdaFunctionName, h.Mode, h.WebURL}
	}
	if l := in.Limits; l != nil {
		d.Limits = &limitsData{l.Daily, l.MaximumDuration, l.MessagesPerSecond, l.Total, l.Session}
	}
	if q := in.QuietTime; q != nil {
		d.QuietTime = &quietData{q.Start, q.End}
	}
	if j := in.JourneyLimits; j != nil {
		d.JourneyLimits = &journeyData{DailyCap: j.DailyCap, TotalCap: j.TotalCap}
		if t := j.TimeframeCap; t != nil {
			d.JourneyLimits.TimeframeCap = &timeframeData{t.Cap, t.Days}
		}
	}
	return d
}

func (d *settingsData) to(out *pinfold.AppSettings) {
	out.CloudWatchMetricsEnabled = d.CloudWatchMetricsEnabled
	out.EventTaggingEnabled = d.EventTaggingEnabled
	out.UpdatedAt = fromMillis(d.UpdatedAt)
	if h := d.CampaignHook; h != nil {
		out.CampaignHook = &pinfold.CampaignHook{LambdaFunctionName: h.LambdaFunctionName, Mode: h.Mode, WebURL: h.WebURL}
	}
	if l := d.Limits; l != nil {
		out.Limits = &pinfold.CampaignLimits{Daily: l.Daily, MaximumDuration: l.MaximumDuration,
			MessagesPerSecond: l.MessagesPerSecond, Total: l.Total, Session: l.Session}
	}
	if q := d.QuietTime; q != nil {
		out.QuietTime = &pinfold.QuietTime{Start: q.Start, End: q.End}
	}
	if j := d.JourneyLimits; j != nil {
		out.JourneyLimits = &pinfold.JourneyLimits{DailyCap: j.DailyCap, TotalCap: j.TotalCap}
		if t := j.TimeframeCap; t != nil {
			out.JourneyLimits.TimeframeCap = &pinfold.JourneyTimeframeCap{Cap: t.Cap, Days: t.Days}
		}
	}
}

// maxPK is the "no token" start of lists that run newest first.
const maxPK = math.MaxInt64
