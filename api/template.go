package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
	"github.com/pinfold/pinfold/wire/shapes"
)

// Message templates: Create, Get, Update and Delete for the five template
// types (EMAIL, SMS, VOICE, PUSH, INAPP), ListTemplates,
// ListTemplateVersions and UpdateTemplateActiveVersion.
//
// A version's request body is decoded into the type's request shape
// (EmailTemplateRequest, SMSTemplateRequest, VoiceTemplateRequest,
// PushNotificationTemplateRequest, InAppTemplateRequest), checked, and kept
// as Template.Content: the shape encoded again, without its tags, so that
// whoever reads a template (sending a message) decodes Content with
// shapes.Decode into the same shape. Tags are the template's, set on
// creation and by TagResource; an update's tags are ignored, as Pinpoint
// documents since 2023.
//
// Pinpoint is silent on several points; pinfold's choices are in
// docs/messaging.md: a duplicate create is BadRequestException "Template
// already exists"; deleting the active version makes the latest remaining
// version active, and deleting the only version deletes the template;
// ListTemplates is ordered by name and type, ListTemplateVersions newest
// first, pages of 100 by default and 1000 at most.

// templateKind is what differs between the template types.
type templateKind struct {
	typ pinfold.TemplateType
	// request returns a new value of the type's request shape.
	request func() shapes.Shape
	// maxChars is the type's size quota, in characters of content.
	maxChars int
	// response returns the type's response shape for t, whose Content is
	// decoded in req, with the members every response has in c.
	response func(c shapes.TemplateResponse, req shapes.Shape) any
}

// The size quotas of the template types, in characters (Pinpoint's
// quotas page).
const (
	maxEmailTemplateChars = 600_000
	maxInAppTemplateChars = 200_000
	maxSMSTemplateChars   = 1_600
	maxVoiceTemplateChars = 10_000
	maxPushTemplateChars  = 4_000
)

// Caps on the lists of template requests: an email may have up to 15
// headers (the model's documentation of Headers); an in-app message up to 5
// contents (a carousel's most; pinfold's choice where Pinpoint states none).
// A created template's tags are capped at AWS's tagging quota of 50 tags
// per resource.
const (
	maxEmailHeaders = 15
	maxInAppContent = 5
	maxTemplateTags = 50
)

// templateKinds returns the kind of each template type.
func templateKinds() map[pinfold.TemplateType]templateKind {
	kinds := []templateKind{
		{typ: pinfold.TemplateEmail, maxChars: maxEmailTemplateChars,
			request: func() shapes.Shape { return new(shapes.EmailTemplateRequest) },
			response: func(c shapes.TemplateResponse, s shapes.Shape) any {
				r := s.(*shapes.EmailTemplateRequest)
				return &shapes.EmailTemplateResponse{Arn: c.Arn, CreationDate: c.CreationDate,
					DefaultSubstitutions: r.DefaultSubstitutions, Headers: r.Headers, HtmlPart: r.HtmlPart,
					LastModifiedDate: c.LastModifiedDate, RecommenderId: r.RecommenderId, Subject: r.Subject,
					TemplateDescription: r.TemplateDescription, TemplateName: c.TemplateName,
					TemplateType: c.TemplateType, TextPart: r.TextPart, Version: c.Version, Tags: c.Tags}
			}},
		{typ: pinfold.TemplateSMS, maxChars: maxSMSTemplateChars,
			request: func() shapes.Shape { return new(shapes.SMSTemplateRequest) },
			response: func(c shapes.TemplateResponse, s shapes.Shape) any {
				r := s.(*shapes.SMSTemplateRequest)
				return &shapes.SMSTemplateResponse{Arn: c.Arn, Body: r.Body, CreationDate: c.CreationDate,
					DefaultSubstitutions: r.DefaultSubstitutions, LastModifiedDate: c.LastModifiedDate,
					RecommenderId: r.RecommenderId, TemplateDescription: r.TemplateDescription,
					TemplateName: c.TemplateName, TemplateType: c.TemplateType, Version: c.Version, Tags: c.Tags}
			}},
		{typ: pinfold.TemplateVoice, maxChars: maxVoiceTemplateChars,
			request: func() shapes.Shape { return new(shapes.VoiceTemplateRequest) },
			response: func(c shapes.TemplateResponse, s shapes.Shape) any {
				r := s.(*shapes.VoiceTemplateRequest)
				return &shapes.VoiceTemplateResponse{Arn: c.Arn, Body: r.Body, CreationDate: c.CreationDate,
					DefaultSubstitutions: r.DefaultSubstitutions, LanguageCode: r.LanguageCode,
					LastModifiedDate: c.LastModifiedDate, TemplateDescription: r.TemplateDescription,
					TemplateName: c.TemplateName, TemplateType: c.TemplateType, Version: c.Version,
					VoiceId: r.VoiceId, Tags: c.Tags}
			}},
		{typ: pinfold.TemplatePush, maxChars: maxPushTemplateChars,
			request: func() shapes.Shape { return new(shapes.PushNotificationTemplateRequest) },
			response: func(c shapes.TemplateResponse, s shapes.Shape) any {
				r := s.(*shapes.PushNotificationTemplateRequest)
				return &shapes.PushNotificationTemplateResponse{ADM: r.ADM, APNS: r.APNS, Arn: c.Arn,
					Baidu: r.Baidu, CreationDate: c.CreationDate, Default: r.Default,
					DefaultSubstitutions: r.DefaultSubstitutions, GCM: r.GCM, LastModifiedDate: c.LastModifiedDate,
					RecommenderId: r.RecommenderId, TemplateDescription: r.TemplateDescription,
					TemplateName: c.TemplateName, TemplateType: c.TemplateType, Version: c.Version, Tags: c.Tags}
			}},
		{typ: pinfold.TemplateInApp, maxChars: maxInAppTemplateChars,
			request: func() shapes.Shape { return new(shapes.InAppTemplateRequest) },
			response: func(c shapes.TemplateResponse, s shapes.Shape) any {
				r := s.(*shapes.InAppTemplateRequest)
				return &shapes.InAppTemplateResponse{Arn: c.Arn, Content: r.Content, CreationDate: c.CreationDate,
					CustomConfig: r.CustomConfig, LastModifiedDate: c.LastModifiedDate, Layout: r.Layout,
					TemplateDescription: r.TemplateDescription, TemplateName: c.TemplateName,
					TemplateType: c.TemplateType, Version: c.Version, Tags: c.Tags}
			}},
	}
	m := make(map[pinfold.TemplateType]templateKind, len(kinds))
	for _, k := range kinds {
		m[k.typ] = k
	}
	return m
}

// templateMembers returns pointers to the members of a template request
// shape that the store repeats or the API treats apart: its tags, its
// description and its default substitutions (nil for in-app templates,
// which have none).
func templateMembers(s shapes.Shape) (tags *map[string]string, desc, subs **string) {
	switch r := s.(type) {
	case *shapes.EmailTemplateRequest:
		return &r.Tags, &r.TemplateDescription, &r.DefaultSubstitutions
	case *shapes.SMSTemplateRequest:
		return &r.Tags, &r.TemplateDescription, &r.DefaultSubstitutions
	case *shapes.VoiceTemplateRequest:
		return &r.Tags, &r.TemplateDescription, &r.DefaultSubstitutions
	case *shapes.PushNotificationTemplateRequest:
		return &r.Tags, &r.TemplateDescription, &r.DefaultSubstitutions
	case *shapes.InAppTemplateRequest:
		return &r.Tags, &r.TemplateDescription, nil
	}
	panic(fmt.Sprintf("api: %T is not a template request", s))
}

// templateName returns the request's template-name path label.
// EINVALID for a name Pinpoint does not allow.
func templateName(r *request) (string, error) {
	name := r.PathValue("templateName")
	if !pinfold.ValidTemplateName(name) {
		return "", pinfold.Errorf(pinfold.EINVALID, "Invalid template name %q: a template name starts with a letter "+
			"or digit and has up to 128 letters, digits, underscores (_) and hyphens (-)", name)
	}
	return name, nil
}

// templateTypeOf reads a template type given as a path label or query
// parameter, in any case (EMAIL or email). EINVALID for another value.
func templateTypeOf(s string) (pinfold.TemplateType, error) {
	t := pinfold.TemplateType(strings.ToUpper(s))
	if !t.Valid() {
		return "", pinfold.Errorf(pinfold.EINVALID, "Invalid template type %q: must be EMAIL, SMS, VOICE, PUSH or INAPP", s)
	}
	return t, nil
}

// versionOf reads a version number: a positive integer. EINVALID
// otherwise, naming what.
func versionOf(s, what string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, pinfold.Errorf(pinfold.EINVALID, "Invalid %s %q: must be a template version number", what, s)
	}
	return n, nil
}

// queryVersion reads the version query parameter: 0 when absent.
func queryVersion(r *request) (int, error) {
	s, ok := r.URL.Query()["version"]
	if !ok {
		return 0, nil
	}
	return versionOf(s[0], "version")
}

// decodeTemplate decodes and checks a template request body of kind k and
// returns the template it describes (Content, Description,
// DefaultSubstitutions, Tags) in r's scope under name.
func (k templateKind) decodeTemplate(r *request, name string) (*pinfold.Template, error) {
	// The lists are counted before decoding: a list of many empty objects
	// costs about 20 (email headers) to 80 (in-app contents) times its
	// bytes to decode, more than the request was charged.
	switch k.typ {
	case pinfold.TemplateEmail:
		if listLen(r.body, "Headers") > maxEmailHeaders {
			return nil, pinfold.Errorf(pinfold.EINVALID, "Too many Headers: an email template may have up to %d", maxEmailHeaders)
		}
	case pinfold.TemplateInApp:
		if listLen(r.body, "Content") > maxInAppContent {
			return nil, pinfold.Errorf(pinfold.EINVALID, "Too many Content items: an in-app template may have up to %d", maxInAppContent)
		}
	}
	in := k.request()
	if err := shapes.Decode(r.body, in); err != nil {
		return nil, err
	}
	tagsp, desc, subs := templateMembers(in)
	tags := *tagsp
	*tagsp = nil
	if len(tags) > maxTemplateTags {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Too many tags: a template may have up to %d", maxTemplateTags)
	}
	t := &pinfold.Template{Scope: r.scope, Name: name, Type: k.typ, Tags: tags, Description: deref(*desc)}
	if subs != nil && *subs != nil {
		if err := checkSubstitutions(**subs); err != nil {
			return nil, err
		}
		t.DefaultSubstitutions = **subs
	}
	if n := contentChars(reflect.ValueOf(in)); n > k.maxChars {
		return nil, pinfold.Errorf(pinfold.EINVALID,
			"Template content of %d characters exceeds the limit of %d characters for %s templates", n, k.maxChars, k.typ)
	}
	var err error
	if t.Content, err = shapes.Encode(in); err != nil {
		return nil, err
	}
	return t, nil
}

// listLen returns the number of elements of the list that is member
// member of the JSON object body (the key matched as shapes.Decode matches
// it: exactly, or else case-insensitively; the longest when the key is
// repeated), without decoding them: 0 when there is none. A malformed body
// counts what it can; shapes.Decode reports the error.
func listLen(body []byte, member string) int {
	r, err := jsontok.NewReader(body, true)
	if err != nil {
		return 0
	}
	most := 0
	_ = r.Members([]string{member}, func(string) error {
		if c, err := r.Peek(); err != nil || c != '[' {
			return r.Skip()
		}
		if err := r.OpenArray(); err != nil {
			return err
		}
		n := 0
		for first := true; ; first = false {
			more, err := r.Element(first)
			if err != nil || !more {
				most = max(most, n)
				return err
			}
			if err := r.Skip(); err != nil {
				return err
			}
			n++
		}
	})
	return most
}

// checkSubstitutions checks DefaultSubstitutions: "" (none) or a JSON
// object whose values are strings.
func checkSubstitutions(s string) error {
	if s == "" {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return pinfold.Errorf(pinfold.EINVALID,
			"Invalid DefaultSubstitutions: must be a JSON object of variable names to string values, such as {\"FirstName\":\"there\"}")
	}
	return nil
}

// contentChars returns the number of characters of a template request's
// content: of every string in v, map keys included. The tags are cleared
// before it is called.
func contentChars(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		return contentChars(v.Elem())
	case reflect.String:
		return utf8.RuneCountInString(v.String())
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += contentChars(v.Field(i))
		}
		return n
	case reflect.Slice:
		n := 0
		for i := range v.Len() {
			n += contentChars(v.Index(i))
		}
		return n
	case reflect.Map:
		n := 0
		for it := v.MapRange(); it.Next(); {
			n += contentChars(it.Key()) + contentChars(it.Value())
		}
		return n
	}
	return 0
}

// createTemplate answers CreateXTemplate for t: version 1, active.
func (h *Handler) createTemplate(t pinfold.TemplateType) opFunc {
	k := templateKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		tp, err := k.decodeTemplate(r, name)
		if err != nil {
			return err
		}
		tp.CreatedAt = h.Now().UTC()
		if _, err := h.Store.CreateTemplate(r.Context(), tp); err != nil {
			return err
		}
		return writeShapeBody(w, http.StatusCreated, &shapes.CreateTemplateMessageBody{
			Arn: new(tp.ARN()), Message: new("Created"), RequestID: new(r.id)})
	}
}

// getTemplate answers GetXTemplate for t: the version asked for, or the
// active one.
func (h *Handler) getTemplate(t pinfold.TemplateType) opFunc {
	k := templateKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		version, err := queryVersion(r)
		if err != nil {
			return err
		}
		tp, err := h.Store.GetTemplate(r.Context(), r.scope, name, t, version)
		if err != nil {
			return err
		}
		in := k.request()
		if err := shapes.Decode(tp.Content, in); err != nil {
			return fmt.Errorf("read %s template %s version %d: %w", t, name, tp.Version, err)
		}
		tags := tp.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		c := shapes.TemplateResponse{Arn: new(tp.ARN()), CreationDate: pinfold.FormatTime(tp.CreatedAt),
			LastModifiedDate: pinfold.FormatTime(tp.UpdatedAt), TemplateName: tp.Name,
			TemplateType: shapes.TemplateType(tp.Type), Version: new(strconv.Itoa(tp.Version)), Tags: tags}
		return writeShapeBody(w, http.StatusOK, k.response(c, in))
	}
}

// updateTemplate answers UpdateXTemplate for t: it overwrites the latest
// version, or adds one with create-new-version=true. version, when given,
// must be the latest version; it cannot go with create-new-version=true.
func (h *Handler) updateTemplate(t pinfold.TemplateType) opFunc {
	k := templateKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		version, err := queryVersion(r)
		if err != nil {
			return err
		}
		newVersion := false
		if s := r.URL.Query().Get("create-new-version"); s != "" {
			if newVersion, err = strconv.ParseBool(s); err != nil {
				return pinfold.Errorf(pinfold.EINVALID, "Invalid create-new-version %q: must be true or false", s)
			}
		}
		if newVersion && version != 0 {
			return pinfold.Errorf(pinfold.EINVALID, "Cannot specify both version and create-new-version=true: "+
				"a new version is added after the latest")
		}
		tp, err := k.decodeTemplate(r, name)
		if err != nil {
			return err
		}
		tp.UpdatedAt = h.Now().UTC()
		if _, err := h.Store.UpdateTemplate(r.Context(), tp, version, newVersion); err != nil {
			return err
		}
		return writeShapeBody(w, http.StatusAccepted, &shapes.MessageBody{Message: new("Accepted"), RequestID: new(r.id)})
	}
}

// deleteTemplate answers DeleteXTemplate for t: one version, or the whole
// template without version.
func (h *Handler) deleteTemplate(t pinfold.TemplateType) opFunc {
	return func(w http.ResponseWriter, r *request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		version, err := queryVersion(r)
		if err != nil {
			return err
		}
		if err := h.Store.DeleteTemplate(r.Context(), r.scope, name, t, version); err != nil {
			return err
		}
		return writeShapeBody(w, http.StatusAccepted, &shapes.MessageBody{Message: new("Accepted"), RequestID: new(r.id)})
	}
}

// listTemplates answers ListTemplates: the scope's templates, by name and
// type, each as its active version, filtered by prefix and template-type.
func (h *Handler) listTemplates(w http.ResponseWriter, r *request) error {
	page, err := pageOf(r, "next-token")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := pinfold.TemplateFilter{Prefix: q.Get("prefix")}
	if s := q.Get("template-type"); s != "" {
		if f.Type, err = templateTypeOf(s); err != nil {
			return err
		}
	}
	list, next, err := h.Store.ListTemplates(r.Context(), r.scope, f, page)
	if err != nil {
		return err
	}
	out := &shapes.TemplatesResponse{Item: make([]shapes.TemplateResponse, len(list))}
	for i, tp := range list {
		out.Item[i] = shapes.TemplateResponse{CreationDate: pinfold.FormatTime(tp.CreatedAt),
			LastModifiedDate: pinfold.FormatTime(tp.UpdatedAt), TemplateName: tp.Name,
			TemplateType: shapes.TemplateType(tp.Type), Version: new(strconv.Itoa(tp.Version))}
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeShapeBody(w, http.StatusOK, out)
}

// listTemplateVersions answers ListTemplateVersions: the template's
// versions, newest first.
func (h *Handler) listTemplateVersions(w http.ResponseWriter, r *request) error {
	name, err := templateName(r)
	if err != nil {
		return err
	}
	t, err := templateTypeOf(r.PathValue("templateType"))
	if err != nil {
		return err
	}
	page, err := pageOf(r, "next-token")
	if err != nil {
		return err
	}
	list, next, err := h.Store.ListTemplateVersions(r.Context(), r.scope, name, t, page)
	if err != nil {
		return err
	}
	out := &shapes.TemplateVersionsResponse{Item: make([]shapes.TemplateVersionResponse, len(list))}
	for i, tp := range list {
		out.Item[i] = shapes.TemplateVersionResponse{CreationDate: pinfold.FormatTime(tp.CreatedAt),
			DefaultSubstitutions: optionalString(tp.DefaultSubstitutions),
			LastModifiedDate:     pinfold.FormatTime(tp.UpdatedAt),
			TemplateDescription:  optionalString(tp.Description), TemplateName: tp.Name,
			TemplateType: string(tp.Type), Version: new(strconv.Itoa(tp.Version))}
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeShapeBody(w, http.StatusOK, out)
}

// updateTemplateActiveVersion answers UpdateTemplateActiveVersion: Version
// is "latest" (any case) or the number of an existing version.
func (h *Handler) updateTemplateActiveVersion(w http.ResponseWriter, r *request) error {
	name, err := templateName(r)
	if err != nil {
		return err
	}
	t, err := templateTypeOf(r.PathValue("templateType"))
	if err != nil {
		return err
	}
	var in shapes.TemplateActiveVersionRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	version := 0
	switch s := deref(in.Version); {
	case s == "":
		return pinfold.Errorf(pinfold.EINVALID, "Missing Version")
	case strings.EqualFold(s, "latest"):
	default:
		if version, err = versionOf(s, "Version"); err != nil {
			return err
		}
	}
	if _, err := h.Store.SetActiveTemplateVersion(r.Context(), r.scope, name, t, version); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, &shapes.MessageBody{Message: new("Accepted"), RequestID: new(r.id)})
}
