package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
)

// Interface guards.
var (
	_ pinfold.OutboxStore = (*Store)(nil)
	_ pinfold.OTPStore    = (*Store)(nil)
)

// messageSelect selects the columns scanMessage reads.
const messageSelect = `SELECT pk, id, channel, address, endpoint_id, user_id, created_at, subject, html_body,
	text_body, body, title, from_address, template_name, template_version, request_id, trace_id, details
	FROM messages`

// scanMessage scans messageSelect's columns into a message of app appID
// in scope.
func scanMessage(sc pgx.Row, scope pinfold.Scope, appID string) (*pinfold.Message, int64, error) {
	var (
		m                                 = pinfold.Message{AppID: appID, Scope: scope}
		pk, created                       int64
		channel                           string
		endpoint, user                    *string
		subject, html, text, body, title  []byte
		from, tname, tversion, req, trace []byte
	)
	if err := sc.Scan(&pk, &m.ID, &channel, &m.Address, &endpoint, &user, &created, &subject, &html,
		&text, &body, &title, &from, &tname, &tversion, &req, &trace, &m.Details); err != nil {
		return nil, 0, err
	}
	m.Channel = pinfold.ChannelType(channel)
	if endpoint != nil {
		m.EndpointID = *endpoint
	}
	if user != nil {
		m.UserID = *user
	}
	m.Subject, m.HTMLBody, m.TextBody, m.Body, m.Title = string(subject), string(html), string(text), string(body), string(title)
	m.From, m.TemplateName, m.TemplateVersion = string(from), string(tname), string(tversion)
	m.RequestID, m.TraceID = string(req), string(trace)
	m.CreatedAt = time.UnixMilli(created).UTC()
	if len(m.Details) == 0 {
		m.Details = nil
	}
	return &m, pk, nil
}

// messageCols holds messages as the columns AddMessages unnests.
type messageCols struct {
	ids, channels, addresses []string
	endpoints, users         []*string
	created                  []int64
	content                  [10][][]byte // subject ... trace_id
	details                  [][]byte
}

// prepareMessages completes msgs as AddMessages documents (app, scope,
// CreatedAt to the millisecond) and returns their columns.
func prepareMessages(scope pinfold.Scope, appID string, msgs []*pinfold.Message, now time.Time) *messageCols {
	n := len(msgs)
	c := &messageCols{ids: make([]string, n), channels: make([]string, n), addresses: make([]string, n),
		endpoints: make([]*string, n), users: make([]*string, n), created: make([]int64, n), details: make([][]byte, n)}
	for i := range c.content {
		c.content[i] = make([][]byte, n)
	}
	for i, m := range msgs {
		m.AppID, m.Scope = appID, scope
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Millisecond)
		c.ids[i], c.channels[i], c.addresses[i], c.created[i] = m.ID, string(m.Channel), m.Address, m.CreatedAt.UnixMilli()
		if m.EndpointID != "" {
			c.endpoints[i] = &m.EndpointID
		}
		if m.UserID != "" {
			c.users[i] = &m.UserID
		}
		for j, v := range [...]string{m.Subject, m.HTMLBody, m.TextBody, m.Body, m.Title, m.From, m.TemplateName,
			m.TemplateVersion, m.RequestID, m.TraceID} {
			if v == "" {
				c.content[j][i] = []byte{} // not NULL: the columns are NOT NULL
			} else {
				c.content[j][i] = []byte(v)
			}
		}
		if len(m.Details) > 0 {
			c.details[i] = m.Details
		}
	}
	return c
}

// AddMessages stores the messages and events in one statement: two
// INSERT ... SELECT FROM unnest of one array per column (data-modifying
// WITH queries, one snapshot, all or none), each in the order given. It
// sets each message's AppID and Scope and fills CreatedAt with Now where it
// is zero, to the millisecond, and completes events as RecordEvents does.
// The app row is not locked. EINVALID for a message that fails
// Message.Validate; ENOTFOUND "Application not found" when the app is not
// in scope (also for no messages and no events, and when the app is
// deleted meanwhile).
func (s *Store) AddMessages(ctx context.Context, scope pinfold.Scope, appID string, msgs []*pinfold.Message, events []pinfold.Event) error {
	for _, m := range msgs {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	now := s.Now()
	ec, err := prepareEvents(scope, appID, events, now)
	if err != nil {
		return fmt.Errorf("add messages: %w", err)
	}
	if len(msgs) == 0 && len(events) == 0 {
		_, err := appPK(ctx, s.pool, scope, appID)
		return wrap("add messages", err)
	}
	c := prepareMessages(scope, appID, msgs, now)
	var found bool
	err = s.pool.QueryRow(ctx, `WITH a AS (SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3),
		m AS (INSERT INTO messages (app_pk, id, channel, address, endpoint_id, user_id, created_at,
				subject, html_body, text_body, body, title, from_address, template_name, template_version, request_id,
				trace_id, details)
			SELECT a.pk, u.id, u.channel, u.address, u.endpoint_id, u.user_id, u.created_at, u.subject, u.html_body,
				u.text_body, u.body, u.title, u.from_address, u.template_name, u.template_version, u.request_id,
				u.trace_id, u.details
			FROM a, unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
					$10::bytea[], $11::bytea[], $12::bytea[], $13::bytea[], $14::bytea[], $15::bytea[], $16::bytea[],
					$17::bytea[], $18::bytea[], $19::bytea[], $20::bytea[])
				WITH ORDINALITY AS u (id, channel, address, endpoint_id, user_id, created_at, subject, html_body,
					text_body, body, title, from_address, template_name, template_version, request_id, trace_id,
					details, ord)
			ORDER BY u.ord),
		e AS (INSERT INTO events (app_pk, id, endpoint_id, event_type, occurred_at, received_at, data)
			SELECT a.pk, u.id, u.endpoint_id, u.event_type, u.occurred_at, u.received_at, u.data
			FROM a, unnest($21::text[], $22::text[], $23::text[], $24::bigint[], $25::bigint[], $26::text[])
				WITH ORDINALITY AS u (id, endpoint_id, event_type, occurred_at, received_at, data, ord)
			ORDER BY u.ord)
		SELECT EXISTS (SELECT 1 FROM a)`,
		appID, scope.Account, scope.Region, c.ids, c.channels, c.addresses, c.endpoints, c.users, c.created,
		c.content[0], c.content[1], c.content[2], c.content[3], c.content[4], c.content[5], c.content[6],
		c.content[7], c.content[8], c.content[9], c.details,
		ec.ids, ec.endpointIDs, ec.types, ec.occurred, ec.received, ec.data).Scan(&found)
	switch {
	case isForeignKeyViolation(err): // the app was deleted meanwhile
		return errAppNotFound()
	case err != nil:
		return fmt.Errorf("add messages: %w", err)
	case !found:
		return errAppNotFound()
	}
	return nil
}

// messageWhere returns the WHERE clause of the app's messages matching f,
// and its arguments ($1-$3 the app, then f's).
func messageWhere(scope pinfold.Scope, appID string, f pinfold.MessageFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(` WHERE ` + appOf)
	args := []any{appID, scope.Account, scope.Region}
	for _, c := range [...]struct{ col, v string }{{"id", f.MessageID}, {"endpoint_id", f.EndpointID},
		{"user_id", f.UserID}, {"address", f.Address}, {"channel", string(f.Channel)}} {
		if c.v != "" {
			args = append(args, c.v)
			fmt.Fprintf(&b, ` AND %s = $%d`, c.col, len(args))
		}
	}
	return b.String(), args
}

// validText reports whether s is valid UTF-8 without NUL, as text takes
// it.
func validText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// validFilter reports whether every value of f can be stored: a filter
// value that cannot matches nothing (and must not reach text).
func validFilter(f pinfold.MessageFilter) bool {
	return validText(f.MessageID) && validText(f.EndpointID) && validText(f.UserID) && validText(f.Address) &&
		validText(string(f.Channel))
}

// ListMessages returns a page of the app's messages matching f, newest
// first (by CreatedAt, then the later stored first), and the token of the
// next page ("" on the last). ENOTFOUND "Application not found"; EINVALID
// "Invalid token".
func (s *Store) ListMessages(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.MessageFilter, page pinfold.Page) ([]*pinfold.Message, string, error) {
	at, before, err := pagetoken.DecodeTime("messages", page.Token)
	if err != nil {
		return nil, "", err
	}
	if !validFilter(f) {
		_, err := appPK(ctx, s.pool, scope, appID)
		return nil, "", wrap("list messages", err)
	}
	size := pageSize(page.Size)
	where, args := messageWhere(scope, appID, f)
	args = append(args, at, before, size+1)
	n := len(args)
	q := fmt.Sprintf(`%s%s AND (created_at, pk) < ($%d, $%d) ORDER BY created_at DESC, pk DESC LIMIT $%d`,
		messageSelect, where, n-2, n-1, n)
	var (
		msgs []*pinfold.Message
		last int64
	)
	err = s.read(ctx, "list messages", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, pk, err := scanMessage(rows, scope, appID)
			if err != nil {
				return err
			}
			if len(msgs) < size {
				last = pk
			}
			msgs = append(msgs, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(msgs) == 0 {
			// No messages, or no app?
			_, err = appPK(ctx, tx, scope, appID)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(msgs) > size {
		return msgs[:size], pagetoken.EncodeTime("messages", msgs[size-1].CreatedAt.UnixMilli(), last), nil
	}
	return msgs, "", nil
}

// DeleteMessages removes the app's messages matching f, in one statement,
// and returns how many it removed. ENOTFOUND "Application not found".
func (s *Store) DeleteMessages(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.MessageFilter) (int64, error) {
	if !validFilter(f) {
		_, err := appPK(ctx, s.pool, scope, appID)
		return 0, wrap("delete messages", err)
	}
	var n int64
	where, args := messageWhere(scope, appID, f)
	err := s.write(ctx, "delete messages", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM messages`+where, args...)
		if err != nil {
			return err
		}
		if n = tag.RowsAffected(); n == 0 {
			// No messages, or no app?
			_, err = appPK(ctx, tx, scope, appID)
		}
		return err
	})
	return n, err
}

// PutOTP stores otp, replacing the code of the same app, reference and
// destination, in one INSERT ... ON CONFLICT DO UPDATE. It fills
// otp.CreatedAt with Now where it is zero and truncates CreatedAt and
// ExpiresAt to the millisecond. EINVALID for a reference, destination or
// hash that is not UTF-8 without NUL; ENOTFOUND "Application not found".
func (s *Store) PutOTP(ctx context.Context, otp *pinfold.OTP) error {
	if !validText(otp.ReferenceID) || !validText(otp.Destination) || !validText(otp.CodeHash) {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid one-time password: reference, destination and hash must be UTF-8 without NUL")
	}
	if otp.CreatedAt.IsZero() {
		otp.CreatedAt = s.Now()
	}
	otp.CreatedAt = otp.CreatedAt.UTC().Truncate(time.Millisecond)
	otp.ExpiresAt = otp.ExpiresAt.UTC().Truncate(time.Millisecond)
	tag, err := s.pool.Exec(ctx, `INSERT INTO otps (app_pk, reference_id, destination, code_hash, attempts_left,
			expires_at, created_at)
		SELECT pk, $4, $5, $6, $7, $8, $9 FROM apps WHERE id = $1 AND account = $2 AND region = $3
		ON CONFLICT (app_pk, reference_id, destination) DO UPDATE SET code_hash = excluded.code_hash,
			attempts_left = excluded.attempts_left, expires_at = excluded.expires_at,
			created_at = excluded.created_at`,
		otp.AppID, otp.Scope.Account, otp.Scope.Region, otp.ReferenceID, otp.Destination, otp.CodeHash,
		otp.AttemptsLeft, otp.ExpiresAt.UnixMilli(), otp.CreatedAt.UnixMilli())
	switch {
	case isForeignKeyViolation(err): // the app was deleted meanwhile
		return errAppNotFound()
	case err != nil:
		return fmt.Errorf("put otp: %w", err)
	case tag.RowsAffected() == 0:
		return errAppNotFound()
	}
	return nil
}

// checkOTPQuery is CheckOTP's one statement. Its first CTE locks the code
// (FOR UPDATE): a concurrent check of the same code waits for this one to
// commit and then, under READ COMMITTED, sees the code deleted (and finds
// nothing) or with one attempt less (and re-checks it). A code that
// verifies, has expired, or is checked wrong for the last time is deleted;
// one checked wrong otherwise loses one attempt. The result is whether it
// verified (NULL without a code) and whether the app exists.
const checkOTPQuery = `WITH app AS (
		SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3
	), cur AS (
		SELECT o.app_pk, o.attempts_left, o.expires_at > $6 AS live,
			o.code_hash = $7 AND o.attempts_left > 0 AND o.expires_at > $6 AS ok
		FROM otps o WHERE o.app_pk = (SELECT pk FROM app) AND o.reference_id = $4 AND o.destination = $5
		FOR UPDATE
	), del AS (
		DELETE FROM otps o USING cur
		WHERE o.app_pk = cur.app_pk AND o.reference_id = $4 AND o.destination = $5
			AND (cur.ok OR NOT cur.live OR cur.attempts_left <= 1)
	), upd AS (
		UPDATE otps o SET attempts_left = o.attempts_left - 1 FROM cur
		WHERE o.app_pk = cur.app_pk AND o.reference_id = $4 AND o.destination = $5
			AND NOT (cur.ok OR NOT cur.live OR cur.attempts_left <= 1)
	)
	SELECT (SELECT ok FROM cur), EXISTS (SELECT 1 FROM app)`

// CheckOTP verifies a code in one statement (checkOTPQuery), so that two
// checks of one code cannot both succeed. The code is removed when it
// verifies, when it has expired at now, and when a wrong code uses up its
// last attempt; otherwise a wrong code costs one attempt. ENOTFOUND
// "Application not found".
func (s *Store) CheckOTP(ctx context.Context, scope pinfold.Scope, appID, referenceID, destination, codeHash string, now time.Time) (bool, error) {
	if !validText(referenceID) || !validText(destination) || !validText(codeHash) {
		// No stored code has such a key or hash.
		_, err := appPK(ctx, s.pool, scope, appID)
		return false, wrap("check otp", err)
	}
	var (
		ok    *bool
		found bool
	)
	err := s.pool.QueryRow(ctx, checkOTPQuery, appID, scope.Account, scope.Region, referenceID, destination,
		now.UnixMilli(), codeHash).Scan(&ok, &found)
	switch {
	case err != nil:
		return false, fmt.Errorf("check otp: %w", err)
	case !found:
		return false, errAppNotFound()
	}
	return ok != nil && *ok, nil
}
