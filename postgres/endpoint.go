package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pinfold/pinfold"
)

// UpsertEndpoints applies every update in one transaction: all or none. An
// ID named twice gets both updates, in order. Errors:
//   - ENOTFOUND "Application not found" when the app is not in scope;
//   - EINVALID from Apply (e.g. "Missing Address" for a new endpoint);
//   - EINVALID when an encoded endpoint exceeds pinfold.MaxEndpointBytes;
//   - EINVALID "Exceeded maximum endpoint per user count: 15" when a user
//     would have more than pinfold.MaxEndpointsPerUser endpoints;
//   - EINVALID when the app would have more than
//     pinfold.MaxAttributeNamesInApp custom attribute names.
//
// When several updates are invalid, the error is the first one's in the
// order given.
//
// # Two round trips
//
// Before the transaction, each ID's updates are applied to no endpoint and
// encoded: the document the endpoint gets if it is new, which is what most
// batches (and every import into a new app) hold. Then one pipelined batch
// begins the transaction, locks the app (lockApp's query), and reads the
// batch's existing rows (id = ANY), the app's attribute names among the
// updates' and the endpoint counts of the users the updates name. Holding
// the lock, what was read stays true to commit, so Go merges the existing
// endpoints (pinfold.Apply) and checks both quotas exactly. A second batch
// writes: one INSERT ... SELECT FROM unnest for the new endpoints (positions
// next_pos+1, next_pos+2, ... in order of first appearance), one UPDATE ...
// FROM unnest for the existing ones (which keep their positions), the new
// attribute names, apps.next_pos, and COMMIT.
//
// # One round trip for new endpoints
//
// A batch whose endpoints are all new (the common case: an import into a
// new app, a first sync) skips the merge: insertNew writes it in one
// pipelined batch that ends in COMMIT, so the app's lock is held only
// while the server runs it, never while Go works or a round trip is under
// way. Writers of one app take turns on that lock, so the shorter it is
// held, the more of them commit per second.
func (s *Store) UpsertEndpoints(ctx context.Context, scope pinfold.Scope, appID string, updates []pinfold.EndpointUpdate, now time.Time) error {
	b := newUpsertBatch(appID, updates, now)
	if done, err := s.insertNew(ctx, scope, b); done || err != nil {
		return wrap("upsert endpoints", err)
	}
	if err := s.upsert(ctx, scope, b); err != nil {
		return wrap("upsert endpoints", err)
	}
	return nil
}

// insertNew writes b in one round trip when every endpoint in it is new,
// and reports whether it did. It first asks, without a lock, whether any
// of b's IDs is stored; if none is (and every update applied to no
// endpoint), one pipelined batch begins, reserves the positions by
// advancing the app's next_pos (an UPDATE, which takes the same row lock as
// lockApp), inserts the endpoints at those positions, adds the attribute
// names, checks both quotas in SQL (a division by zero when one is
// exceeded aborts the transaction) and commits. An endpoint stored
// meanwhile (a unique violation) or a quota exceeded rolls it back and
// returns false: upsert then does the work with the exact error. An app
// not in scope writes nothing and is ENOTFOUND.
func (s *Store) insertNew(ctx context.Context, scope pinfold.Scope, b *upsertBatch) (bool, error) {
	if len(b.ids) == 0 {
		return false, nil
	}
	for _, f := range b.unfit {
		if f.err != nil {
			return false, nil
		}
	}
	var stored bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints
		WHERE app_pk = (SELECT pk FROM apps WHERE id = $1) AND id = ANY($2))`, b.appID, b.ids).Scan(&stored); err != nil {
		return false, err
	}
	if stored {
		return false, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()

	n := int64(len(b.ids))
	const app = `FROM apps a WHERE a.id = $1 AND a.account = $2 AND a.region = $3`
	w := &pgx.Batch{}
	w.Queue(`BEGIN`)
	w.Queue(`UPDATE apps SET next_pos = next_pos + $4 WHERE id = $1 AND account = $2 AND region = $3 RETURNING pk`,
		b.appID, scope.Account, scope.Region, n)
	w.Queue(`INSERT INTO endpoints (app_pk, id, pos, user_id, doc)
		SELECT a.pk, u.id, a.next_pos - $4 + u.ord, nullif(u.user_id, ''), u.doc
		FROM apps a, unnest($5::text[], $6::text[], $7::bytea[]) WITH ORDINALITY AS u (id, user_id, doc, ord)
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		b.appID, scope.Account, scope.Region, n, b.ids, b.users, pgtype.FlatArray[[]byte](b.docs))
	if names := attributeNames(b.updates); len(names) > 0 {
		kinds, ns := make([]string, len(names)), make([]string, len(names))
		for i, nm := range names {
			kinds[i], ns[i] = string(nm.kind), nm.name
		}
		w.Queue(`INSERT INTO attribute_names (app_pk, kind, name)
			SELECT a.pk, u.kind, u.name FROM apps a, unnest($4::text[], $5::text[]) AS u (kind, name)
			WHERE a.id = $1 AND a.account = $2 AND a.region = $3
			ON CONFLICT DO NOTHING`, b.appID, scope.Account, scope.Region, kinds, ns)
		w.Queue(`SELECT 1 / (CASE WHEN count(*) > $4 THEN 0 ELSE 1 END) FROM attribute_names
			WHERE app_pk = (SELECT a.pk `+app+`)`, b.appID, scope.Account, scope.Region, pinfold.MaxAttributeNamesInApp)
	}
	if users := b.namedUsers(); len(users) > 0 {
		w.Queue(`SELECT 1 / (CASE WHEN coalesce(max(c), 0) > $5 THEN 0 ELSE 1 END) FROM (
			SELECT count(*) AS c FROM endpoints WHERE app_pk = (SELECT a.pk `+app+`) AND user_id = ANY($4)
			GROUP BY user_id) x`, b.appID, scope.Account, scope.Region, users, pinfold.MaxEndpointsPerUser)
	}
	w.Queue(`COMMIT`)
	br := conn.SendBatch(ctx, w)
	found := true
	err = func() error {
		if _, err := br.Exec(); err != nil { // BEGIN
			return err
		}
		var pk int64
		if err := br.QueryRow().Scan(&pk); errors.Is(err, pgx.ErrNoRows) {
			found = false
		} else if err != nil {
			return err
		}
		for range w.Len() - 2 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// The transaction is aborted or was never committed.
		_, _ = conn.Exec(ctx, "ROLLBACK") // if it fails, Release closes the connection
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "22012") {
			return false, nil // stored meanwhile, or over a quota: the full path says which
		}
		return false, err
	}
	if !found {
		return true, errAppNotFound()
	}
	return true, nil
}

// upsert runs b's transaction on a connection of its own, with BEGIN and
// COMMIT inside its two batches. Whatever fails rolls back; a connection
// left inside a transaction (the ROLLBACK failed too) is closed by the
// pool when released.
func (s *Store) upsert(ctx context.Context, scope pinfold.Scope, b *upsertBatch) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.Exec(ctx, "ROLLBACK") // if it fails, Release closes the connection
		}
	}()

	names := attributeNames(b.updates)
	users := b.namedUsers()
	read := &pgx.Batch{}
	read.Queue(`BEGIN`)
	read.Queue(`SELECT pk, next_pos FROM apps WHERE id = $1 AND account = $2 AND region = $3 FOR NO KEY UPDATE`,
		b.appID, scope.Account, scope.Region)
	// The app's id is unique across scopes: the lock's query checks the
	// scope, the others find the app by id alone (no row if the scope
	// was wrong).
	const app = `(SELECT pk FROM apps WHERE id = $1)`
	if len(b.ids) > 0 {
		read.Queue(`SELECT id, pos, coalesce(user_id, ''), doc FROM endpoints
			WHERE app_pk = `+app+` AND id = ANY($2)`, b.appID, b.ids)
	}
	var kinds, ns []string
	if len(names) > 0 {
		kinds, ns = make([]string, len(names)), make([]string, len(names))
		for i, n := range names {
			kinds[i], ns[i] = string(n.kind), n.name
		}
		read.Queue(`SELECT count(*), count(*) FILTER (WHERE (kind, name) IN (SELECT * FROM unnest($2::text[], $3::text[])))
			FROM attribute_names WHERE app_pk = `+app, b.appID, kinds, ns)
	}
	if len(users) > 0 {
		read.Queue(`SELECT user_id, count(*) FROM endpoints WHERE app_pk = `+app+` AND user_id = ANY($2)
			GROUP BY user_id`, b.appID, users)
	}

	var (
		pk, next      int64
		rows          = make([]row, 0, len(b.ids))
		total, having int64                                // the app's attribute names, and how many of names it has
		counts        = make(map[string]int64, len(users)) // endpoints by user, of users
	)
	br := conn.SendBatch(ctx, read)
	err = func() error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		err := br.QueryRow().Scan(&pk, &next)
		if errors.Is(err, pgx.ErrNoRows) {
			return errAppNotFound()
		} else if err != nil {
			return err
		}
		if len(b.ids) > 0 {
			if rows, err = b.loadExisting(br, rows); err != nil {
				return err
			}
		}
		if len(names) > 0 {
			if err := br.QueryRow().Scan(&total, &having); err != nil {
				return err
			}
		}
		if len(users) > 0 {
			rs, err := br.Query()
			if err != nil {
				return err
			}
			var (
				u string
				n int64
			)
			if _, err := pgx.ForEachRow(rs, []any{&u, &n}, func() error { counts[u] = n; return nil }); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil || len(b.ids) == 0 {
		return err
	}

	rows = b.merge(rows)
	if b.err.err != nil {
		return b.err.err
	}
	added := int64(len(names)) - having
	if added > 0 && total+added > pinfold.MaxAttributeNamesInApp {
		return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgAttributeNamesQuota)
	}
	if err := checkUsers(rows, counts); err != nil {
		return err
	}
	w := b.write(pk, next, rows)
	if added > 0 {
		w.Queue(`INSERT INTO attribute_names (app_pk, kind, name)
			SELECT $1, u.kind, u.name FROM unnest($2::text[], $3::text[]) AS u (kind, name)
			ON CONFLICT DO NOTHING`, pk, kinds, ns)
	}
	w.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, w).Close(); err != nil {
		return err
	}
	committed = true
	return nil
}

// namedUsers returns the user IDs the updates set, each once: every user
// that can gain an endpoint.
func (b *upsertBatch) namedUsers() []string {
	var users []string
	seen := make(map[string]bool)
	for i := range b.updates {
		if u := b.updates[i].User; u != nil && u.UserID != nil && *u.UserID != "" && !seen[*u.UserID] {
			seen[*u.UserID] = true
			users = append(users, *u.UserID)
		}
	}
	return users
}

// checkUsers fails with EINVALID "Exceeded maximum endpoint per user
// count: 15" when a user that gains one of rows would have more than
// pinfold.MaxEndpointsPerUser endpoints. counts holds the stored counts of
// every user the updates name; rows are the rows to write, with the users
// they had (old) and get.
func checkUsers(rows []row, counts map[string]int64) error {
	var gained []string
	for _, r := range rows {
		if r.old == r.user {
			continue
		}
		if r.old != "" {
			counts[r.old]--
		}
		if r.user != "" {
			counts[r.user]++
			gained = append(gained, r.user)
		}
	}
	for _, u := range gained {
		if counts[u] > pinfold.MaxEndpointsPerUser {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgUserEndpointsQuota)
		}
	}
	return nil
}

// upsertBatch is one UpsertEndpoints call's work, by distinct ID (k).
type upsertBatch struct {
	appID   string
	updates []pinfold.EndpointUpdate
	now     time.Time
	index   map[string]int // ID -> k
	ids     []string       // by k, in order of first appearance
	first   []int          // by k: the ID's first update
	// What each ID becomes if it is new: its encoding (nil when an update
	// fails on no endpoint), its user, and why it cannot be inserted (an
	// update that fails on no endpoint, or a document over the size
	// limit; err nil when it can).
	docs  [][]byte
	users []string
	unfit []failure
	err   failure // the earliest update failure that stands; err.err nil: none
}

// failure is an update's error and the index of the update in the batch.
type failure struct {
	at  int
	err error
}

// row is an endpoint row as read, then as written: pos 0 is a new
// endpoint's until write gives it its position.
type row struct {
	k    int
	pos  int64
	old  string            // the stored user ("" for a new endpoint)
	e    *pinfold.Endpoint // the stored endpoint, decoded (nil for a new one)
	user string
	doc  []byte
}

// newUpsertBatch applies the updates to no endpoint and encodes the
// results: the work that needs no database, done before the transaction.
func newUpsertBatch(appID string, updates []pinfold.EndpointUpdate, now time.Time) *upsertBatch {
	b := &upsertBatch{appID: appID, updates: updates, now: now,
		index: make(map[string]int, len(updates)), ids: make([]string, 0, len(updates))}
	for i := range updates {
		if _, ok := b.index[updates[i].ID]; !ok {
			b.index[updates[i].ID] = len(b.ids)
			b.ids = append(b.ids, updates[i].ID)
			b.first = append(b.first, i)
		}
	}
	fresh := make([]*pinfold.Endpoint, len(b.ids))
	b.docs = make([][]byte, len(b.ids))
	b.users = make([]string, len(b.ids))
	b.unfit = make([]failure, len(b.ids))
	for i := range updates {
		k := b.index[updates[i].ID]
		if b.unfit[k].err != nil {
			continue
		}
		e, err := pinfold.Apply(appID, fresh[k], &updates[i], now)
		if err != nil {
			fresh[k], b.unfit[k] = nil, failure{i, err}
			continue
		}
		fresh[k] = e
	}
	// One buffer; docs[k] stays valid when it grows.
	buf := make([]byte, 0, len(b.ids)*1024)
	for k, e := range fresh {
		if e == nil {
			continue
		}
		start := len(buf)
		buf = codec.AppendEndpoint(buf, e)
		b.docs[k] = buf[start:len(buf):len(buf)]
		b.users[k] = e.UserID()
		if err := checkSize(e.ID, b.docs[k]); err != nil {
			b.unfit[k] = failure{b.first[k], err}
		}
	}
	return b
}

// fail records f, keeping the earliest update's failure.
func (b *upsertBatch) fail(f failure) {
	if b.err.err == nil || f.at < b.err.at {
		b.err = f
	}
}

// loadExisting reads the batch's existing rows from br (id, pos, user,
// doc) into rows, decoding each document from the driver's buffer.
func (b *upsertBatch) loadExisting(br pgx.BatchResults, rows []row) ([]row, error) {
	rs, err := br.Query()
	if err != nil {
		return rows, err
	}
	defer rs.Close()
	for rs.Next() {
		var (
			id  string
			r   row
			doc pgtype.DriverBytes
		)
		if err := rs.Scan(&id, &r.pos, &r.old, &doc); err != nil {
			return rows, err
		}
		r.k = b.index[id]
		if r.e, err = decode(doc, b.appID, id); err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, rs.Err()
}

// merge returns the rows to write: the existing rows with their updates
// applied in order and re-encoded, then the new endpoints' documents. It
// records the earliest failure in b.err (and then the rows mean nothing).
func (b *upsertBatch) merge(existing []row) []row {
	found := make([]int, len(b.ids)) // by k: 1 + index in existing, 0 when new
	for i, r := range existing {
		found[r.k] = i + 1
	}
	// The existing endpoints, merged in update order.
	eps := make([]*pinfold.Endpoint, len(b.ids))
	failed := make([]bool, len(b.ids))
	for _, r := range existing {
		eps[r.k] = r.e
	}
	for i := range b.updates {
		k := b.index[b.updates[i].ID]
		if found[k] == 0 || failed[k] {
			continue
		}
		e, err := pinfold.Apply(b.appID, eps[k], &b.updates[i], b.now)
		if err != nil {
			failed[k] = true
			b.fail(failure{i, err})
			continue
		}
		eps[k] = e
	}
	rows := existing
	buf := make([]byte, 0, len(existing)*1024)
	for i := range rows {
		r := &rows[i]
		if failed[r.k] {
			continue
		}
		e := eps[r.k]
		start := len(buf)
		buf = codec.AppendEndpoint(buf, e)
		r.doc = buf[start:len(buf):len(buf)]
		if err := checkSize(e.ID, r.doc); err != nil {
			b.fail(failure{b.first[r.k], err})
		}
		r.user = e.UserID()
	}
	for k := range b.ids {
		if found[k] != 0 {
			continue
		}
		if f := b.unfit[k]; f.err != nil {
			b.fail(f)
			continue
		}
		rows = append(rows, row{k: k, user: b.users[k], doc: b.docs[k]})
	}
	return rows
}

// write returns a batch that writes rows: one INSERT ... SELECT FROM
// unnest for the new endpoints, one UPDATE ... FROM unnest for the existing
// ones, and the app's new next_pos. The app's lock makes the rows read the
// truth until commit, so neither needs ON CONFLICT, whose speculative
// insertion cost 50-80% more server time than a plain INSERT or UPDATE of
// 100 rows. New endpoints, in order of first appearance, take the
// positions after next.
func (b *upsertBatch) write(pk, next int64, rows []row) *pgx.Batch {
	var ins, upd cols
	pos := next
	for _, r := range rows {
		if r.pos == 0 {
			pos++
			ins.add(b.ids[r.k], pos, r.user, r.doc)
		} else {
			upd.add("", r.pos, r.user, r.doc)
		}
	}
	w := &pgx.Batch{}
	if len(ins.pos) > 0 {
		w.Queue(`INSERT INTO endpoints (app_pk, id, pos, user_id, doc)
			SELECT $1, u.id, u.pos, nullif(u.user_id, ''), u.doc
			FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bytea[]) AS u (id, pos, user_id, doc)`,
			pk, ins.ids, ins.pos, ins.users, pgtype.FlatArray[[]byte](ins.docs))
	}
	if len(upd.pos) > 0 {
		w.Queue(`UPDATE endpoints e SET doc = u.doc, user_id = nullif(u.user_id, '')
			FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS u (pos, user_id, doc)
			WHERE e.app_pk = $1 AND e.pos = u.pos`,
			pk, upd.pos, upd.users, pgtype.FlatArray[[]byte](upd.docs))
	}
	if pos > next {
		w.Queue(`UPDATE apps SET next_pos = $2 WHERE pk = $1`, pk, pos)
	}
	return w
}

// cols holds rows to write as the columns the statements unnest.
type cols struct {
	ids   []string
	pos   []int64
	users []string
	docs  [][]byte
}

func (c *cols) add(id string, pos int64, user string, doc []byte) {
	if id != "" {
		c.ids = append(c.ids, id)
	}
	c.pos = append(c.pos, pos)
	c.users = append(c.users, user)
	c.docs = append(c.docs, doc)
}

// checkSize fails when doc, the encoding of endpoint id, is over the limit.
func checkSize(id string, doc []byte) error {
	if len(doc) > pinfold.MaxEndpointBytes {
		return pinfold.Errorf(pinfold.EINVALID, "Endpoint %s is %d bytes: the maximum is %d",
			id, len(doc), pinfold.MaxEndpointBytes)
	}
	return nil
}

// attrName is a custom attribute name of one kind.
type attrName struct {
	kind pinfold.AttributeKind
	name string
}

// attributeNames returns the distinct custom attribute names the updates
// set (a name given an empty list removes the attribute: not counted).
func attributeNames(updates []pinfold.EndpointUpdate) []attrName {
	var names []attrName
	seen := make(map[attrName]bool)
	add := func(kind pinfold.AttributeKind, n string) {
		if k := (attrName{kind, n}); !seen[k] {
			seen[k] = true
			names = append(names, k)
		}
	}
	for i := range updates {
		u := &updates[i]
		for n, v := range u.Attributes {
			if len(v) > 0 {
				add(pinfold.EndpointCustomAttributes, n)
			}
		}
		for n := range u.Metrics {
			add(pinfold.EndpointMetricAttributes, n)
		}
		if u.User != nil {
			for n, v := range u.User.UserAttributes {
				if len(v) > 0 {
					add(pinfold.EndpointUserAttributes, n)
				}
			}
		}
	}
	return names
}

// decode decodes a stored document of endpoint id of app appID.
func decode(doc []byte, appID, id string) (*pinfold.Endpoint, error) {
	e := new(pinfold.Endpoint)
	if err := codec.DecodeEndpoint(doc, e); err != nil {
		return nil, fmt.Errorf("decode endpoint %s: %w", id, err)
	}
	e.AppID, e.ID = appID, id
	return e, nil
}

// GetEndpoint returns one endpoint. ENOTFOUND "Application not found" or
// "Resource not found".
func (s *Store) GetEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	doc, err := s.GetEndpointLine(ctx, scope, appID, endpointID, nil)
	if err != nil {
		return nil, err
	}
	return decode(doc, appID, endpointID)
}

// GetEndpointLine appends the stored line of one endpoint to dst, in one
// query: the app's row joined to the endpoint's, so that a missing app and
// a missing endpoint are told apart. Errors as GetEndpoint.
func (s *Store) GetEndpointLine(ctx context.Context, scope pinfold.Scope, appID, endpointID string, dst []byte) ([]byte, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.doc FROM apps a
		LEFT JOIN endpoints e ON e.app_pk = a.pk AND e.id = $4
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		pgx.QueryResultFormats{pgx.BinaryFormatCode}, appID, scope.Account, scope.Region, endpointID)
	if err != nil {
		return dst, wrap("get endpoint", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return dst, wrap("get endpoint", err)
		}
		return dst, errAppNotFound()
	}
	doc := rows.RawValues()[0] // bytea in binary format: the bytes
	if doc == nil {
		return dst, errResourceNotFound()
	}
	dst = append(dst, doc...)
	rows.Close()
	if err := rows.Err(); err != nil {
		return dst, wrap("get endpoint", err)
	}
	return dst, nil
}

// GetEndpoints returns the app's endpoints of ids, by ID, with one query:
// the app's row joined to its endpoints whose id = ANY of the IDs, so that
// a missing app is told apart. IDs without an endpoint, or that no
// endpoint could have (which text would refuse), are absent. ENOTFOUND
// "Application not found".
func (s *Store) GetEndpoints(ctx context.Context, scope pinfold.Scope, appID string, ids []string) (map[string]*pinfold.Endpoint, error) {
	list := make([]string, 0, len(ids))
	for _, id := range ids {
		if pinfold.ValidEndpointID(id) {
			list = append(list, id)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.doc FROM apps a
		LEFT JOIN endpoints e ON e.app_pk = a.pk AND e.id = ANY($4::text[])
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		appID, scope.Account, scope.Region, list)
	if err != nil {
		return nil, wrap("get endpoints", err)
	}
	defer rows.Close()
	out := make(map[string]*pinfold.Endpoint, len(list))
	found := false
	for rows.Next() {
		found = true
		var (
			id  *string
			doc []byte
		)
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, wrap("get endpoints", err)
		}
		if id == nil { // the outer join's row: no endpoint
			continue
		}
		e, err := decode(doc, appID, *id)
		if err != nil {
			return nil, err
		}
		out[*id] = e
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("get endpoints", err)
	}
	if !found {
		return nil, errAppNotFound()
	}
	return out, nil
}

// DeleteEndpoint removes one endpoint and returns it as it was. It holds
// the app's lock (lockApp), as every write of the app's endpoints does, so
// that it never lands between an upsert's read and its write. ENOTFOUND
// "Application not found" or "Resource not found".
func (s *Store) DeleteEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	var e *pinfold.Endpoint
	err := s.write(ctx, "delete endpoint", func(tx pgx.Tx) error {
		pk, _, err := lockApp(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		var doc []byte
		err = tx.QueryRow(ctx, `DELETE FROM endpoints WHERE app_pk = $1 AND id = $2 RETURNING doc`,
			pk, endpointID).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return errResourceNotFound()
		} else if err != nil {
			return err
		}
		e, err = decode(doc, appID, endpointID)
		return err
	})
	return e, err
}

// GetUserEndpoints returns the endpoints whose User.UserId is userID, oldest
// first, with one query. ENOTFOUND "Application not found", or "Resource
// not found" when there are none.
func (s *Store) GetUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.pos, e.id, e.doc FROM apps a
		LEFT JOIN endpoints e ON e.app_pk = a.pk AND e.user_id = $4
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		appID, scope.Account, scope.Region, userID)
	if err != nil {
		return nil, wrap("get user endpoints", err)
	}
	eps, err := userEndpoints(rows, appID, true)
	if err != nil {
		return nil, wrap("get user endpoints", err)
	}
	return eps, nil
}

// DeleteUserEndpoints removes the user's endpoints and returns them, oldest
// first, holding the app's lock like DeleteEndpoint. ENOTFOUND
// "Application not found", or "Resource not found" when there are none.
func (s *Store) DeleteUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	var eps []*pinfold.Endpoint
	err := s.write(ctx, "delete user endpoints", func(tx pgx.Tx) error {
		pk, _, err := lockApp(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM endpoints WHERE app_pk = $1 AND user_id = $2 RETURNING pos, id, doc`,
			pk, userID)
		if err != nil {
			return err
		}
		eps, err = userEndpoints(rows, appID, false)
		return err
	})
	return eps, err
}

// userEndpoints decodes rows of (pos, id, doc) of a user's endpoints, in
// pos order, and closes rows. A row of NULLs (the outer join's, when
// joined is true) is no endpoint. ENOTFOUND "Resource not found" when
// there are none.
func userEndpoints(rows pgx.Rows, appID string, joined bool) ([]*pinfold.Endpoint, error) {
	defer rows.Close()
	type found struct {
		pos int64
		e   *pinfold.Endpoint
	}
	var (
		got  []found
		seen bool // a row: the app exists
		pos  *int64
		id   *string
		doc  []byte
	)
	for rows.Next() {
		seen = true
		if err := rows.Scan(&pos, &id, &doc); err != nil {
			return nil, err
		}
		if pos == nil {
			continue
		}
		e, err := decode(doc, appID, *id)
		if err != nil {
			return nil, err
		}
		got = append(got, found{*pos, e})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if joined && !seen {
		return nil, errAppNotFound()
	}
	if len(got) == 0 {
		return nil, errResourceNotFound()
	}
	// Neither the join nor RETURNING gives an order.
	slices.SortFunc(got, func(a, b found) int { return cmp.Compare(a.pos, b.pos) })
	eps := make([]*pinfold.Endpoint, len(got))
	for i, f := range got {
		eps[i] = f.e
	}
	return eps, nil
}

// RemoveAttributes removes the named attributes of kind from every endpoint
// of the app and from the app's attribute names, in one transaction holding
// the app's lock, and returns the names it removed (those the app had, on
// an endpoint or among its names), in the order given. It walks the app's
// endpoints in position order, a page at a time, and rewrites each page's
// changed endpoints with one UPDATE. ENOTFOUND "Application not found";
// EINVALID for an unknown kind.
func (s *Store) RemoveAttributes(ctx context.Context, scope pinfold.Scope, appID string, kind pinfold.AttributeKind, names []string) ([]string, error) {
	switch kind {
	case pinfold.EndpointCustomAttributes, pinfold.EndpointMetricAttributes, pinfold.EndpointUserAttributes:
	default:
		return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid attribute type %q", kind)
	}
	var removed []string
	err := s.write(ctx, "remove attributes", func(tx pgx.Tx) error {
		removed = nil
		pk, _, err := lockApp(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		found := make(map[string]bool, len(names))
		rows, err := tx.Query(ctx, `DELETE FROM attribute_names WHERE app_pk = $1 AND kind = $2 AND name = ANY($3)
			RETURNING name`, pk, string(kind), names)
		if err != nil {
			return err
		}
		ns, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, n := range ns {
			found[n] = true
		}
		if err := removeFromEndpoints(ctx, tx, pk, appID, kind, names, found); err != nil {
			return err
		}
		for _, n := range names {
			if found[n] && !slices.Contains(removed, n) {
				removed = append(removed, n)
			}
		}
		return nil
	})
	return removed, err
}

// removeFromEndpoints rewrites the endpoints of the app that have one of
// names, marking in found the names it met. It reads the app in pos order,
// a page at a time (keyset on (app_pk, pos)), so no more than a page of
// documents is in memory.
func removeFromEndpoints(ctx context.Context, tx pgx.Tx, pk int64, appID string, kind pinfold.AttributeKind, names []string, found map[string]bool) error {
	const page = 1000
	var (
		after int64
		poss  []int64
		docs  [][]byte
		buf   []byte
	)
	for {
		rows, err := tx.Query(ctx, `SELECT pos, id, doc FROM endpoints
			WHERE app_pk = $1 AND pos > $2 ORDER BY pos LIMIT $3`,
			pgx.QueryResultFormats{pgx.BinaryFormatCode}, pk, after, page)
		if err != nil {
			return err
		}
		n := 0
		poss, docs, buf = poss[:0], docs[:0], buf[:0]
		for rows.Next() {
			var id string
			if err := rows.Scan(&after, &id, nil); err != nil {
				rows.Close()
				return err
			}
			n++
			e, err := decode(rows.RawValues()[2], appID, id)
			if err != nil {
				rows.Close()
				return err
			}
			if countAttrs(e, kind, names, found) == 0 || !e.RemoveAttributes(kind, names) {
				continue
			}
			start := len(buf)
			buf = codec.AppendEndpoint(buf, e)
			poss = append(poss, after)
			docs = append(docs, buf[start:len(buf):len(buf)])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(poss) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE endpoints e SET doc = u.doc
				FROM unnest($2::bigint[], $3::bytea[]) AS u (pos, doc)
				WHERE e.app_pk = $1 AND e.pos = u.pos`, pk, poss, pgtype.FlatArray[[]byte](docs)); err != nil {
				return err
			}
		}
		if n < page {
			return nil
		}
	}
}

// countAttrs returns how many of names e has in kind, marking them in found.
func countAttrs(e *pinfold.Endpoint, kind pinfold.AttributeKind, names []string, found map[string]bool) int {
	c := 0
	for _, n := range names {
		var ok bool
		switch kind {
		case pinfold.EndpointCustomAttributes:
			_, ok = e.Attributes[n]
		case pinfold.EndpointMetricAttributes:
			_, ok = e.Metrics[n]
		case pinfold.EndpointUserAttributes:
			if e.User != nil {
				_, ok = e.User.UserAttributes[n]
			}
		}
		if ok {
			found[n] = true
			c++
		}
	}
	return c
}
