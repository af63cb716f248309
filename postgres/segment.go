package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

// Interface guard.
var _ pinfold.SegmentStore = (*Store)(nil)

// CreateSegment stores seg as version 1 of a new segment of app seg.AppID
// in seg.Scope, with its Def and Import (nil stays nil), in one statement.
// It fills in seg.ID (pinfold.NewID) and seg.CreatedAt (Now) when empty,
// and sets seg.Version to 1 and seg.UpdatedAt to seg.CreatedAt.
// ENOTFOUND "Application not found" when the app does not exist in the
// scope (or is deleted meanwhile); ECONFLICT when the ID is taken.
func (s *Store) CreateSegment(ctx context.Context, seg *pinfold.Segment) error {
	if seg.ID == "" {
		seg.ID = pinfold.NewID()
	}
	if seg.CreatedAt.IsZero() {
		seg.CreatedAt = s.Now()
	}
	seg.CreatedAt = seg.CreatedAt.UTC().Truncate(time.Millisecond)
	seg.Version, seg.UpdatedAt = 1, seg.CreatedAt
	tags, err := marshalTags(seg.Tags)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	def, err := storedoc.EncodeSegmentDef(&seg.Def)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	imp, err := storedoc.EncodeSegmentImport(seg.Import)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	// One statement, so atomic without a transaction: the segment row comes
	// from the app row in scope (none: the app is not there), its version 1
	// from the segment row.
	var pk int64
	err = s.pool.QueryRow(ctx, `WITH seg AS (
			INSERT INTO segments (id, app_pk, name, type, tags, created_at, version)
			SELECT $1, pk, $2, $3, $4, $5, 1 FROM apps WHERE id = $6 AND account = $7 AND region = $8
			RETURNING pk)
		INSERT INTO segment_versions (segment_pk, version, name, updated_at, definition, import_def)
		SELECT pk, 1, $2, $5, $9, $10 FROM seg
		RETURNING segment_pk`,
		seg.ID, seg.Name, string(seg.Type), tags, toMillis(seg.CreatedAt),
		seg.AppID, seg.Scope.Account, seg.Scope.Region, string(def), textOrNull(imp)).Scan(&pk)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || isForeignKeyViolation(err):
		// No app, or one deleted between the statement's snapshot and its
		// foreign-key check.
		return errAppNotFound()
	case isUniqueViolation(err):
		return pinfold.Errorf(pinfold.ECONFLICT, "Segment %s already exists", seg.ID)
	case err != nil:
		return fmt.Errorf("create segment: %w", err)
	}
	return nil
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint
// failure.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// segmentColumns are the columns scanSegment reads, of segments s joined
// with one of its versions v.
const segmentColumns = `s.pk, s.id, s.type, s.tags, s.created_at, v.version, v.name, v.updated_at, v.definition, v.import_def`

// latestSegment selects segments s with their latest version v.
const latestSegment = `SELECT ` + segmentColumns + ` FROM segments s
	JOIN segment_versions v ON v.segment_pk = s.pk AND v.version = s.version`

// scanSegment scans segmentColumns into a segment of app appID in scope.
func scanSegment(row pgx.Row, scope pinfold.Scope, appID string) (*pinfold.Segment, int64, error) {
	var (
		seg              pinfold.Segment
		pk               int64
		typ, tags        string
		created, updated int64
		version          int32
		def              string
		imp              *string
	)
	if err := row.Scan(&pk, &seg.ID, &typ, &tags, &created, &version, &seg.Name, &updated, &def, &imp); err != nil {
		return nil, 0, err
	}
	seg.AppID, seg.Scope, seg.Type, seg.Version = appID, scope, pinfold.SegmentType(typ), int(version)
	seg.CreatedAt, seg.UpdatedAt = fromMillis(created), fromMillis(updated)
	var err error
	if seg.Tags, err = segmentTagsOf(tags); err != nil {
		return nil, 0, fmt.Errorf("decode tags of segment %s: %w", seg.ID, err)
	}
	if err := storedoc.DecodeSegmentDef([]byte(def), &seg.Def); err != nil {
		return nil, 0, fmt.Errorf("decode segment %s version %d: %w", seg.ID, seg.Version, err)
	}
	if imp != nil {
		if seg.Import, err = storedoc.DecodeSegmentImport([]byte(*imp)); err != nil {
			return nil, 0, fmt.Errorf("decode import definition of segment %s version %d: %w", seg.ID, seg.Version, err)
		}
	}
	return &seg, pk, nil
}

// getSegment returns segment id of the app with primary key apk, at its
// latest version or at version when version > 0. ENOTFOUND "Resource not
// found" when the segment or the version does not exist.
func getSegment(ctx context.Context, q querier, scope pinfold.Scope, appID string, apk int64, id string, version int) (*pinfold.Segment, int64, error) {
	var row pgx.Row
	switch {
	case version == 0:
		row = q.QueryRow(ctx, latestSegment+` WHERE s.app_pk = $1 AND s.id = $2`, apk, id)
	case version > 0 && version <= math.MaxInt32:
		row = q.QueryRow(ctx, `SELECT `+segmentColumns+` FROM segments s
			JOIN segment_versions v ON v.segment_pk = s.pk
			WHERE s.app_pk = $1 AND s.id = $2 AND v.version = $3`, apk, id, int32(version))
	default:
		return nil, 0, errResourceNotFound()
	}
	seg, pk, err := scanSegment(row, scope, appID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, errResourceNotFound()
	}
	return seg, pk, err
}

// GetSegment returns a segment of an app in scope at its latest version, or
// at version when version > 0. Tags, Type and CreatedAt are the segment's
// whatever the version; Name, Def, Import and UpdatedAt are the version's.
// ENOTFOUND "Application not found" when the app is not in scope,
// "Resource not found" when the app has no such segment or the segment no
// such version (a negative version included).
func (s *Store) GetSegment(ctx context.Context, scope pinfold.Scope, appID, segmentID string, version int) (*pinfold.Segment, error) {
	var seg *pinfold.Segment
	err := s.read(ctx, "get segment", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		seg, _, err = getSegment(ctx, tx, scope, appID, apk, segmentID, version)
		return err
	})
	return seg, err
}

// ListSegments returns a page of the app's segments at their latest
// versions, oldest first, and the token of the next page ("" on the last).
// ENOTFOUND "Application not found"; EINVALID "Invalid token" for a token
// this store did not issue for this list.
func (s *Store) ListSegments(ctx context.Context, scope pinfold.Scope, appID string, page pinfold.Page) ([]*pinfold.Segment, string, error) {
	after, err := pagetoken.Decode("segments", page.Token, 0)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	var (
		segs []*pinfold.Segment
		pks  []int64
	)
	err = s.read(ctx, "list segments", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, latestSegment+` WHERE s.app_pk = $1 AND s.pk > $2 ORDER BY s.pk LIMIT $3`,
			apk, after, size+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			seg, pk, err := scanSegment(rows, scope, appID)
			if err != nil {
				return err
			}
			segs, pks = append(segs, seg), append(pks, pk)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(segs) > size {
		return segs[:size], pagetoken.Encode("segments", pks[size-1]), nil
	}
	return segs, "", nil
}

// ListSegmentVersions returns a page of a segment's versions, newest first,
// and the token of the next page ("" on the last). ENOTFOUND "Application
// not found" or "Resource not found" (no such segment); EINVALID "Invalid
// token".
func (s *Store) ListSegmentVersions(ctx context.Context, scope pinfold.Scope, appID, segmentID string, page pinfold.Page) ([]*pinfold.Segment, string, error) {
	// The token holds the last version of the previous page.
	before, err := pagetoken.Decode("segment-versions", page.Token, maxPK)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	var segs []*pinfold.Segment
	err = s.read(ctx, "list segment versions", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		pk, err := segmentPK(ctx, tx, apk, segmentID, "")
		if err != nil {
			return err
		}
		// $2 is bigint: the first page's bound does not fit the integer
		// column.
		rows, err := tx.Query(ctx, `SELECT `+segmentColumns+` FROM segments s
			JOIN segment_versions v ON v.segment_pk = s.pk
			WHERE s.pk = $1 AND v.version < $2::bigint ORDER BY v.version DESC LIMIT $3`, pk, before, size+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			seg, _, err := scanSegment(rows, scope, appID)
			if err != nil {
				return err
			}
			segs = append(segs, seg)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(segs) > size {
		return segs[:size], pagetoken.Encode("segment-versions", int64(segs[size-1].Version)), nil
	}
	return segs, "", nil
}

// UpdateSegment stores seg as the next version of the existing segment
// seg.ID of app seg.AppID in seg.Scope, in one transaction that locks the
// segment row first, so that concurrent updates take versions one after
// another: the version is the latest plus one, with seg's Name, Def, Import
// and UpdatedAt (Now when zero); seg's Tags replace the segment's (nil
// removes them all). The segment keeps its Type and CreatedAt whatever seg
// says. It sets seg.Version and seg.UpdatedAt and returns the segment as
// stored. ENOTFOUND "Application not found" when the app is not in scope,
// "Resource not found" when the app has no such segment.
func (s *Store) UpdateSegment(ctx context.Context, seg *pinfold.Segment) (*pinfold.Segment, error) {
	updated := seg.UpdatedAt
	if updated.IsZero() {
		updated = s.Now()
	}
	updated = updated.UTC().Truncate(time.Millisecond)
	tags, err := marshalTags(seg.Tags)
	if err != nil {
		return nil, fmt.Errorf("update segment: %w", err)
	}
	def, err := storedoc.EncodeSegmentDef(&seg.Def)
	if err != nil {
		return nil, fmt.Errorf("update segment: %w", err)
	}
	imp, err := storedoc.EncodeSegmentImport(seg.Import)
	if err != nil {
		return nil, fmt.Errorf("update segment: %w", err)
	}
	var out *pinfold.Segment
	err = s.write(ctx, "update segment", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, seg.Scope, seg.AppID)
		if err != nil {
			return err
		}
		// FOR NO KEY UPDATE: the lock the UPDATE below takes anyway, held
		// from the read of the version on. It leaves the row's foreign-key
		// checks (members being added) free.
		var (
			pk, created int64
			version     int32
			typ         string
		)
		err = tx.QueryRow(ctx, `SELECT pk, version, type, created_at FROM segments
			WHERE app_pk = $1 AND id = $2 FOR NO KEY UPDATE`, apk, seg.ID).Scan(&pk, &version, &typ, &created)
		if errors.Is(err, pgx.ErrNoRows) {
			return errResourceNotFound()
		}
		if err != nil {
			return err
		}
		version++
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO segment_versions (segment_pk, version, name, updated_at, definition, import_def)
			VALUES ($1, $2, $3, $4, $5, $6)`, pk, version, seg.Name, toMillis(updated), string(def), textOrNull(imp))
		b.Queue(`UPDATE segments SET name = $1, tags = $2, version = $3 WHERE pk = $4`, seg.Name, tags, version, pk)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		// The result is decoded from what was stored, so it shares nothing
		// with seg and equals what GetSegment returns.
		out = &pinfold.Segment{ID: seg.ID, AppID: seg.AppID, Scope: seg.Scope, Name: seg.Name,
			Type: pinfold.SegmentType(typ), CreatedAt: fromMillis(created), Version: int(version), UpdatedAt: updated}
		if out.Tags, err = segmentTagsOf(tags); err != nil {
			return err
		}
		if out.Import, err = storedoc.DecodeSegmentImport(imp); err != nil {
			return err
		}
		return storedoc.DecodeSegmentDef(def, &out.Def)
	})
	if err != nil {
		return nil, err
	}
	seg.Version, seg.UpdatedAt = out.Version, out.UpdatedAt
	return out, nil
}

// DeleteSegment removes a segment of an app in scope with every version
// and every member, and returns its latest version. ENOTFOUND "Application
// not found" when the app is not in scope, "Resource not found" when the
// app has no such segment.
func (s *Store) DeleteSegment(ctx context.Context, scope pinfold.Scope, appID, segmentID string) (*pinfold.Segment, error) {
	var seg *pinfold.Segment
	err := s.write(ctx, "delete segment", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		// Lock the row first: the version returned is the one deleted,
		// not one an update committed meanwhile.
		pk, err := segmentPK(ctx, tx, apk, segmentID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if seg, _, err = getSegment(ctx, tx, scope, appID, apk, segmentID, 0); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM segments WHERE pk = $1`, pk) // versions and members cascade
		return err
	})
	if err != nil {
		return nil, err
	}
	return seg, nil
}

// segmentTagsOf decodes a tags column (marshalTags): nil for no tags.
func segmentTagsOf(s string) (map[string]string, error) {
	var tags map[string]string
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

// textOrNull binds b as text, or NULL when b is nil.
func textOrNull(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}
