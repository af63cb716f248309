package pinfold

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one message a send produced, as pinfold keeps it in the app's
// outbox instead of delivering it: the rendered content and where it was
// addressed. Messages are kept until they are cleared or their app is
// deleted.
type Message struct {
	// ID is the MessageId the send answered for this recipient.
	ID    string
	AppID string
	Scope Scope
	// Channel is the channel the message went through: EMAIL, SMS,
	// VOICE, or a push channel (GCM, APNS, ...).
	Channel ChannelType
	// Address is the resolved address: an email address, a phone number,
	// a device token.
	Address string
	// EndpointID and UserID are the endpoint and user the message was
	// sent to; empty for a message sent to an address.
	EndpointID string
	UserID     string
	// The rendered content: Subject, HTMLBody and TextBody for email; Body
	// for SMS, voice and push; Title for push.
	Subject  string
	HTMLBody string
	TextBody string
	Body     string
	Title    string
	// From is the sender: the email FromAddress, the SMS origination number
	// or sender ID, the voice origination number.
	From string
	// TemplateName and TemplateVersion are the template the content was
	// rendered from (empty for raw content).
	TemplateName    string
	TemplateVersion string
	// RequestID is the RequestId of the send that produced the message,
	// TraceID the request's TraceId.
	RequestID string
	TraceID   string
	// Details holds the rest of the message's settings as a JSON document
	// (message type, keyword, voice, push action and data, the request's
	// Context, ...), kept as given.
	Details []byte
	// CreatedAt is when the message was sent; stores keep it to the
	// millisecond.
	CreatedAt time.Time
}

// Validate checks what stores index of m: Channel must be a ChannelType,
// and ID, Address, EndpointID and UserID valid UTF-8 without NUL (which
// PostgreSQL's text refuses). It returns an EINVALID *Error naming the
// first problem. The content fields are not checked: stores keep them as
// they are.
func (m *Message) Validate() error {
	if !m.Channel.Valid() {
		return Errorf(EINVALID, "Invalid message channel %q", shorten(string(m.Channel)))
	}
	for _, f := range [...]struct{ name, v string }{{"MessageId", m.ID}, {"Address", m.Address},
		{"EndpointId", m.EndpointID}, {"UserId", m.UserID}} {
		if !utf8.ValidString(f.v) || strings.Contains(f.v, "\x00") {
			return Errorf(EINVALID, "Invalid message %s: must be UTF-8 without NUL", f.name)
		}
	}
	return nil
}

// MessageFilter narrows ListMessages and DeleteMessages. Empty fields match
// every message.
type MessageFilter struct {
	Address    string
	Channel    ChannelType
	MessageID  string
	EndpointID string
	UserID     string
}

// OutboxStore keeps the messages sends produce. Every method first resolves
// the app in scope: ENOTFOUND "Application not found" when it does not
// exist there. An app's messages are deleted with it.
type OutboxStore interface {
	// AddMessages stores msgs of the app and events, the message events
	// the send records (already validated, as EventStore.RecordEvents
	// takes them), all or none together, in one transaction of set-based
	// writes. It sets each message's AppID and Scope to the app's and fills
	// CreatedAt with the store's clock where it is zero (and truncates it
	// to the millisecond); it completes events exactly as RecordEvents
	// does (AppID, Scope, ReceivedAt, times to the millisecond), and
	// ListEvents lists them. EINVALID when a message fails
	// Message.Validate. Either list may be empty.
	AddMessages(ctx context.Context, scope Scope, appID string, msgs []*Message, events []Event) error
	// ListMessages returns a page of the app's messages matching f, newest
	// first (by CreatedAt, then the later stored first), and the token of
	// the next page ("" on the last). EINVALID "Invalid token" for a token
	// the store did not issue.
	ListMessages(ctx context.Context, scope Scope, appID string, f MessageFilter, page Page) ([]*Message, string, error)
	// DeleteMessages removes the app's messages matching f and returns how
	// many it removed.
	DeleteMessages(ctx context.Context, scope Scope, appID string, f MessageFilter) (int64, error)
}

// MaxMessageRecipients is the most addresses and endpoints together in one
// SendMessages request, and the most users in one SendUsersMessages
// request: pinfold's choice, Pinpoint documents none.
const MaxMessageRecipients = 1000

// OTP is a one-time password sent to a destination, waiting to be verified.
type OTP struct {
	AppID string
	Scope Scope
	// ReferenceID and Destination (a phone number in E.164) identify the
	// code together with the app.
	ReferenceID string
	Destination string
	// CodeHash is the SHA-256 of the code, hex: stores never keep codes.
	CodeHash string
	// AttemptsLeft is how many more verifications may be tried.
	AttemptsLeft int
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// OTPStore keeps one-time passwords. Methods resolve the app in scope like
// OutboxStore's. An app's codes are deleted with it.
type OTPStore interface {
	// PutOTP stores otp, replacing any code of the same app, reference and
	// destination. It fills otp.CreatedAt with the store's clock where it
	// is zero and truncates CreatedAt and ExpiresAt to the millisecond.
	PutOTP(ctx context.Context, otp *OTP) error
	// CheckOTP verifies a code in one atomic step: it reports true when
	// the app has a code for referenceID and destination whose hash is
	// codeHash, that has attempts left and has not expired at now, and
	// then removes it (a code verifies once). A wrong code uses up one
	// attempt; a code with none left, or expired, never verifies. Stores
	// remove a code once it can no longer verify (checked when expired,
	// or out of attempts).
	CheckOTP(ctx context.Context, scope Scope, appID, referenceID, destination, codeHash string, now time.Time) (bool, error)
}

// MessageData is what a message template is rendered with for one
// recipient: Pinpoint's message variables come from the endpoint (Address,
// Attributes.X, User.UserAttributes.X, Demographic.X, ...) and the request,
// and substitutions fill or override them.
type MessageData struct {
	// Endpoint is the recipient's endpoint; for a message sent to an
	// address it holds only Address and ChannelType.
	Endpoint *Endpoint
	// RequestID is the send's RequestId ({{RequestId}}).
	RequestID string
	// Defaults are the values of variables the endpoint has no value for:
	// the template's DefaultSubstitutions, with the message's
	// Substitutions over them.
	Defaults map[string][]string
	// Overrides are the recipient's own Substitutions (of its address or
	// endpoint configuration): they take precedence over every other
	// value of the same variable.
	Overrides map[string][]string
}

// requestIDKey is the context key of WithRequestID.
type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries id, the RequestId of the
// API request being served, for services that report it (a send's
// MessageResponse.RequestId, its messages' RequestID).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request ID WithRequestID put in ctx, "" when
// there is none.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
