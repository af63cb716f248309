package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// Message event types recorded for each message sent (names Pinpoint's
// developer guide documents; none is documented for voice and push).
const (
	EventEmailSend  = "_email.send"
	EventSMSSuccess = "_SMS.SUCCESS"
)

// outcome is one recipient's result.
type outcome struct {
	status    shapes.DeliveryStatus
	code      int32
	message   string
	messageID string
}

func failed(status shapes.DeliveryStatus, code int32, format string, args ...any) outcome {
	return outcome{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// recipient is one address or endpoint of a send.
type recipient struct {
	// endpoint is the recipient's endpoint: stored, or for an address a
	// stand-in with only ChannelType and Address.
	endpoint *pinfold.Endpoint
	// endpointID and userID are "" for an address.
	endpointID, userID string
	channel            pinfold.ChannelType
	address            string
	cfg                shapes.EndpointSendConfiguration
}

// send is the state of one request: its channels, contents and the
// messages and events waiting to be stored.
type send struct {
	s        *Service
	scope    pinfold.Scope
	appID    string
	reqID    string
	traceID  string
	context  map[string]string
	mc       *shapes.DirectMessageConfiguration
	tm       templates
	channels map[pinfold.ChannelType]*pinfold.Channel // nil value: the app has none
	senders  map[pinfold.ChannelType]string           // each loaded channel's channelSender
	contents map[pinfold.ChannelType]*content
	seen     map[string]bool // channel + address already sent to

	msgs   []*pinfold.Message
	events []pinfold.Event
	bytes  int
}

func (s *Service) newSend(ctx context.Context, scope pinfold.Scope, appID string, traceID *string, reqCtx map[string]string,
	mc *shapes.DirectMessageConfiguration, tc *shapes.TemplateConfiguration) (*send, error) {
	if _, err := s.Store.GetApp(ctx, scope, appID); err != nil {
		return nil, err
	}
	tm, err := s.loadTemplates(ctx, scope, tc)
	if err != nil {
		return nil, err
	}
	return &send{
		s: s, scope: scope, appID: appID, reqID: requestID(ctx), traceID: deref(traceID), context: reqCtx,
		mc: mc, tm: tm,
		channels: map[pinfold.ChannelType]*pinfold.Channel{},
		senders:  map[pinfold.ChannelType]string{},
		contents: map[pinfold.ChannelType]*content{},
		seen:     map[string]bool{},
	}, nil
}

// channel returns the app's channel of type t, nil when it has none.
func (st *send) channel(ctx context.Context, t pinfold.ChannelType) (*pinfold.Channel, error) {
	if ch, ok := st.channels[t]; ok {
		return ch, nil
	}
	ch, err := st.s.Store.GetChannel(ctx, st.scope, st.appID, t)
	if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
		ch, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get channel: %w", err)
	}
	st.channels[t] = ch
	st.senders[t] = channelSender(ch) // once per request, not per message
	return ch, nil
}

func (st *send) content(t pinfold.ChannelType) (*content, error) {
	if c, ok := st.contents[t]; ok {
		return c, nil
	}
	c, err := contentFor(t, st.mc, st.tm)
	if err != nil {
		return nil, err
	}
	st.contents[t] = c
	return c, nil
}

// endpointChannel maps an endpoint's ChannelType to the channel that sends
// to it; false for types no channel sends to (PUSH, CUSTOM, IN_APP).
func endpointChannel(t string) (pinfold.ChannelType, bool) {
	ct := pinfold.ChannelType(t)
	return ct, ct.Valid()
}

// E.164: a plus, a country code that does not start with 0, at most 15
// digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ValidPhone reports whether s is a phone number in E.164 format.
func ValidPhone(s string) bool { return e164.MatchString(s) }

// ValidEmail reports whether s is a bare email address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// checkAddress reports why address cannot be sent to on channel ct, "" when
// it can.
func checkAddress(ct pinfold.ChannelType, address string) string {
	switch {
	case address == "":
		return "Missing address"
	case ct == pinfold.ChannelEmail && !ValidEmail(address):
		return "Invalid email address"
	case (ct == pinfold.ChannelSMS || ct == pinfold.ChannelVoice) && !ValidPhone(address):
		return "Invalid phone number: must be in E.164 format"
	case utf8.RuneCountInString(address) > pinfold.MaxAddressLen:
		return "Invalid address: too long"
	}
	return ""
}

// deliver sends one message to r and returns its outcome: a failure of
// the recipient alone, or SUCCESSFUL with the message queued for storing.
// Errors are the request's (a store failure, a template that does not
// render).
func (st *send) deliver(ctx context.Context, r *recipient) (outcome, error) {
	if e := r.endpoint; e != nil && r.endpointID != "" {
		if e.OptOut == "ALL" {
			return failed(shapes.DeliveryStatusOptOut, http.StatusBadRequest, "Endpoint is opted out"), nil
		}
		if e.EndpointStatus == "INACTIVE" {
			return failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "Endpoint is inactive"), nil
		}
	}
	if why := checkAddress(r.channel, r.address); why != "" {
		return failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "%s", why), nil
	}
	ch, err := st.channel(ctx, r.channel)
	if err != nil {
		return outcome{}, err
	}
	if ch == nil {
		return failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "The application has no %s channel", r.channel), nil
	}
	if !ch.Enabled {
		return failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "The application's %s channel is disabled", r.channel), nil
	}
	c, err := st.content(r.channel)
	if err != nil {
		return outcome{}, err
	}
	if c == nil && deref(r.cfg.RawContent) == "" && deref(r.cfg.BodyOverride) == "" {
		return failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "No message content for the %s channel", r.channel), nil
	}
	key := string(r.channel) + "\x00" + r.address
	if st.seen[key] {
		return failed(shapes.DeliveryStatusDuplicate, http.StatusBadRequest, "Address duplicates another recipient of the request"), nil
	}
	st.seen[key] = true

	m, err := st.message(r, c)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{status: shapes.DeliveryStatusSuccessful, code: http.StatusOK, messageID: m.ID, message: "MessageId: " + m.ID}
	if r.channel == pinfold.ChannelEmail && st.s.Relay != nil {
		if err := st.s.Relay.Send(ctx, m); err != nil {
			out = failed(shapes.DeliveryStatusTemporaryFailure, http.StatusServiceUnavailable, "SMTP relay failed: %v", err)
			out.messageID = m.ID
			m.Details = withDetail(m.Details, "RelayError", err.Error())
		}
	}
	st.queue(m, out.status == shapes.DeliveryStatusSuccessful)
	return out, nil
}

// message builds r's message from c (nil: the recipient's raw content or
// body override only).
func (st *send) message(r *recipient, c *content) (*pinfold.Message, error) {
	m := &pinfold.Message{
		ID:         st.s.newID(),
		AppID:      st.appID,
		Scope:      st.scope,
		Channel:    r.channel,
		Address:    r.address,
		EndpointID: r.endpointID,
		UserID:     r.userID,
		RequestID:  st.reqID,
		TraceID:    st.traceID,
	}
	if r.userID == "" && r.endpoint != nil {
		m.UserID = r.endpoint.UserID()
	}
	details := map[string]any{}
	if c != nil {
		m.From = c.From
		m.TemplateName, m.TemplateVersion = c.template, c.version
		for k, v := range c.settings {
			details[k] = v
		}
	}
	if m.From == "" {
		m.From = st.senders[r.channel]
	}
	if ctx := mergeContext(st.context, r.cfg.Context); len(ctx) > 0 {
		details["Context"] = ctx
	}
	if raw := deref(r.cfg.RawContent); raw != "" {
		// RawContent overrides everything and is used as given.
		m.Body = raw
		details["RawContent"] = true
	} else if c != nil {
		if c.raw {
			m.Subject, m.Body = c.Subject, c.Body
		} else {
			d := &pinfold.MessageData{Endpoint: r.endpoint, RequestID: st.reqID, Defaults: c.defaults, Overrides: r.cfg.Substitutions}
			parts, err := st.s.renderParts([]string{c.Subject, c.HTML, c.Text, c.Body, c.Title}, d)
			if err != nil {
				return nil, err
			}
			m.Subject, m.HTMLBody, m.TextBody, m.Body, m.Title = parts[0], parts[1], parts[2], parts[3], parts[4]
		}
	}
	if deref(r.cfg.RawContent) == "" {
		if b := deref(r.cfg.BodyOverride); b != "" {
			if r.channel == pinfold.ChannelEmail {
				if m.HTMLBody != "" {
					m.HTMLBody = b
				}
				if m.TextBody != "" || m.HTMLBody == "" {
					m.TextBody = b
				}
			} else {
				m.Body = b
			}
		}
		if t := deref(r.cfg.TitleOverride); t != "" {
			if r.channel == pinfold.ChannelEmail {
				m.Subject = t
			} else {
				m.Title = t
			}
		}
	}
	if len(details) > 0 {
		b, err := json.Marshal(details)
		if err != nil {
			return nil, fmt.Errorf("encode message details: %w", err)
		}
		m.Details = b
	}
	return m, nil
}

// renderParts renders each of srcs for d; sources without variables come
// back as they are, without a renderer.
func (s *Service) renderParts(srcs []string, d *pinfold.MessageData) ([]string, error) {
	if !slices.ContainsFunc(srcs, func(src string) bool { return strings.Contains(src, "{{") }) {
		return srcs, nil
	}
	if s.Renderer == nil {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Message templates are not supported by this server")
	}
	outs, err := s.Renderer.RenderParts(srcs, d)
	if err != nil {
		var pe *pinfold.Error
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid message template: %v", err)
	}
	return outs, nil
}

// channelSender is the sender a channel's settings name: the email
// channel's FromAddress, the SMS channel's SenderId or ShortCode.
func channelSender(ch *pinfold.Channel) string {
	var s map[string]any
	if ch == nil || len(ch.Settings) == 0 || json.Unmarshal(ch.Settings, &s) != nil {
		return ""
	}
	for _, k := range []string{"FromAddress", "SenderId", "ShortCode"} {
		if v, ok := s[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

func mergeContext(req, rcpt map[string]string) map[string]string {
	if len(rcpt) == 0 {
		return req
	}
	out := make(map[string]string, len(req)+len(rcpt))
	for k, v := range req {
		out[k] = v
	}
	for k, v := range rcpt {
		out[k] = v
	}
	return out
}

// withDetail sets key in the JSON object details.
func withDetail(details []byte, key string, v any) []byte {
	m := map[string]any{}
	if len(details) > 0 {
		_ = json.Unmarshal(details, &m)
	}
	m[key] = v
	b, _ := json.Marshal(m)
	return b
}

// queue adds m to the messages to store, with its event when it was sent,
// and stores them when they pass FlushBytes.
func (st *send) queue(m *pinfold.Message, sent bool) {
	st.msgs = append(st.msgs, m)
	st.bytes += len(m.Subject) + len(m.HTMLBody) + len(m.TextBody) + len(m.Body) + len(m.Title) + len(m.Details) + 256
	if !sent {
		return
	}
	var typ string
	switch m.Channel {
	case pinfold.ChannelEmail:
		typ = EventEmailSend
	case pinfold.ChannelSMS:
		typ = EventSMSSuccess
	default:
		return
	}
	now := st.s.now().UTC()
	endpointID := m.EndpointID
	if endpointID == "" {
		endpointID = m.Address
	}
	attrs := map[string]string{"message_id": m.ID, "destination": clip(m.Address, pinfold.MaxEventValueLen)}
	if m.TemplateName != "" {
		attrs["template_name"] = clip(m.TemplateName, pinfold.MaxEventValueLen)
		attrs["template_version"] = m.TemplateVersion
	}
	st.events = append(st.events, pinfold.Event{
		ID:            m.ID,
		EndpointID:    endpointID,
		EventType:     typ,
		Timestamp:     now.Truncate(time.Millisecond),
		TimestampText: pinfold.FormatTime(now),
		Attributes:    attrs,
	})
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// flushIfFull stores the queued messages when they pass FlushBytes.
func (st *send) flushIfFull(ctx context.Context) error {
	if st.bytes < FlushBytes {
		return nil
	}
	return st.flush(ctx)
}

// flush stores the queued messages and their events, in one write.
func (st *send) flush(ctx context.Context) error {
	if len(st.msgs) > 0 || len(st.events) > 0 {
		if err := st.s.Store.AddMessages(ctx, st.scope, st.appID, st.msgs, st.events); err != nil {
			return fmt.Errorf("add messages: %w", err)
		}
	}
	st.msgs, st.events, st.bytes = nil, nil, 0
	return nil
}

func (o outcome) messageResult() shapes.MessageResult {
	return shapes.MessageResult{
		DeliveryStatus: o.status,
		StatusCode:     new(o.code),
		StatusMessage:  optional(o.message),
		MessageId:      optional(o.messageID),
	}
}

func (o outcome) endpointResult(address string) shapes.EndpointMessageResult {
	return shapes.EndpointMessageResult{
		Address:        optional(address),
		DeliveryStatus: o.status,
		StatusCode:     new(o.code),
		StatusMessage:  optional(o.message),
		MessageId:      optional(o.messageID),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sortedKeys returns m's keys in order, so that sends are stored in a
// stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// endpointRecipient is the recipient of endpoint e (nil: not found).
func endpointRecipient(id, userID string, e *pinfold.Endpoint, cfg shapes.EndpointSendConfiguration) (*recipient, outcome, bool) {
	if e == nil {
		return nil, failed(shapes.DeliveryStatusPermanentFailure, http.StatusNotFound, "Endpoint not found"), false
	}
	ct, ok := endpointChannel(e.ChannelType)
	if !ok {
		return nil, failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "Unsupported channel type %q", e.ChannelType), false
	}
	return &recipient{endpoint: e, endpointID: id, userID: userID, channel: ct, address: e.Address, cfg: cfg}, outcome{}, true
}
