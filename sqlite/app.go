package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

// CreateApp stores a new app. It fills in app.ID (pinfold.NewID) and
// app.CreatedAt (Now) when they are empty. EINVALID when the scope already
// has pinfold.MaxAppsPerScope apps; ECONFLICT when the ID is taken.
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
	return s.write(ctx, "create app", func(ctx context.Context, tx wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM apps WHERE account = ? AND region = ?`,
			app.Scope.Account, app.Scope.Region).Scan(&n); err != nil {
			return err
		}
		if n >= pinfold.MaxAppsPerScope {
			return pinfold.Errorf(pinfold.EINVALID, "Exceeded maximum number of applications: %d", pinfold.MaxAppsPerScope)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO apps (id, account, region, name, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			app.ID, app.Scope.Account, app.Scope.Region, app.Name, tags, toMillis(app.CreatedAt))
		if isUniqueViolation(err) {
			return pinfold.Errorf(pinfold.ECONFLICT, "Application %s already exists", app.ID)
		}
		return err
	})
}

// GetApp returns the app. ENOTFOUND "Application not found" when it does
// not exist in scope.
func (s *Store) GetApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	a, err := s.app(ctx, scope, id)
	if err != nil {
		return nil, wrap("get app", err)
	}
	return cloneApp(a.app), nil
}

const getAppQuery = `SELECT ` + appColumns + ` FROM apps WHERE id = ? AND account = ? AND region = ?`

const appColumns = `pk, id, account, region, name, tags, created_at`

func scanApp(sc scanner) (*pinfold.App, int64, error) {
	var (
		app  pinfold.App
		pk   int64
		tags string
		ms   int64
	)
	if err := sc.Scan(&pk, &app.ID, &app.Scope.Account, &app.Scope.Region, &app.Name, &tags, &ms); err != nil {
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

func getApp(ctx context.Context, q querier, scope pinfold.Scope, id string) (*pinfold.App, int64, error) {
	app, pk, err := scanApp(q.QueryRowContext(ctx, getAppQuery, id, scope.Account, scope.Region))
	if errors.Is(err, sql.ErrNoRows) {
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
	var (
		apps []*pinfold.App
		pks  []int64
	)
	err = s.read(ctx, "list apps", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+appColumns+` FROM apps
			WHERE account = ? AND region = ? AND pk > ? ORDER BY pk LIMIT ?`,
			scope.Account, scope.Region, after, size+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			app, pk, err := scanApp(rows)
			if err != nil {
				return err
			}
			apps, pks = append(apps, app), append(pks, pk)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(apps) > size {
		return apps[:size], pagetoken.Encode("apps", pks[size-1]), nil
	}
	return apps, "", nil
}

// DeleteApp removes the app and everything it owns (endpoints, attribute
// names, segments with their versions, jobs, settings) and returns it as it
// was. ENOTFOUND "Application
// not found" when absent.
func (s *Store) DeleteApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	var app *pinfold.App
	err := s.write(ctx, "delete app", func(ctx context.Context, tx wtx) error {
		var (
			pk  int64
			err error
		)
		if app, pk, err = getApp(ctx, tx, scope, id); err != nil {
			return err
		}
		tx.forgetApp(id)
		_, err = tx.ExecContext(ctx, `DELETE FROM apps WHERE pk = ?`, pk)
		return err
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// UpdateAppTags sets the tags in set and removes the keys in remove (set
// wins for a key in both). ENOTFOUND "Application not found" when absent.
func (s *Store) UpdateAppTags(ctx context.Context, scope pinfold.Scope, id string, set map[string]string, remove []string) error {
	return s.write(ctx, "update app tags", func(ctx context.Context, tx wtx) error {
		app, pk, err := getApp(ctx, tx, scope, id)
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
		tx.forgetApp(id)
		_, err = tx.ExecContext(ctx, `UPDATE apps SET tags = ? WHERE pk = ?`, b, pk)
		return err
	})
}

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
	var settings sql.NullString
	err := s.read(ctx, "get app settings", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT settings FROM apps WHERE id = ? AND account = ? AND region = ?`,
			id, scope.Account, scope.Region).Scan(&settings)
		if errors.Is(err, sql.ErrNoRows) {
			return errAppNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &pinfold.AppSettings{AppID: id}
	if settings.Valid {
		var d storedoc.Settings
		if err := json.Unmarshal([]byte(settings.String), &d); err != nil {
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
	return s.write(ctx, "put app settings", func(ctx context.Context, tx wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apps SET settings = ? WHERE id = ? AND account = ? AND region = ?`,
			string(b), settings.AppID, scope.Account, scope.Region)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errAppNotFound()
		}
		return nil
	})
}

// maxPK is the "no token" start of lists that run newest first.
const maxPK = math.MaxInt64
