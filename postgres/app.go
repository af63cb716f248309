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
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
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
	after, err := pagetoken.Decode("apps", page.Token, 0)
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
		return apps[:size], pagetoken.Encode("apps", pks[size-1]), nil
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
		var d storedoc.Settings
		if err := json.Unmarshal([]byte(*settings), &d); err != nil {
			return nil, fmt.Errorf("get app settings: decode: %w", err)
		}
		d.To(out)
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
	b, err := json.Marshal(storedoc.SettingsOf(settings))
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

// maxPK is the "no token" start of lists that run newest first.
const maxPK = math.MaxInt64
