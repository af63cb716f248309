package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// content is a message's content for one channel before it is rendered for
// a recipient: from the request's message configuration or its template.
type content struct {
	Subject, HTML, Text, Body, Title string
	// From is the sender the message configuration names (FromAddress,
	// OriginationNumber, SenderId); the channel's is used when empty.
	From string
	// raw is content that is used as given, never rendered: a push
	// message's RawContent, an email's RawEmail (kept in Body).
	raw bool
	// Template and version the content came from ("" for the request's
	// own content).
	template, version string
	// defaults are the variables' default values (MessageData.Defaults).
	defaults map[string][]string
	// settings are the message configuration's other members, for the
	// message's Details.
	settings map[string]any
}

// templates are the templates a request names, by type, loaded once.
type templates map[pinfold.TemplateType]*loadedTemplate

type loadedTemplate struct {
	t        *pinfold.Template
	defaults map[string][]string
}

// loadTemplates reads the templates tc names. Errors fail the request:
// EINVALID for an InAppTemplate (SendMessages has no in-app channel), a
// template without a name or with a version that is not a positive
// integer, or whose stored content or DefaultSubstitutions is not valid
// JSON; ENOTFOUND "Template not found: ..." for a template or version that
// does not exist.
func (s *Service) loadTemplates(ctx context.Context, scope pinfold.Scope, tc *shapes.TemplateConfiguration) (templates, error) {
	out := templates{}
	if tc == nil {
		return out, nil
	}
	if tc.InAppTemplate != nil {
		return nil, pinfold.Errorf(pinfold.EINVALID, "InAppTemplate is not supported for direct messages")
	}
	for _, x := range []struct {
		t   pinfold.TemplateType
		ref *shapes.Template
	}{
		{pinfold.TemplateEmail, tc.EmailTemplate},
		{pinfold.TemplateSMS, tc.SMSTemplate},
		{pinfold.TemplateVoice, tc.VoiceTemplate},
		{pinfold.TemplatePush, tc.PushTemplate},
	} {
		if x.ref == nil {
			continue
		}
		name := deref(x.ref.Name)
		if name == "" {
			return nil, pinfold.Errorf(pinfold.EINVALID, "Missing TemplateConfiguration.%sTemplate.Name", templateField(x.t))
		}
		version := 0
		if v := deref(x.ref.Version); v != "" && v != "latest" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid template version %q: must be a version number", v)
			}
			version = n
		}
		t, err := s.Store.GetTemplate(ctx, scope, name, x.t, version)
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			return nil, pinfold.Errorf(pinfold.ENOTFOUND, "Template not found: %s (%s)", name, x.t)
		} else if err != nil {
			return nil, fmt.Errorf("get template: %w", err)
		}
		defaults, err := parseSubstitutions(t.DefaultSubstitutions)
		if err != nil {
			return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid DefaultSubstitutions of template %s: %s", name, err)
		}
		out[x.t] = &loadedTemplate{t: t, defaults: defaults}
	}
	return out, nil
}

func templateField(t pinfold.TemplateType) string {
	switch t {
	case pinfold.TemplateEmail:
		return "Email"
	case pinfold.TemplatePush:
		return "Push"
	case pinfold.TemplateVoice:
		return "Voice"
	}
	return string(t)
}

// parseSubstitutions reads a template's DefaultSubstitutions, a JSON object
// of variable names to values: strings (or numbers, booleans) as one
// value, lists of them as several.
func parseSubstitutions(s string) (map[string][]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				out[k] = append(out[k], scalar(e))
			}
		default:
			out[k] = []string{scalar(x)}
		}
	}
	return out, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// layer returns base with over's keys set over it, in a new map (base
// itself when over is empty).
func layer(base, over map[string][]string) map[string][]string {
	if len(over) == 0 {
		return base
	}
	out := make(map[string][]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// contentFor returns the content of channel ct for a request with
// configuration mc and templates tm, nil when the request has none for it.
// A channel with a template takes its content from the template; the
// message configuration then gives the sender, the settings and the
// substitutions (over the template's defaults).
func contentFor(ct pinfold.ChannelType, mc *shapes.DirectMessageConfiguration, tm templates) (*content, error) {
	if mc == nil {
		mc = &shapes.DirectMessageConfiguration{}
	}
	var subs map[string][]string
	defaultBody := ""
	if mc.DefaultMessage != nil {
		subs = mc.DefaultMessage.Substitutions
		defaultBody = deref(mc.DefaultMessage.Body)
	}
	var c *content
	var tt pinfold.TemplateType
	switch ct {
	case pinfold.ChannelEmail:
		tt = pinfold.TemplateEmail
		c = &content{}
		if m := mc.EmailMessage; m != nil {
			subs = layer(subs, m.Substitutions)
			c.From = deref(m.FromAddress)
			if se := m.SimpleEmail; se != nil {
				c.Subject = partData(se.Subject)
				c.HTML = partData(se.HtmlPart)
				c.Text = partData(se.TextPart)
			}
			if c.Text == "" {
				c.Text = deref(m.Body)
			}
			if m.RawEmail != nil && len(m.RawEmail.Data) > 0 {
				c.Body, c.raw = string(m.RawEmail.Data), true
				if msg, err := mail.ReadMessage(strings.NewReader(c.Body)); err == nil {
					c.Subject = msg.Header.Get("Subject")
				}
			}
			c.settings = settingsOf(m, "Body", "FromAddress", "RawEmail", "SimpleEmail", "Substitutions")
			if se := m.SimpleEmail; se != nil && len(se.Headers) > 0 {
				if c.settings == nil {
					c.settings = map[string]any{}
				}
				c.settings["Headers"] = se.Headers
			}
		}
		if c.Text == "" && c.HTML == "" && c.Body == "" {
			c.Text = defaultBody
		}
	case pinfold.ChannelSMS:
		tt = pinfold.TemplateSMS
		c = &content{Body: defaultBody}
		if m := mc.SMSMessage; m != nil {
			subs = layer(subs, m.Substitutions)
			if b := deref(m.Body); b != "" {
				c.Body = b
			}
			c.From = firstOf(deref(m.OriginationNumber), deref(m.SenderId))
			c.settings = settingsOf(m, "Body", "Substitutions")
		}
	case pinfold.ChannelVoice:
		tt = pinfold.TemplateVoice
		c = &content{Body: defaultBody}
		if m := mc.VoiceMessage; m != nil {
			subs = layer(subs, m.Substitutions)
			if b := deref(m.Body); b != "" {
				c.Body = b
			}
			c.From = deref(m.OriginationNumber)
			c.settings = settingsOf(m, "Body", "Substitutions")
		}
	default: // push channels
		tt = pinfold.TemplatePush
		c = &content{Body: defaultBody}
		var specific any
		var body, title, rawContent *string
		var specificSubs map[string][]string
		switch ct {
		case pinfold.ChannelGCM:
			if m := mc.GCMMessage; m != nil {
				specific, body, title, rawContent, specificSubs = m, m.Body, m.Title, m.RawContent, m.Substitutions
			}
		case pinfold.ChannelAPNS, pinfold.ChannelAPNSSandbox, pinfold.ChannelAPNSVoip, pinfold.ChannelAPNSVoipSandbox:
			if m := mc.APNSMessage; m != nil {
				specific, body, title, rawContent, specificSubs = m, m.Body, m.Title, m.RawContent, m.Substitutions
			}
		case pinfold.ChannelBaidu:
			if m := mc.BaiduMessage; m != nil {
				specific, body, title, rawContent, specificSubs = m, m.Body, m.Title, m.RawContent, m.Substitutions
			}
		case pinfold.ChannelADM:
			if m := mc.ADMMessage; m != nil {
				specific, body, title, rawContent, specificSubs = m, m.Body, m.Title, m.RawContent, m.Substitutions
			}
		}
		if d := mc.DefaultPushNotificationMessage; d != nil {
			subs = layer(subs, d.Substitutions)
			if b := deref(d.Body); b != "" {
				c.Body = b
			}
			c.Title = deref(d.Title)
			c.settings = settingsOf(d, "Body", "Title", "Substitutions")
		}
		if specific != nil {
			subs = layer(subs, specificSubs)
			if b := deref(body); b != "" {
				c.Body = b
			}
			if t := deref(title); t != "" {
				c.Title = t
			}
			more := settingsOf(specific, "Body", "Title", "RawContent", "Substitutions")
			if c.settings == nil {
				c.settings = more
			} else {
				for k, v := range more {
					c.settings[k] = v
				}
			}
			if r := deref(rawContent); r != "" {
				c.Body, c.Title, c.raw = r, "", true
			}
		}
	}
	if lt := tm[tt]; lt != nil {
		if err := fromTemplate(c, ct, lt); err != nil {
			return nil, err
		}
		c.defaults = layer(lt.defaults, subs)
	} else {
		c.defaults = subs
	}
	if c.Subject == "" && c.HTML == "" && c.Text == "" && c.Body == "" && c.Title == "" {
		return nil, nil
	}
	return c, nil
}

// fromTemplate replaces c's content with the template's.
func fromTemplate(c *content, ct pinfold.ChannelType, lt *loadedTemplate) error {
	t := lt.t
	bad := func(err error) error {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid template %s version %d: %v", t.Name, t.Version, err)
	}
	c.template, c.version = t.Name, strconv.Itoa(t.Version)
	c.raw = false
	c.Subject, c.HTML, c.Text, c.Body, c.Title = "", "", "", "", ""
	switch t.Type {
	case pinfold.TemplateEmail:
		var r shapes.EmailTemplateRequest
		if err := json.Unmarshal(t.Content, &r); err != nil {
			return bad(err)
		}
		c.Subject, c.HTML, c.Text = deref(r.Subject), deref(r.HtmlPart), deref(r.TextPart)
	case pinfold.TemplateSMS:
		var r shapes.SMSTemplateRequest
		if err := json.Unmarshal(t.Content, &r); err != nil {
			return bad(err)
		}
		c.Body = deref(r.Body)
	case pinfold.TemplateVoice:
		var r shapes.VoiceTemplateRequest
		if err := json.Unmarshal(t.Content, &r); err != nil {
			return bad(err)
		}
		c.Body = deref(r.Body)
		for k, v := range map[string]*string{"LanguageCode": r.LanguageCode, "VoiceId": r.VoiceId} {
			if v != nil {
				if c.settings == nil {
					c.settings = map[string]any{}
				}
				if _, given := c.settings[k]; !given {
					c.settings[k] = *v
				}
			}
		}
	case pinfold.TemplatePush:
		var r shapes.PushNotificationTemplateRequest
		if err := json.Unmarshal(t.Content, &r); err != nil {
			return bad(err)
		}
		var android *shapes.AndroidPushNotificationTemplate
		switch ct {
		case pinfold.ChannelGCM:
			android = r.GCM
		case pinfold.ChannelBaidu:
			android = r.Baidu
		case pinfold.ChannelADM:
			android = r.ADM
		case pinfold.ChannelAPNS, pinfold.ChannelAPNSSandbox, pinfold.ChannelAPNSVoip, pinfold.ChannelAPNSVoipSandbox:
			if a := r.APNS; a != nil {
				if raw := deref(a.RawContent); raw != "" {
					c.Body, c.raw = raw, false
					return nil
				}
				c.Body, c.Title = deref(a.Body), deref(a.Title)
			}
		}
		if android != nil {
			if raw := deref(android.RawContent); raw != "" {
				c.Body = raw
				return nil
			}
			c.Body, c.Title = deref(android.Body), deref(android.Title)
		}
		if d := r.Default; d != nil {
			c.Body, c.Title = firstOf(c.Body, deref(d.Body)), firstOf(c.Title, deref(d.Title))
		}
	}
	return nil
}

// settingsOf returns the JSON members of v (a message configuration
// shape) other than the content members named in drop; nil when none.
func settingsOf(v any, drop ...string) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	for _, k := range drop {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func partData(p *shapes.SimpleEmailPart) string {
	if p == nil {
		return ""
	}
	return deref(p.Data)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
