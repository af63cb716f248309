package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
)

// Interface guard.
var _ pinfold.TemplateStore = (*Store)(nil)

// templateColumns are the columns scanTemplate reads, of templates t and
// template_versions v.
const templateColumns = `t.name, t.type, t.active_version, t.tags, v.version, v.content, v.description,
	v.default_substitutions, v.created_at, v.updated_at`

// scanTemplate scans templateColumns into a template of scope.
func scanTemplate(sc scanner, scope pinfold.Scope) (*pinfold.Template, error) {
	var (
		t                pinfold.Template
		typ, tags        string
		created, updated int64
	)
	if err := sc.Scan(&t.Name, &typ, &t.ActiveVersion, &tags, &t.Version, &t.Content, &t.Description,
		&t.DefaultSubstitutions, &created, &updated); err != nil {
		return nil, err
	}
	t.Scope, t.Type = scope, pinfold.TemplateType(typ)
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	var err error
	if t.Tags, err = unmarshalTags(tags); err != nil {
		return nil, fmt.Errorf("decode tags of template %s/%s: %w", t.Name, typ, err)
	}
	return &t, nil
}

// scanTemplates reads every row of rows with scanTemplate and closes rows.
func scanTemplates(rows *sql.Rows, scope pinfold.Scope) ([]*pinfold.Template, error) {
	defer rows.Close()
	var list []*pinfold.Template
	for rows.Next() {
		t, err := scanTemplate(rows, scope)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// checkTemplateType returns EINVALID for a type that is not one of the five.
func checkTemplateType(t pinfold.TemplateType) error {
	if !t.Valid() {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid template type %q", t)
	}
	return nil
}

// stamp returns t in UTC to the millisecond, or the store's clock's now
// when t is zero.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.Now()
	}
	return t.UTC().Truncate(time.Millisecond)
}

// GetTemplate returns version of the template, or its active version when
// version is 0. ENOTFOUND "Resource not found" without either.
func (s *Store) GetTemplate(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) (*pinfold.Template, error) {
	var t *pinfold.Template
	err := s.read(ctx, "get template", func(tx *sql.Tx) (err error) {
		t, err = scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates t
			JOIN template_versions v ON v.template_pk = t.pk
				AND v.version = CASE WHEN ? = 0 THEN t.active_version ELSE ? END
			WHERE t.account = ? AND t.region = ? AND t.name = ? AND t.type = ?`,
			version, version, scope.Account, scope.Region, name, string(typ)), scope)
		if errors.Is(err, sql.ErrNoRows) {
			return errResourceNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// CreateTemplate stores a new template and its version 1, active.
// EINVALID MsgTemplateExists or MsgTemplatesQuota.
func (s *Store) CreateTemplate(ctx context.Context, t *pinfold.Template) (*pinfold.Template, error) {
	if err := checkTemplateType(t.Type); err != nil {
		return nil, err
	}
	out := *t
	out.CreatedAt = s.stamp(t.CreatedAt)
	out.UpdatedAt, out.Version, out.ActiveVersion = out.CreatedAt, 1, 1
	out.Content = append([]byte{}, t.Content...) // never nil: the column is NOT NULL
	tags, err := marshalTags(t.Tags)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, "create template", func(ctx context.Context, tx wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM templates WHERE account = ? AND region = ?`,
			t.Scope.Account, t.Scope.Region).Scan(&n); err != nil {
			return err
		}
		if n >= pinfold.MaxTemplatesPerScope {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplatesQuota)
		}
		var pk int64
		err := tx.QueryRowContext(ctx, `INSERT INTO templates (account, region, name, type, active_version, last_version, tags)
			VALUES (?, ?, ?, ?, 1, 1, ?) RETURNING pk`,
			t.Scope.Account, t.Scope.Region, t.Name, string(t.Type), tags).Scan(&pk)
		if isUniqueViolation(err) {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplateExists)
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO template_versions
				(template_pk, version, content, description, default_substitutions, created_at, updated_at)
			VALUES (?, 1, ?, ?, ?, ?, ?)`,
			pk, out.Content, out.Description, out.DefaultSubstitutions, toMillis(out.CreatedAt), toMillis(out.CreatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// templateState is a template's row and its versions' summary, read in a
// write transaction.
type templateState struct {
	pk                   int64
	active, last, latest int // latest: the highest existing version
	count                int // existing versions
	tags                 string
}

// lockTemplate reads the template's state. ENOTFOUND "Resource not found"
// without it.
func lockTemplate(ctx context.Context, q querier, scope pinfold.Scope, name string, typ pinfold.TemplateType) (*templateState, error) {
	var st templateState
	err := q.QueryRowContext(ctx, `SELECT t.pk, t.active_version, t.last_version, t.tags,
			(SELECT max(version) FROM template_versions WHERE template_pk = t.pk),
			(SELECT count(*) FROM template_versions WHERE template_pk = t.pk)
		FROM templates t WHERE t.account = ? AND t.region = ? AND t.name = ? AND t.type = ?`,
		scope.Account, scope.Region, name, string(typ)).Scan(&st.pk, &st.active, &st.last, &st.tags, &st.latest, &st.count)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errResourceNotFound()
	}
	return &st, err
}

// hasVersion reports whether the template pk has version.
func hasVersion(ctx context.Context, q querier, pk int64, version int) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM template_versions WHERE template_pk = ? AND version = ?`, pk, version).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// UpdateTemplate overwrites the latest version or adds one (newVersion).
func (s *Store) UpdateTemplate(ctx context.Context, t *pinfold.Template, version int, newVersion bool) (*pinfold.Template, error) {
	if err := checkTemplateType(t.Type); err != nil {
		return nil, err
	}
	out := *t
	out.UpdatedAt = s.stamp(t.UpdatedAt)
	out.Content = append([]byte{}, t.Content...)
	err := s.write(ctx, "update template", func(ctx context.Context, tx wtx) error {
		st, err := lockTemplate(ctx, tx, t.Scope, t.Name, t.Type)
		if err != nil {
			return err
		}
		if err := checkLatest(ctx, tx, st, version); err != nil {
			return err
		}
		if out.Tags, err = unmarshalTags(st.tags); err != nil {
			return err
		}
		out.ActiveVersion = st.active
		if newVersion {
			if st.count >= pinfold.MaxTemplateVersions {
				return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplateVersionsQuota)
			}
			out.Version, out.CreatedAt = st.last+1, out.UpdatedAt
			if _, err := tx.ExecContext(ctx, `UPDATE templates SET last_version = ? WHERE pk = ?`, out.Version, st.pk); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO template_versions
					(template_pk, version, content, description, default_substitutions, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`,
				st.pk, out.Version, out.Content, out.Description, out.DefaultSubstitutions,
				toMillis(out.CreatedAt), toMillis(out.UpdatedAt))
			return err
		}
		out.Version = st.latest
		var created int64
		err = tx.QueryRowContext(ctx, `UPDATE template_versions SET content = ?, description = ?,
				default_substitutions = ?, updated_at = ?
			WHERE template_pk = ? AND version = ? RETURNING created_at`,
			out.Content, out.Description, out.DefaultSubstitutions, toMillis(out.UpdatedAt), st.pk, st.latest).Scan(&created)
		out.CreatedAt = fromMillis(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkLatest checks an update's version: 0, or the latest existing one.
// ENOTFOUND for a version the template does not have, EINVALID for an
// older one.
func checkLatest(ctx context.Context, q querier, st *templateState, version int) error {
	if version == 0 || version == st.latest {
		return nil
	}
	ok, err := hasVersion(ctx, q, st.pk, version)
	if err != nil {
		return err
	} else if !ok {
		return errResourceNotFound()
	}
	return pinfold.Errorf(pinfold.EINVALID, "Version %d is not the latest version of the template (%d)", version, st.latest)
}

// DeleteTemplate removes one version, or the template when version is 0
// or its only version is deleted.
func (s *Store) DeleteTemplate(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) error {
	if err := checkTemplateType(typ); err != nil {
		return err
	}
	return s.write(ctx, "delete template", func(ctx context.Context, tx wtx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		if version != 0 {
			res, err := tx.ExecContext(ctx, `DELETE FROM template_versions WHERE template_pk = ? AND version = ?`, st.pk, version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errResourceNotFound()
			}
			if st.count > 1 {
				if version == st.active {
					_, err = tx.ExecContext(ctx, `UPDATE templates SET active_version =
						(SELECT max(version) FROM template_versions WHERE template_pk = ?) WHERE pk = ?`, st.pk, st.pk)
				}
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM templates WHERE pk = ?`, st.pk)
		return err
	})
}

// SetActiveTemplateVersion makes version (0: the latest) active.
func (s *Store) SetActiveTemplateVersion(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) (int, error) {
	if err := checkTemplateType(typ); err != nil {
		return 0, err
	}
	err := s.write(ctx, "set active template version", func(ctx context.Context, tx wtx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		if version == 0 {
			version = st.latest
		} else if ok, err := hasVersion(ctx, tx, st.pk, version); err != nil {
			return err
		} else if !ok {
			return errResourceNotFound()
		}
		_, err = tx.ExecContext(ctx, `UPDATE templates SET active_version = ? WHERE pk = ?`, version, st.pk)
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// UpdateTemplateTags removes the keys in remove and sets those in set.
func (s *Store) UpdateTemplateTags(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, set map[string]string, remove []string) error {
	if err := checkTemplateType(typ); err != nil {
		return err
	}
	return s.write(ctx, "update template tags", func(ctx context.Context, tx wtx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		tags, err := unmarshalTags(st.tags)
		if err != nil {
			return err
		}
		b, err := marshalTags(mergeTags(tags, set, remove))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE templates SET tags = ? WHERE pk = ?`, b, st.pk)
		return err
	})
}

// mergeTags removes the keys in remove from tags and sets those in set;
// tags may be nil.
func mergeTags(tags, set map[string]string, remove []string) map[string]string {
	if tags == nil {
		tags = make(map[string]string, len(set))
	}
	for _, k := range remove {
		delete(tags, k)
	}
	for k, v := range set {
		tags[k] = v
	}
	return tags
}

// ListTemplates returns a page of the scope's templates matching f, as
// their active versions, by name and type. The page token is the last
// item's name and type.
func (s *Store) ListTemplates(ctx context.Context, scope pinfold.Scope, f pinfold.TemplateFilter, page pinfold.Page) ([]*pinfold.Template, string, error) {
	if f.Type != "" {
		if err := checkTemplateType(f.Type); err != nil {
			return nil, "", err
		}
	}
	afterName, afterType, err := pagetoken.DecodeTemplate(page.Token)
	if err != nil {
		return nil, "", err
	}
	lo, hi, ok := pagetoken.PrefixRange(f.Prefix)
	if !ok {
		return nil, "", nil
	}
	size := pageSize(page.Size)
	var list []*pinfold.Template
	err = s.read(ctx, "list templates", func(tx *sql.Tx) error {
		q := `SELECT ` + templateColumns + ` FROM templates t
			JOIN template_versions v ON v.template_pk = t.pk AND v.version = t.active_version
			WHERE t.account = ? AND t.region = ? AND (t.name, t.type) > (?, ?)`
		args := []any{scope.Account, scope.Region, afterName, afterType}
		if lo != "" {
			q += ` AND t.name >= ? AND t.name < ?`
			args = append(args, lo, hi)
		}
		if f.Type != "" {
			q += ` AND t.type = ?`
			args = append(args, string(f.Type))
		}
		q += ` ORDER BY t.name, t.type LIMIT ?`
		args = append(args, size+1)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		list, err = scanTemplates(rows, scope)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		next = pagetoken.EncodeTemplate(last.Name, last.Type)
	}
	return list, next, nil
}

// ListTemplateVersions returns a page of the template's versions, newest
// first. The page token is the last item's version.
func (s *Store) ListTemplateVersions(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, page pinfold.Page) ([]*pinfold.Template, string, error) {
	if err := checkTemplateType(typ); err != nil {
		return nil, "", err
	}
	before, err := pagetoken.Decode("template-versions", page.Token, math.MaxInt64)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	var list []*pinfold.Template
	err = s.read(ctx, "list template versions", func(tx *sql.Tx) error {
		var pk int64
		err := tx.QueryRowContext(ctx, `SELECT pk FROM templates WHERE account = ? AND region = ? AND name = ? AND type = ?`,
			scope.Account, scope.Region, name, string(typ)).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return errResourceNotFound()
		} else if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+templateColumns+` FROM templates t
			JOIN template_versions v ON v.template_pk = t.pk
			WHERE t.pk = ? AND v.version < ? ORDER BY v.version DESC LIMIT ?`, pk, before, size+1)
		if err != nil {
			return err
		}
		list, err = scanTemplates(rows, scope)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > size {
		list = list[:size]
		next = pagetoken.Encode("template-versions", int64(list[size-1].Version))
	}
	return list, next, nil
}
