package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pinfold/pinfold"
)

// chunk is the most rows one statement reads or writes: it bounds the number
// of statement shapes cached (one per length) and the bound parameters.
const chunk = 100

// UpsertEndpoints applies every update in one writer transaction: all or
// none. An ID named twice gets both updates, in order. Errors:
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
// # Insert first
//
// The writer connection is the one thing every write waits for, so the
// work done while holding it is kept to what must be. Before taking it,
// each ID's updates are applied to no endpoint and encoded: the document
// the endpoint gets if it is new, which is what most batches (and every
// import into a new app) hold. Holding the writer, multi-row INSERT ... ON
// CONFLICT DO NOTHING RETURNING id statements (100 rows each, in ID order)
// write those documents and report which IDs were new. Only the IDs not
// inserted are read,
// merged with pinfold.Apply in order and updated in place by seq, keeping
// their position. A new endpoint therefore costs one index descent (the
// insert's) instead of two (a lookup, then the insert), and no decode.
func (s *Store) UpsertEndpoints(ctx context.Context, scope pinfold.Scope, appID string, updates []pinfold.EndpointUpdate, now time.Time) error {
	b := newUpsertBatch(appID, updates, now)
	return s.write(ctx, "upsert endpoints", func(ctx context.Context, tx wtx) error {
		pk, err := tx.appPK(ctx, scope, appID)
		if err != nil || len(updates) == 0 {
			return err
		}
		inserted, err := insertNew(ctx, tx, pk, b)
		if err != nil {
			return err
		}
		if err := s.mergeExisting(ctx, tx, pk, b, inserted); err != nil {
			return err
		}
		if b.err.err != nil {
			return b.err.err
		}
		if err := addAttributeNames(ctx, tx, pk, attributeNames(updates)); err != nil {
			return err
		}
		if len(b.gained) > 0 {
			return checkUserQuota(ctx, tx, pk, b.gained)
		}
		return nil
	})
}

// upsertBatch is one UpsertEndpoints call's work, by distinct ID (k).
type upsertBatch struct {
	appID   string
	updates []pinfold.EndpointUpdate
	now     time.Time
	index   map[string]int // ID -> k
	ids     []string       // by k, in order of first appearance
	// What each ID becomes if it is new: its encoding (nil when an update
	// fails on no endpoint), its user, and why it cannot be inserted (an
	// update that fails on no endpoint, or a document over the size
	// limit; err nil when it can). The endpoints themselves are dropped
	// once encoded: a batch of an import waits for the writer with 10,000
	// of these.
	docs      [][]byte
	users     []string
	unfit     []failure
	err       failure  // the earliest update failure that stands; err.err nil: none
	gained    []string // users that gain an endpoint, each once
	gainedSet map[string]bool
}

// failure is an update's error and the index of the update in the batch.
type failure struct {
	at  int
	err error
}

// newUpsertBatch applies the updates to no endpoint and encodes the
// results: the work that needs no store.
func newUpsertBatch(appID string, updates []pinfold.EndpointUpdate, now time.Time) *upsertBatch {
	b := &upsertBatch{appID: appID, updates: updates, now: now,
		index: make(map[string]int, len(updates)), ids: make([]string, 0, len(updates))}
	for i := range updates {
		if _, ok := b.index[updates[i].ID]; !ok {
			b.index[updates[i].ID] = len(b.ids)
			b.ids = append(b.ids, updates[i].ID)
		}
	}
	fresh := make([]*pinfold.Endpoint, len(b.ids))
	b.docs = make([][]byte, len(b.ids))
	b.users = make([]string, len(b.ids))
	b.unfit = make([]failure, len(b.ids))
	first := make([]int, len(b.ids)) // each ID's first update
	for i := len(updates) - 1; i >= 0; i-- {
		first[b.index[updates[i].ID]] = i
	}
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
			b.unfit[k] = failure{first[k], err}
		}
	}
	return b
}

// gain records that user u (if any) gains an endpoint.
func (b *upsertBatch) gain(u string) {
	if u == "" || b.gainedSet[u] {
		return
	}
	if b.gainedSet == nil {
		b.gainedSet = make(map[string]bool)
	}
	b.gainedSet[u] = true
	b.gained = append(b.gained, u)
}

// fail records f, keeping the earliest update's failure.
func (b *upsertBatch) fail(f failure) {
	if b.err.err == nil || f.at < b.err.at {
		b.err = f
	}
}

// checkSize fails when doc, the encoding of endpoint id, is over the limit.
func checkSize(id string, doc []byte) error {
	if len(doc) > pinfold.MaxEndpointBytes {
		return pinfold.Errorf(pinfold.EINVALID, "Endpoint %s is %d bytes: the maximum is %d",
			id, len(doc), pinfold.MaxEndpointBytes)
	}
	return nil
}

// insertNew inserts the documents of the IDs whose updates all applied to
// no endpoint, leaving alone those that exist, and returns which were
// inserted (by k). A document over the size limit is not inserted: if its
// endpoint is new, that is the batch's error.
func insertNew(ctx context.Context, tx wtx, pk int64, b *upsertBatch) ([]bool, error) {
	inserted := make([]bool, len(b.ids))
	var ks []int
	for k := range b.docs {
		if b.unfit[k].err == nil {
			ks = append(ks, k)
		}
	}
	// In ID order, consecutive inserts land on the same index pages: a
	// large batch (an import's) then finds each page in the cache.
	slices.SortFunc(ks, func(x, y int) int { return cmp.Compare(b.ids[x], b.ids[y]) })
	args := make([]any, 0, 4*chunk)
	for lo := 0; lo < len(ks); lo += chunk {
		part := ks[lo:min(lo+chunk, len(ks))]
		args = args[:0]
		for _, k := range part {
			args = append(args, pk, b.ids[k], nullable(b.users[k]), b.docs[k])
		}
		st, err := tx.stmt(ctx, `INSERT INTO endpoints (app_pk, id, user_id, doc) VALUES `+placeholders(len(part), 4)+`
			ON CONFLICT (app_pk, id) DO NOTHING RETURNING id`)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			k := b.index[id]
			inserted[k] = true
			b.gain(b.users[k])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return inserted, nil
}

// mergeExisting handles the IDs insertNew did not insert: an existing
// endpoint gets its updates merged in order and is rewritten in place; an
// ID that does not exist is new after all, and its failure (an update
// that needs an existing endpoint, a document too large) stands.
func (s *Store) mergeExisting(ctx context.Context, tx wtx, pk int64, b *upsertBatch, inserted []bool) error {
	var rest []string
	for k, id := range b.ids {
		if !inserted[k] {
			rest = append(rest, id)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	eps := make([]*pinfold.Endpoint, len(b.ids))
	old := make([]stored, len(b.ids))
	if err := s.loadForUpdate(ctx, tx, pk, b.appID, rest, b.index, eps, old); err != nil {
		return err
	}
	failed := make([]bool, len(b.ids))
	for i := range b.updates {
		k := b.index[b.updates[i].ID]
		if inserted[k] || failed[k] {
			continue
		}
		if old[k].seq == 0 { // not stored: why it was not inserted stands
			failed[k] = true
			f := b.unfit[k]
			if f.err == nil { // inserted, or found: cannot be neither
				f = failure{i, fmt.Errorf("endpoint %s was neither inserted nor found", b.ids[k])}
			}
			b.fail(f)
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
	if b.err.err != nil {
		return nil
	}
	buf := make([]byte, 0, len(rest)*1024)
	for k, e := range eps {
		if e == nil || inserted[k] {
			continue
		}
		start := len(buf)
		buf = codec.AppendEndpoint(buf, e)
		doc := buf[start:len(buf):len(buf)]
		if err := checkSize(e.ID, doc); err != nil {
			return err
		}
		var err error
		if u := e.UserID(); u == old[k].user {
			err = exec(ctx, tx, `UPDATE endpoints SET doc = ? WHERE seq = ?`, doc, old[k].seq)
		} else {
			b.gain(u)
			err = exec(ctx, tx, `UPDATE endpoints SET user_id = ?, doc = ? WHERE seq = ?`, nullable(u), doc, old[k].seq)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stored is what UpsertEndpoints needs of an endpoint's row besides its
// document: its position and user.
type stored struct {
	seq  int64
	user string
}

// loadForUpdate decodes the stored endpoints among ids into eps, and their
// rows into old, by the positions in index.
func (s *Store) loadForUpdate(ctx context.Context, tx wtx, pk int64, appID string, ids []string, index map[string]int, eps []*pinfold.Endpoint, old []stored) error {
	args := make([]any, 0, chunk+1)
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		st, err := tx.stmt(ctx, `SELECT seq, id, user_id, doc FROM endpoints
			WHERE app_pk = ? AND id IN (`+placeholders(len(part), 1)+`)`)
		if err != nil {
			return err
		}
		args = append(args[:0], pk)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				seq  int64
				id   string
				user sql.NullString
				doc  sql.RawBytes
			)
			if err := rows.Scan(&seq, &id, &user, &doc); err != nil {
				rows.Close()
				return err
			}
			e, err := s.decode(doc, appID, id)
			if err != nil {
				rows.Close()
				return err
			}
			k := index[id]
			eps[k], old[k] = e, stored{seq, user.String}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// exec runs query, prepared once on the writer, in tx.
func exec(ctx context.Context, tx wtx, query string, args ...any) error {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// nullable returns nil (NULL) for "" and s otherwise.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// decode decodes a stored document of endpoint id of app appID.
func (s *Store) decode(doc []byte, appID, id string) (*pinfold.Endpoint, error) {
	e := new(pinfold.Endpoint)
	if err := codec.DecodeEndpoint(doc, e); err != nil {
		return nil, fmt.Errorf("decode endpoint %s: %w", id, err)
	}
	e.AppID, e.ID = appID, id
	return e, nil
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

// addAttributeNames records names and, when one is new to the app,
// enforces pinfold.MaxAttributeNamesInApp.
func addAttributeNames(ctx context.Context, tx wtx, pk int64, names []attrName) error {
	var added int64
	args := make([]any, 0, 3*chunk)
	for lo := 0; lo < len(names); lo += chunk {
		hi := min(lo+chunk, len(names))
		args = args[:0]
		for _, n := range names[lo:hi] {
			args = append(args, pk, string(n.kind), n.name)
		}
		st, err := tx.stmt(ctx, `INSERT OR IGNORE INTO attribute_names (app_pk, kind, name) VALUES `+placeholders(hi-lo, 3))
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		added += n
	}
	if added == 0 {
		return nil
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM attribute_names WHERE app_pk = ?`, pk).Scan(&total); err != nil {
		return err
	}
	if total > pinfold.MaxAttributeNamesInApp {
		return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgAttributeNamesQuota)
	}
	return nil
}

// checkUserQuota fails when one of users has more than
// pinfold.MaxEndpointsPerUser endpoints.
func checkUserQuota(ctx context.Context, tx wtx, pk int64, users []string) error {
	args := make([]any, 0, chunk+2)
	for lo := 0; lo < len(users); lo += chunk {
		part := users[lo:min(lo+chunk, len(users))]
		args = append(args[:0], pk)
		for _, u := range part {
			args = append(args, u)
		}
		args = append(args, pinfold.MaxEndpointsPerUser)
		st, err := tx.stmt(ctx, `SELECT user_id FROM endpoints WHERE app_pk = ? AND user_id IN (`+placeholders(len(part), 1)+`)
			GROUP BY user_id HAVING count(*) > ? LIMIT 1`)
		if err != nil {
			return err
		}
		var u string
		err = st.QueryRowContext(ctx, args...).Scan(&u)
		if err == nil {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgUserEndpointsQuota)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// GetEndpoint returns one endpoint. ENOTFOUND "Application not found" or
// "Resource not found".
func (s *Store) GetEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	doc, err := s.GetEndpointLine(ctx, scope, appID, endpointID, nil)
	if err != nil {
		return nil, err
	}
	return s.decode(doc, appID, endpointID)
}

// GetEndpointLine appends the stored line of one endpoint to dst. Errors as
// GetEndpoint.
func (s *Store) GetEndpointLine(ctx context.Context, scope pinfold.Scope, appID, endpointID string, dst []byte) ([]byte, error) {
	a, err := s.app(ctx, scope, appID)
	if err != nil {
		return dst, wrap("get endpoint", err)
	}
	dst, err = s.pointBlob(ctx, getEndpointQuery, dst, a.pk, endpointID)
	if errors.Is(err, sql.ErrNoRows) {
		return dst, errResourceNotFound()
	} else if err != nil {
		return dst, wrap("get endpoint", err)
	}
	return dst, nil
}

const getEndpointQuery = `SELECT doc FROM endpoints WHERE app_pk = ? AND id = ?`

// GetEndpoints returns the app's endpoints of ids, by ID, with one query:
// the IDs go as one JSON array, whose elements json_each gives to the
// (app_pk, id) key's lookups. IDs without an endpoint, or that no
// endpoint could have, are absent. ENOTFOUND "Application not found".
func (s *Store) GetEndpoints(ctx context.Context, scope pinfold.Scope, appID string, ids []string) (map[string]*pinfold.Endpoint, error) {
	a, err := s.app(ctx, scope, appID)
	if err != nil {
		return nil, wrap("get endpoints", err)
	}
	list := make([]string, 0, len(ids))
	for _, id := range ids {
		if pinfold.ValidEndpointID(id) { // json.Marshal would change invalid UTF-8
			list = append(list, id)
		}
	}
	out := make(map[string]*pinfold.Endpoint, len(list))
	if len(list) == 0 {
		return out, nil
	}
	arr, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("get endpoints: %w", err)
	}
	err = s.pointQuery(ctx, getEndpointsQuery, []any{a.pk, string(arr)}, func(sc scanner) error {
		var (
			id  string
			doc []byte
		)
		if err := sc.Scan(&id, &doc); err != nil {
			return err
		}
		e, err := s.decode(doc, appID, id)
		if err != nil {
			return err
		}
		out[id] = e
		return nil
	})
	if err != nil {
		return nil, wrap("get endpoints", err)
	}
	return out, nil
}

const getEndpointsQuery = `SELECT id, doc FROM endpoints
	WHERE app_pk = ? AND id IN (SELECT value FROM json_each(?))`

// DeleteEndpoint removes one endpoint and returns it as it was. ENOTFOUND
// "Application not found" or "Resource not found".
func (s *Store) DeleteEndpoint(ctx context.Context, scope pinfold.Scope, appID, endpointID string) (*pinfold.Endpoint, error) {
	var e *pinfold.Endpoint
	err := s.write(ctx, "delete endpoint", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		var doc []byte
		err = tx.QueryRowContext(ctx, `DELETE FROM endpoints WHERE app_pk = ? AND id = ? RETURNING doc`,
			pk, endpointID).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return errResourceNotFound()
		} else if err != nil {
			return err
		}
		e, err = s.decode(doc, appID, endpointID)
		return err
	})
	return e, err
}

// GetUserEndpoints returns the endpoints whose User.UserId is userID, oldest
// first. ENOTFOUND "Application not found", or "Resource not found" when
// there are none.
func (s *Store) GetUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	var eps []*pinfold.Endpoint
	err := s.read(ctx, "get user endpoints", func(tx *sql.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		eps, err = s.userEndpoints(ctx, tx, `SELECT seq, id, doc FROM endpoints
			WHERE app_pk = ? AND user_id = ? ORDER BY seq`, pk, appID, userID)
		return err
	})
	return eps, err
}

// DeleteUserEndpoints removes the user's endpoints and returns them, oldest
// first. ENOTFOUND "Application not found", or "Resource not found" when
// there are none.
func (s *Store) DeleteUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	var eps []*pinfold.Endpoint
	err := s.write(ctx, "delete user endpoints", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		eps, err = s.userEndpoints(ctx, tx, `DELETE FROM endpoints
			WHERE app_pk = ? AND user_id = ? RETURNING seq, id, doc`, pk, appID, userID)
		return err
	})
	return eps, err
}

// userEndpoints runs query, which returns (seq, id, doc) rows of the user's
// endpoints, and decodes them in seq order.
func (s *Store) userEndpoints(ctx context.Context, tx querier, query string, pk int64, appID, userID string) ([]*pinfold.Endpoint, error) {
	if userID == "" {
		return nil, errResourceNotFound()
	}
	rows, err := tx.QueryContext(ctx, query, pk, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type row struct {
		seq int64
		e   *pinfold.Endpoint
	}
	var got []row
	for rows.Next() {
		var (
			r   row
			id  string
			doc sql.RawBytes
		)
		if err := rows.Scan(&r.seq, &id, &doc); err != nil {
			return nil, err
		}
		if r.e, err = s.decode(doc, appID, id); err != nil {
			return nil, err
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, errResourceNotFound()
	}
	// RETURNING gives no order.
	slices.SortFunc(got, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	eps := make([]*pinfold.Endpoint, len(got))
	for i, r := range got {
		eps[i] = r.e
	}
	return eps, nil
}

// RemoveAttributes removes the named attributes of kind from every endpoint
// of the app and from the app's attribute names, in one transaction, and
// returns the names it removed (those the app had, on an endpoint or among
// its names), in the order given. It decodes every endpoint of the app, so
// it holds the writer for a time proportional to the app's size.
// ENOTFOUND "Application not found"; EINVALID for an unknown kind.
func (s *Store) RemoveAttributes(ctx context.Context, scope pinfold.Scope, appID string, kind pinfold.AttributeKind, names []string) ([]string, error) {
	switch kind {
	case pinfold.EndpointCustomAttributes, pinfold.EndpointMetricAttributes, pinfold.EndpointUserAttributes:
	default:
		return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid attribute type %q", kind)
	}
	var removed []string
	err := s.write(ctx, "remove attributes", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		found := make(map[string]bool, len(names))
		for _, n := range names {
			res, err := tx.ExecContext(ctx, `DELETE FROM attribute_names WHERE app_pk = ? AND kind = ? AND name = ?`,
				pk, string(kind), n)
			if err != nil {
				return err
			}
			if c, err := res.RowsAffected(); err != nil {
				return err
			} else if c > 0 {
				found[n] = true
			}
		}
		if err := s.removeFromEndpoints(ctx, tx, pk, appID, kind, names, found); err != nil {
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
// names, marking in found the names it met. It walks the app in seq order,
// chunk by chunk, so no more than a chunk of documents is in memory.
func (s *Store) removeFromEndpoints(ctx context.Context, tx wtx, pk int64, appID string, kind pinfold.AttributeKind, names []string, found map[string]bool) error {
	const page = 1000
	type change struct {
		seq int64
		doc []byte
	}
	var (
		after   int64
		changes []change
		buf     []byte
	)
	for {
		rows, err := tx.QueryContext(ctx, `SELECT seq, id, doc FROM endpoints
			WHERE +app_pk = ? AND seq > ? ORDER BY seq LIMIT ?`, pk, after, page)
		if err != nil {
			return err
		}
		n := 0
		changes, buf = changes[:0], buf[:0]
		for rows.Next() {
			var (
				id  string
				doc sql.RawBytes
			)
			if err := rows.Scan(&after, &id, &doc); err != nil {
				rows.Close()
				return err
			}
			n++
			e, err := s.decode(doc, appID, id)
			if err != nil {
				rows.Close()
				return err
			}
			before := countAttrs(e, kind, names, found)
			if before == 0 || !e.RemoveAttributes(kind, names) {
				continue
			}
			start := len(buf)
			buf = codec.AppendEndpoint(buf, e)
			changes = append(changes, change{after, buf[start:len(buf):len(buf)]})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range changes {
			if err := exec(ctx, tx, `UPDATE endpoints SET doc = ? WHERE seq = ?`, c.doc, c.seq); err != nil {
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
