package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"sync"

	"github.com/pinfold/pinfold"
)

// appCache holds apps as the point reads last found them, so that GetApp
// and GetEndpoint (which checks the app before it reads the endpoint) need
// no SQL for the app: under many concurrent GetApp requests the SELECT was
// a quarter of the server's CPU per request (docs/decisions.md, 22). The
// Store's AppCache switch turns it off.
//
// It is exact, not a cache with a lifetime: the apps table changes only in
// write transactions of this process (the database is open with the
// unix-excl VFS, so no other process writes it while the Store is open),
// and a transaction that changes an app row calls wtx.forgetApp. That
// removes the app at once and holds the cache: no read stores an app until
// the transaction has ended. Store.write then removes the apps again and
// releases the cache, after its COMMIT and while it still holds the writer,
// so no later transaction commits in between.
//
// A read that misses loads the row and stores it only if the cache is not
// held and no app was removed since the read began (gen unchanged).
// Otherwise it may have read the row before a commit, and it would put the
// old row back after another reader had already seen the new one
// (TestAppCache found exactly that with a single removal after the COMMIT).
type appCache struct {
	mu   sync.RWMutex
	gen  uint64               // incremented by every removal
	held bool                 // a transaction changing apps is in progress: no puts
	apps map[string]cachedApp // by app ID (unique across scopes)
}

// maxCachedApps bounds the cache; it is emptied when full. Pinpoint allows
// 100 apps per account and region.
const maxCachedApps = 10000

// cachedApp is an apps row: never modified once cached.
type cachedApp struct {
	pk  int64
	app *pinfold.App
}

// get returns the cached app id of scope, and the generation to pass to put
// when it is absent.
func (c *appCache) get(scope pinfold.Scope, id string) (cachedApp, bool, uint64) {
	c.mu.RLock()
	a, ok := c.apps[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok && a.app.Scope != scope {
		// Another account's app, or one in another region: absent here,
		// as the SQL (WHERE id = ? AND account = ? AND region = ?) says.
		return cachedApp{}, false, gen
	}
	return a, ok, gen
}

// put caches a, read when the generation was gen.
func (c *appCache) put(a cachedApp, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.held {
		return
	}
	if c.apps == nil || len(c.apps) >= maxCachedApps {
		c.apps = make(map[string]cachedApp)
	}
	c.apps[a.app.ID] = a
}

// forget removes the apps ids, and holds the cache (hold true) or
// releases it.
func (c *appCache) forget(ids []string, hold bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.held = hold
	for _, id := range ids {
		delete(c.apps, id)
	}
}

// reset empties the cache (Store.Open: another process may have written
// the file since this Store last had it).
func (c *appCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.held = false
	c.apps = nil
}

// cloneApp returns a copy of app the caller may modify.
func cloneApp(app *pinfold.App) *pinfold.App {
	out := *app
	out.Tags = maps.Clone(app.Tags)
	return &out
}

// app returns app id of scope with its primary key, from the cache or else
// from the database. ENOTFOUND "Application not found" when it does not
// exist in scope. The app is shared: copy it before handing it out.
func (s *Store) app(ctx context.Context, scope pinfold.Scope, id string) (cachedApp, error) {
	a, ok, gen := s.apps.get(scope, id)
	if ok {
		return a, nil
	}
	err := s.pointRow(ctx, getAppQuery, []any{id, scope.Account, scope.Region}, func(sc scanner) (err error) {
		a.app, a.pk, err = scanApp(sc)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return cachedApp{}, errAppNotFound()
	} else if err != nil {
		return cachedApp{}, err
	}
	if s.AppCache {
		s.apps.put(a, gen)
	}
	return a, nil
}

// forgetApp removes app id from the cache and holds it until tx ends, when
// Store.write removes the app again and releases the cache. Call it in a
// transaction that changes or deletes the app's row.
func (tx wtx) forgetApp(id string) {
	tx.s.forget = append(tx.s.forget, id)
	tx.s.apps.forget([]string{id}, true)
}

// appPK is the package's appPK for a write transaction: from the cache when
// the app is there, else by a statement prepared once on the writer. The
// cache is exact for the writer too: a transaction that changes an app
// holds the writer until the app has left the cache (and until it has, the
// cache is held, so the app is not stored again). The statement is
// prepared because compiling it on each call showed in the writer's
// profile (docs/decisions.md, 22).
func (tx wtx) appPK(ctx context.Context, scope pinfold.Scope, id string) (int64, error) {
	if a, ok, _ := tx.s.apps.get(scope, id); ok {
		return a.pk, nil
	}
	st, err := tx.stmt(ctx, appPKQuery)
	if err != nil {
		return 0, err
	}
	return scanAppPK(st.QueryRowContext(ctx, id, scope.Account, scope.Region))
}
