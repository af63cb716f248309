package wire

import (
	"bytes"
	"encoding/json"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// MessagesPage returns the body of pinfold's outbox read API
// (GET /_pinfold/apps/{id}/messages): {"Messages":[...],"NextToken":...},
// Messages always a list, newest first as given, NextToken left out when
// next is "". See AppendMessage for each message.
func MessagesPage(msgs []*pinfold.Message, next string) []byte {
	size := 64
	for _, m := range msgs {
		size += 256 + len(m.Subject) + len(m.HTMLBody) + len(m.TextBody) + len(m.Body) + len(m.Title) + len(m.Details)
	}
	o := jsontok.Open(make([]byte, 0, size))
	o.Key("Messages")
	o.B = append(o.B, '[')
	for i, m := range msgs {
		if i > 0 {
			o.B = append(o.B, ',')
		}
		o.B = AppendMessage(o.B, m)
	}
	o.B = append(o.B, ']')
	o.Str("NextToken", next)
	return o.Close()
}

// AppendMessage appends a message of the outbox as pinfold's outbox read
// API gives it: MessageId, ApplicationId, Channel, Address, EndpointId,
// UserId, Subject, HtmlBody, TextBody, Body, Title, From, TemplateName,
// TemplateVersion, RequestId, TraceId (each left out when empty), Details
// (the stored JSON document, compacted; left out when empty or not
// valid JSON) and CreationDate (pinfold.FormatTime).
func AppendMessage(dst []byte, m *pinfold.Message) []byte {
	o := jsontok.Open(dst)
	for _, f := range [...]struct{ k, v string }{{"MessageId", m.ID}, {"ApplicationId", m.AppID},
		{"Channel", string(m.Channel)}, {"Address", m.Address}, {"EndpointId", m.EndpointID}, {"UserId", m.UserID},
		{"Subject", m.Subject}, {"HtmlBody", m.HTMLBody}, {"TextBody", m.TextBody}, {"Body", m.Body},
		{"Title", m.Title}, {"From", m.From}, {"TemplateName", m.TemplateName},
		{"TemplateVersion", m.TemplateVersion}, {"RequestId", m.RequestID}, {"TraceId", m.TraceID}} {
		o.Str(f.k, f.v)
	}
	if len(m.Details) > 0 && json.Valid(m.Details) {
		o.Key("Details")
		buf := bytes.NewBuffer(o.B)
		_ = json.Compact(buf, m.Details) // valid: cannot fail
		o.B = buf.Bytes()
	}
	o.Str("CreationDate", pinfold.FormatTime(m.CreatedAt))
	return o.Close()
}

// MessagesDeleted returns the body of pinfold's outbox clear API
// (DELETE /_pinfold/apps/{id}/messages): {"Deleted":n}.
func MessagesDeleted(n int64) []byte { return EventsDeleted(n) }
