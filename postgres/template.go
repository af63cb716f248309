package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

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
func scanTemplate(row pgx.Row, scope pinfold.Scope) (*pinfold.Template, error) {
	var (
		t                pinfold.Template
		typ, tags        string
		active, version  int32
		created, updated int64
	)
	if err := row.Scan(&t.Name, &typ, &active, &tags, &version, &t.Content, &t.Description,
		&t.DefaultSubstitutions, &created, &updated); err != nil {
		return nil, err
	}
	t.Scope, t.Type, t.ActiveVersion, t.Version = scope, pinfold.TemplateType(typ), int(active), int(version)
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	var err error
	if t.Tags, err = segmentTagsOf(tags); err != nil {
		return nil, err
	}
	return &t, nil
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
// version is 0, in one statement. ENOTFOUND "Resource not found".
func (s *Store) GetTemplate(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) (*pinfold.Template, error) {
	t, err := scanTemplate(s.pool.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates t
		JOIN template_versions v ON v.template_pk = t.pk
			AND v.version = CASE WHEN $1::integer = 0 THEN t.active_version ELSE $1::integer END
		WHERE t.account = $2 AND t.region = $3 AND t.name = $4 AND t.type = $5`,
		int32(min(version, math.MaxInt32)), scope.Account, scope.Region, name, string(typ)), scope)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errResourceNotFound()
	} else if err != nil {
		return nil, wrap("get template", err)
	}
	return t, nil
}

// CreateTemplate stores a new template and its version 1, active. The
// creations of one scope queue on an advisory lock of the scope, so that
// the quota holds. EINVALID MsgTemplateExists or MsgTemplatesQuota.
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
	err = s.write(ctx, "create template", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"pinfold.templates:"+t.Scope.Account+":"+t.Scope.Region); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM templates WHERE account = $1 AND region = $2`,
			t.Scope.Account, t.Scope.Region).Scan(&n); err != nil {
			return err
		}
		if n >= pinfold.MaxTemplatesPerScope {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplatesQuota)
		}
		var pk int64
		err := tx.QueryRow(ctx, `INSERT INTO templates (account, region, name, type, active_version, last_version, tags)
			VALUES ($1, $2, $3, $4, 1, 1, $5) ON CONFLICT DO NOTHING RETURNING pk`,
			t.Scope.Account, t.Scope.Region, t.Name, string(t.Type), tags).Scan(&pk)
		if errors.Is(err, pgx.ErrNoRows) {
			return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplateExists)
		} else if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO template_versions
				(template_pk, version, content, description, default_substitutions, created_at, updated_at)
			VALUES ($1, 1, $2, $3, $4, $5, $5)`,
			pk, out.Content, out.Description, out.DefaultSubstitutions, toMillis(out.CreatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// templateState is a template's row, locked, and its versions' summary.
type templateState struct {
	pk                   int64
	active, last, latest int32 // latest: the highest existing version
	count                int64 // existing versions
	tags                 string
}

// lockTemplate locks the template's row (FOR UPDATE) and reads its state.
// ENOTFOUND "Resource not found" without it.
func lockTemplate(ctx context.Context, tx pgx.Tx, scope pinfold.Scope, name string, typ pinfold.TemplateType) (*templateState, error) {
	var st templateState
	err := tx.QueryRow(ctx, `SELECT pk, active_version, last_version, tags FROM templates
		WHERE account = $1 AND region = $2 AND name = $3 AND type = $4 FOR UPDATE`,
		scope.Account, scope.Region, name, string(typ)).Scan(&st.pk, &st.active, &st.last, &st.tags)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errResourceNotFound()
	} else if err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, `SELECT coalesce(max(version), 0), count(*) FROM template_versions WHERE template_pk = $1`,
		st.pk).Scan(&st.latest, &st.count)
	return &st, err
}

// hasVersion reports whether the template pk has version.
func hasVersion(ctx context.Context, tx pgx.Tx, pk int64, version int) (bool, error) {
	if version > math.MaxInt32 {
		return false, nil
	}
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM template_versions WHERE template_pk = $1 AND version = $2)`,
		pk, int32(version)).Scan(&ok)
	return ok, err
}

// checkLatest checks an update's version: 0, or the latest existing one.
// ENOTFOUND for a version the template does not have, EINVALID for an
// older one.
func checkLatest(ctx context.Context, tx pgx.Tx, st *templateState, version int) error {
	if version == 0 || version == int(st.latest) {
		return nil
	}
	ok, err := hasVersion(ctx, tx, st.pk, version)
	if err != nil {
		return err
	} else if !ok {
		return errResourceNotFound()
	}
	return pinfold.Errorf(pinfold.EINVALID, "Version %d is not the latest version of the template (%d)", version, st.latest)
}

// UpdateTemplate overwrites the latest version or adds one (newVersion),
// under the template's row lock.
func (s *Store) UpdateTemplate(ctx context.Context, t *pinfold.Template, version int, newVersion bool) (*pinfold.Template, error) {
	if err := checkTemplateType(t.Type); err != nil {
		return nil, err
	}
	out := *t
	out.UpdatedAt = s.stamp(t.UpdatedAt)
	out.Content = append([]byte{}, t.Content...)
	err := s.write(ctx, "update template", func(tx pgx.Tx) error {
		st, err := lockTemplate(ctx, tx, t.Scope, t.Name, t.Type)
		if err != nil {
			return err
		}
		if err := checkLatest(ctx, tx, st, version); err != nil {
			return err
		}
		if out.Tags, err = segmentTagsOf(st.tags); err != nil {
			return err
		}
		out.ActiveVersion = int(st.active)
		if newVersion {
			if st.count >= pinfold.MaxTemplateVersions {
				return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgTemplateVersionsQuota)
			}
			out.Version, out.CreatedAt = int(st.last)+1, out.UpdatedAt
			if _, err := tx.Exec(ctx, `UPDATE templates SET last_version = $1 WHERE pk = $2`, int32(out.Version), st.pk); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO template_versions
					(template_pk, version, content, description, default_substitutions, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`,
				st.pk, int32(out.Version), out.Content, out.Description, out.DefaultSubstitutions, toMillis(out.UpdatedAt))
			return err
		}
		out.Version = int(st.latest)
		var created int64
		err = tx.QueryRow(ctx, `UPDATE template_versions SET content = $1, description = $2,
				default_substitutions = $3, updated_at = $4
			WHERE template_pk = $5 AND version = $6 RETURNING created_at`,
			out.Content, out.Description, out.DefaultSubstitutions, toMillis(out.UpdatedAt), st.pk, st.latest).Scan(&created)
		out.CreatedAt = fromMillis(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTemplate removes one version, or the template when version is 0
// or its only version is deleted, under the template's row lock.
func (s *Store) DeleteTemplate(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) error {
	if err := checkTemplateType(typ); err != nil {
		return err
	}
	return s.write(ctx, "delete template", func(tx pgx.Tx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		if version != 0 {
			if version > math.MaxInt32 {
				return errResourceNotFound()
			}
			tag, err := tx.Exec(ctx, `DELETE FROM template_versions WHERE template_pk = $1 AND version = $2`, st.pk, int32(version))
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return errResourceNotFound()
			}
			if st.count > 1 {
				if version == int(st.active) {
					_, err = tx.Exec(ctx, `UPDATE templates SET active_version =
						(SELECT max(version) FROM template_versions WHERE template_pk = $1) WHERE pk = $1`, st.pk)
				}
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM templates WHERE pk = $1`, st.pk)
		return err
	})
}

// SetActiveTemplateVersion makes version (0: the latest) active.
func (s *Store) SetActiveTemplateVersion(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, version int) (int, error) {
	if err := checkTemplateType(typ); err != nil {
		return 0, err
	}
	err := s.write(ctx, "set active template version", func(tx pgx.Tx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		if version == 0 {
			version = int(st.latest)
		} else if ok, err := hasVersion(ctx, tx, st.pk, version); err != nil {
			return err
		} else if !ok {
			return errResourceNotFound()
		}
		_, err = tx.Exec(ctx, `UPDATE templates SET active_version = $1 WHERE pk = $2`, int32(version), st.pk)
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// UpdateTemplateTags removes the keys in remove and sets those in set,
// under the template's row lock.
func (s *Store) UpdateTemplateTags(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, set map[string]string, remove []string) error {
	if err := checkTemplateType(typ); err != nil {
		return err
	}
	return s.write(ctx, "update template tags", func(tx pgx.Tx) error {
		st, err := lockTemplate(ctx, tx, scope, name, typ)
		if err != nil {
			return err
		}
		tags, err := segmentTagsOf(st.tags)
		if err != nil {
			return err
		}
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
		_, err = tx.Exec(ctx, `UPDATE templates SET tags = $1 WHERE pk = $2`, b, st.pk)
		return err
	})
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
	rows, err := s.pool.Query(ctx, `SELECT `+templateColumns+` FROM templates t
		JOIN template_versions v ON v.template_pk = t.pk AND v.version = t.active_version
		WHERE t.account = $1 AND t.region = $2 AND (t.name, t.type) > ($3, $4)
			AND ($5 = '' OR (t.name >= $5 AND t.name < $6)) AND ($7 = '' OR t.type = $7)
		ORDER BY t.name, t.type LIMIT $8`,
		scope.Account, scope.Region, afterName, afterType, lo, hi, string(f.Type), size+1)
	if err != nil {
		return nil, "", wrap("list templates", err)
	}
	list, err := scanTemplates(rows, scope)
	if err != nil {
		return nil, "", wrap("list templates", err)
	}
	next := ""
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		next = pagetoken.EncodeTemplate(last.Name, last.Type)
	}
	return list, next, nil
}

// scanTemplates reads every row of rows and closes them.
func scanTemplates(rows pgx.Rows, scope pinfold.Scope) ([]*pinfold.Template, error) {
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

// ListTemplateVersions returns a page of the template's versions, newest
// first, in one snapshot. The page token is the last item's version.
func (s *Store) ListTemplateVersions(ctx context.Context, scope pinfold.Scope, name string, typ pinfold.TemplateType, page pinfold.Page) ([]*pinfold.Template, string, error) {
	if err := checkTemplateType(typ); err != nil {
		return nil, "", err
	}
	before, err := pagetoken.Decode("template-versions", page.Token, math.MaxInt32)
	if err != nil {
		return nil, "", err
	}
	before = min(before, math.MaxInt32)
	size := pageSize(page.Size)
	var list []*pinfold.Template
	err = s.read(ctx, "list template versions", func(tx pgx.Tx) error {
		var pk int64
		err := tx.QueryRow(ctx, `SELECT pk FROM templates WHERE account = $1 AND region = $2 AND name = $3 AND type = $4`,
			scope.Account, scope.Region, name, string(typ)).Scan(&pk)
		if errors.Is(err, pgx.ErrNoRows) {
			return errResourceNotFound()
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+templateColumns+` FROM templates t
			JOIN template_versions v ON v.template_pk = t.pk
			WHERE t.pk = $1 AND v.version < $2 ORDER BY v.version DESC LIMIT $3`, pk, int32(before), size+1)
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
