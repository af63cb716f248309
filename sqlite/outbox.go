package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
)

// Interface guards.
var (
	_ pinfold.OutboxStore = (*Store)(nil)
	_ pinfold.OTPStore    = (*Store)(nil)
)

// messageColumns are the columns of one row AddMessages inserts.
const messageColumns = 18

// messageChunk is the most messages one INSERT writes: 1,800 parameters,
// and few statement shapes to cache.
const messageChunk = 100

// messageSelect selects the columns scanMessage reads (messageWhere adds
// the FROM clause).
const messageSelect = `SELECT pk, id, channel, address, endpoint_id, user_id, created_at, subject, html_body,
	text_body, body, title, from_address, template_name, template_version, request_id, trace_id, details`

// scanMessage scans messageSelect's columns into a message of app appID
// in scope.
func scanMessage(sc scanner, scope pinfold.Scope, appID string) (*pinfold.Message, int64, error) {
	var (
		m           = pinfold.Message{AppID: appID, Scope: scope}
		pk, created int64
		channel     string
		endpoint    sql.NullString
		user        sql.NullString
	)
	if err := sc.Scan(&pk, &m.ID, &channel, &m.Address, &endpoint, &user, &created, &m.Subject, &m.HTMLBody,
		&m.TextBody, &m.Body, &m.Title, &m.From, &m.TemplateName, &m.TemplateVersion, &m.RequestID, &m.TraceID,
		&m.Details); err != nil {
		return nil, 0, err
	}
	m.Channel, m.EndpointID, m.UserID = pinfold.ChannelType(channel), endpoint.String, user.String
	m.CreatedAt = time.UnixMilli(created).UTC()
	if len(m.Details) == 0 {
		m.Details = nil
	}
	return &m, pk, nil
}

// AddMessages stores the messages and events in one writer transaction,
// with multi-row INSERTs of up to messageChunk messages each (statements
// prepared once on the writer), then the events as RecordEvents inserts
// them: all or none, in the order given. It sets each message's AppID and
// Scope and fills CreatedAt with Now where it is zero, to the millisecond,
// and completes events as RecordEvents does. EINVALID for a message that
// fails Message.Validate; ENOTFOUND "Application not found" when the app
// is not in scope (also for no messages and no events).
func (s *Store) AddMessages(ctx context.Context, scope pinfold.Scope, appID string, msgs []*pinfold.Message, events []pinfold.Event) error {
	now := s.Now()
	for _, m := range msgs {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	evals, err := prepareEvents(scope, appID, events, now)
	if err != nil {
		return fmt.Errorf("add messages: %w", err)
	}
	if len(msgs) == 0 && len(events) == 0 {
		return s.read(ctx, "add messages", func(tx *sql.Tx) error {
			_, err := appPK(ctx, tx, scope, appID)
			return err
		})
	}
	for _, m := range msgs {
		m.AppID, m.Scope = appID, scope
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Millisecond)
	}
	return s.write(ctx, "add messages", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		args := make([]any, 0, messageColumns*min(messageChunk, len(msgs)))
		for lo := 0; lo < len(msgs); lo += messageChunk {
			part := msgs[lo:min(lo+messageChunk, len(msgs))]
			args = args[:0]
			for _, m := range part {
				var details any // NULL without
				if len(m.Details) > 0 {
					details = m.Details
				}
				args = append(args, pk, m.ID, string(m.Channel), m.Address, nullable(m.EndpointID),
					nullable(m.UserID), m.CreatedAt.UnixMilli(), m.Subject, m.HTMLBody, m.TextBody, m.Body,
					m.Title, m.From, m.TemplateName, m.TemplateVersion, m.RequestID, m.TraceID, details)
			}
			if err := exec(ctx, tx, `INSERT INTO messages (app_pk, id, channel, address, endpoint_id, user_id,
				created_at, subject, html_body, text_body, body, title, from_address, template_name,
				template_version, request_id, trace_id, details)
				VALUES `+placeholders(len(part), messageColumns), args...); err != nil {
				return err
			}
		}
		return insertEvents(ctx, tx, pk, evals)
	})
}

// messageWhere returns the FROM ... WHERE clause, and its arguments, of the
// app's messages matching f. The index is named (INDEXED BY): messages_id
// for a message ID, else messages_list, that carries the other filters'
// columns in list order, so that a filtered list reads only the rows that
// match (migration 00009).
func messageWhere(apk int64, f pinfold.MessageFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(` FROM messages`)
	if f.MessageID != "" {
		b.WriteString(` INDEXED BY messages_id`)
	} else {
		b.WriteString(` INDEXED BY messages_list`)
	}
	b.WriteString(` WHERE app_pk = ?`)
	args := []any{apk}
	for _, c := range [...]struct{ col, v string }{{"id", f.MessageID}, {"endpoint_id", f.EndpointID},
		{"user_id", f.UserID}, {"address", f.Address}, {"channel", string(f.Channel)}} {
		if c.v != "" {
			b.WriteString(` AND ` + c.col + ` = ?`)
			args = append(args, c.v)
		}
	}
	return b.String(), args
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
	size := pageSize(page.Size)
	var (
		msgs []*pinfold.Message
		last int64
	)
	err = s.read(ctx, "list messages", func(tx *sql.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		where, args := messageWhere(apk, f)
		args = append(args, at, before, size+1)
		rows, err := tx.QueryContext(ctx, messageSelect+where+
			` AND (created_at, pk) < (?, ?) ORDER BY created_at DESC, pk DESC LIMIT ?`, args...)
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
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(msgs) > size {
		return msgs[:size], pagetoken.EncodeTime("messages", msgs[size-1].CreatedAt.UnixMilli(), last), nil
	}
	return msgs, "", nil
}

// DeleteMessages removes the app's messages matching f and returns how
// many it removed. ENOTFOUND "Application not found".
func (s *Store) DeleteMessages(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.MessageFilter) (int64, error) {
	var n int64
	err := s.write(ctx, "delete messages", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		where, args := messageWhere(apk, f)
		res, err := tx.ExecContext(ctx, `DELETE`+where, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// validText reports whether s is valid UTF-8 without NUL, as PostgreSQL's
// text takes it; the SQLite store refuses the same values for parity.
func validText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// PutOTP stores otp, replacing the code of the same app, reference and
// destination, in one statement. It fills otp.CreatedAt with Now where it
// is zero and truncates CreatedAt and ExpiresAt to the millisecond.
// EINVALID for a reference, destination or hash that is not UTF-8 without
// NUL; ENOTFOUND "Application not found".
func (s *Store) PutOTP(ctx context.Context, otp *pinfold.OTP) error {
	if !validText(otp.ReferenceID) || !validText(otp.Destination) || !validText(otp.CodeHash) {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid one-time password: reference, destination and hash must be UTF-8 without NUL")
	}
	if otp.CreatedAt.IsZero() {
		otp.CreatedAt = s.Now()
	}
	otp.CreatedAt = otp.CreatedAt.UTC().Truncate(time.Millisecond)
	otp.ExpiresAt = otp.ExpiresAt.UTC().Truncate(time.Millisecond)
	return s.write(ctx, "put otp", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, otp.Scope, otp.AppID)
		if err != nil {
			return err
		}
		return exec(ctx, tx, `INSERT INTO otps (app_pk, reference_id, destination, code_hash, attempts_left,
				expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (app_pk, reference_id, destination) DO UPDATE SET code_hash = excluded.code_hash,
				attempts_left = excluded.attempts_left, expires_at = excluded.expires_at,
				created_at = excluded.created_at`,
			apk, otp.ReferenceID, otp.Destination, otp.CodeHash, otp.AttemptsLeft, otp.ExpiresAt.UnixMilli(),
			otp.CreatedAt.UnixMilli())
	})
}

// CheckOTP verifies a code in one writer transaction, which the store's
// single writer runs alone: two checks of one code cannot both find it.
// The code is removed when it verifies, when it has expired at now, and
// when a wrong code uses up its last attempt; otherwise a wrong code
// costs one attempt. ENOTFOUND "Application not found".
func (s *Store) CheckOTP(ctx context.Context, scope pinfold.Scope, appID, referenceID, destination, codeHash string, now time.Time) (bool, error) {
	var ok bool
	err := s.write(ctx, "check otp", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		var (
			hash     string
			attempts int
			expires  int64
		)
		err = tx.QueryRowContext(ctx, `SELECT code_hash, attempts_left, expires_at FROM otps
			WHERE app_pk = ? AND reference_id = ? AND destination = ?`, apk, referenceID, destination).
			Scan(&hash, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		ok = attempts > 0 && now.UnixMilli() < expires && subtle.ConstantTimeCompare([]byte(hash), []byte(codeHash)) == 1
		if ok || attempts <= 1 || now.UnixMilli() >= expires {
			return exec(ctx, tx, `DELETE FROM otps WHERE app_pk = ? AND reference_id = ? AND destination = ?`,
				apk, referenceID, destination)
		}
		return exec(ctx, tx, `UPDATE otps SET attempts_left = attempts_left - 1
			WHERE app_pk = ? AND reference_id = ? AND destination = ?`, apk, referenceID, destination)
	})
	return ok, err
}
