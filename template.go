package pinfold

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// TemplateType is one of the five kinds of message template. Each has its
// own routes, /v1/templates/{name}/{path}, where path is TemplateType.Path.
type TemplateType string

// The template types (Pinpoint's TemplateType values).
const (
	TemplateEmail TemplateType = "EMAIL"
	TemplateSMS   TemplateType = "SMS"
	TemplateVoice TemplateType = "VOICE"
	TemplatePush  TemplateType = "PUSH"
	TemplateInApp TemplateType = "INAPP"
)

// AllTemplateTypes returns the five template types in a new slice.
func AllTemplateTypes() []TemplateType {
	return []TemplateType{TemplateEmail, TemplateSMS, TemplateVoice, TemplatePush, TemplateInApp}
}

// Valid reports whether t is one of the five template types.
func (t TemplateType) Valid() bool {
	switch t {
	case TemplateEmail, TemplateSMS, TemplateVoice, TemplatePush, TemplateInApp:
		return true
	}
	return false
}

// Path returns the type's name in its URL path: the type in lower case
// (email, sms, voice, push, inapp).
func (t TemplateType) Path() string { return strings.ToLower(string(t)) }

// Template names: they start with a letter or digit and hold up to 128
// letters, digits, underscores and hyphens; they are case sensitive.
var templateNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// ValidTemplateName reports whether name is a valid template name.
func ValidTemplateName(name string) bool { return templateNameRe.MatchString(name) }

// MaxTemplateVersions is the most versions a template may have.
const MaxTemplateVersions = 5000

// Template is one version of a message template. Templates belong to a scope
// (an account in a region), not to an app; a template is identified by its
// name and type, so an EMAIL and an SMS template may share a name.
type Template struct {
	Scope Scope
	Name  string
	Type  TemplateType
	// Version is this version's number: 1 for the first, and each new
	// version one more than the latest there ever was (numbers of deleted
	// versions are not reused).
	Version int
	// Content is this version's request as the API keeps it: the JSON
	// document of the model's request shape for the type
	// (EmailTemplateRequest, SMSTemplateRequest, VoiceTemplateRequest,
	// PushNotificationTemplateRequest, InAppTemplateRequest), tags left
	// out. Stores keep the bytes as given.
	Content []byte
	// Description and DefaultSubstitutions repeat the TemplateDescription
	// and DefaultSubstitutions of Content, for the lists that show them.
	Description          string
	DefaultSubstitutions string
	// Tags are the template's (all its versions share them).
	Tags map[string]string
	// ActiveVersion is the template's active version when it was read.
	ActiveVersion int
	// CreatedAt is when this version was created; UpdatedAt when it was
	// last changed. Stores keep them to the millisecond.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TemplateGetter reads templates; it is what sending a message needs.
type TemplateGetter interface {
	// GetTemplate returns version of the template name of type t in scope,
	// or its active version when version is 0. ENOTFOUND "Resource not
	// found" when there is no such template or version.
	GetTemplate(ctx context.Context, scope Scope, name string, t TemplateType, version int) (*Template, error)
}

// TemplateARN returns the ARN of the template name of type t in scope,
// arn:aws:mobiletargeting:{region}:{account}:templates/{name}/{TYPE}.
func TemplateARN(s Scope, name string, t TemplateType) string {
	return "arn:aws:mobiletargeting:" + s.Region + ":" + s.Account + ":templates/" + name + "/" + string(t)
}

// ARN returns the template's Amazon Resource Name (see TemplateARN).
func (t *Template) ARN() string { return TemplateARN(t.Scope, t.Name, t.Type) }

// MaxTemplatesPerScope is Pinpoint's quota of message templates (of all
// types) per account and region.
const MaxTemplatesPerScope = 20000

// Messages of the template store's errors.
const (
	// MsgTemplateExists: CreateTemplate of a name and type the scope has.
	MsgTemplateExists = "Template already exists"
	// MsgTemplatesQuota: the scope would have more than
	// MaxTemplatesPerScope templates.
	MsgTemplatesQuota = "Exceeded maximum number of message templates: 20000"
	// MsgTemplateVersionsQuota: the template would have more than
	// MaxTemplateVersions versions.
	MsgTemplateVersionsQuota = "Exceeded maximum number of versions per template: 5000"
)

// TemplateFilter selects the templates ListTemplates returns.
type TemplateFilter struct {
	// Prefix keeps the templates whose name starts with it (case
	// sensitive); "" keeps all.
	Prefix string
	// Type keeps the templates of that type; "" keeps all.
	Type TemplateType
}

// TemplateStore persists message templates and their versions. A template
// is the scope's name and type; it has one or more versions, numbered from
// 1 without reuse, and one of them is active. Every method is scoped: a
// template of another scope does not exist for it (ENOTFOUND "Resource not
// found"). Stores check the template type (EINVALID "Invalid template type
// ...") but not names or contents, which the API validates.
type TemplateStore interface {
	TemplateGetter
	// CreateTemplate stores a new template of t.Scope, t.Name and t.Type,
	// with t.Tags, and its version 1, active, of t.Content, t.Description
	// and t.DefaultSubstitutions, created at t.CreatedAt (the store's clock
	// when zero; UpdatedAt is the same). It returns the stored version; t
	// is not modified. EINVALID MsgTemplateExists when the scope has a
	// template of that name and type, MsgTemplatesQuota when it has
	// MaxTemplatesPerScope templates.
	CreateTemplate(ctx context.Context, t *Template) (*Template, error)
	// UpdateTemplate writes t.Content, t.Description and
	// t.DefaultSubstitutions to the template t.Name of type t.Type at
	// t.UpdatedAt (the store's clock when zero). With newVersion it adds a
	// version, numbered one more than the highest there ever was, which
	// does not become active; concurrent calls each get their own version.
	// Otherwise it overwrites the latest existing version in place (its
	// CreatedAt kept). version, when not 0, must be the latest existing
	// version: ENOTFOUND "Resource not found" when the template has no such
	// version, EINVALID when it is not the latest. t.Tags, t.Version and
	// t.CreatedAt are ignored; t is not modified. It returns the version
	// written. ENOTFOUND without the template; EINVALID
	// MsgTemplateVersionsQuota when a new version would make more than
	// MaxTemplateVersions.
	UpdateTemplate(ctx context.Context, t *Template, version int, newVersion bool) (*Template, error)
	// DeleteTemplate removes version of the template name of type typ, or
	// the whole template (every version, its tags) when version is 0.
	// Deleting the template's only version deletes the template. Deleting
	// the active version makes the latest remaining version active. The
	// numbers of deleted versions are not reused while the template
	// exists. ENOTFOUND without the template or the version.
	DeleteTemplate(ctx context.Context, scope Scope, name string, typ TemplateType, version int) error
	// ListTemplates returns a page of the scope's templates that match f,
	// each as its active version, ordered by name (byte order) and then
	// type, and the token of the next page ("" on the last). EINVALID for a
	// bad token.
	ListTemplates(ctx context.Context, scope Scope, f TemplateFilter, page Page) ([]*Template, string, error)
	// ListTemplateVersions returns a page of the template's versions,
	// newest (highest number) first, and the token of the next page.
	// ENOTFOUND without the template; EINVALID for a bad token.
	ListTemplateVersions(ctx context.Context, scope Scope, name string, typ TemplateType, page Page) ([]*Template, string, error)
	// SetActiveTemplateVersion makes version of the template active, or
	// its latest existing version when version is 0, and returns the
	// version made active. ENOTFOUND without the template or the version.
	SetActiveTemplateVersion(ctx context.Context, scope Scope, name string, typ TemplateType, version int) (int, error)
	// UpdateTemplateTags removes the keys in remove and sets the tags in
	// set (set wins for a key in both). ENOTFOUND without the template.
	UpdateTemplateTags(ctx context.Context, scope Scope, name string, typ TemplateType, set map[string]string, remove []string) error
}
