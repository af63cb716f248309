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
