// Package messaging sends Pinpoint's direct messages (SendMessages,
// SendUsersMessages) and one-time passwords (SendOTPMessage,
// VerifyOTPMessage) into an app's outbox: it resolves each recipient (an
// address, an endpoint, a user's endpoints), picks the message content of
// the recipient's channel from the request or renders the request's
// template, answers Pinpoint's per-recipient results, stores every message
// sent, with the message events Pinpoint records, in one write per
// request, and relays email to an SMTP server when one is configured.
//
// Nothing is delivered to phones or devices: the outbox is where a test
// reads what was "sent".
package messaging

import (
	"context"
	"time"

	"github.com/pinfold/pinfold"
)

// Store is what sending needs of pinfold's store: the app, its endpoints and
// channels, templates, the outbox, one-time passwords and events.
// pinfold.Store implementations with the template, outbox and OTP stores
// satisfy it.
type Store interface {
	GetApp(ctx context.Context, scope pinfold.Scope, id string) (*pinfold.App, error)
	GetEndpoints(ctx context.Context, scope pinfold.Scope, appID string, ids []string) (map[string]*pinfold.Endpoint, error)
	GetUserEndpoints(ctx context.Context, scope pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error)
	GetChannel(ctx context.Context, scope pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error)
	pinfold.TemplateGetter
	AddMessages(ctx context.Context, scope pinfold.Scope, appID string, msgs []*pinfold.Message, events []pinfold.Event) error
	PutOTP(ctx context.Context, otp *pinfold.OTP) error
	CheckOTP(ctx context.Context, scope pinfold.Scope, appID, referenceID, destination, codeHash string, now time.Time) (bool, error)
}

// Renderer renders the parts of a message (subject, HTML, text, body,
// title), Handlebars sources with Pinpoint's message variables and helpers,
// for one recipient; a source without "{{" comes back as it is, and the
// first part that fails gives the error. Rendering the parts together lets
// the renderer prepare the recipient's variables once (handlebars.Renderer
// is one). An error that is a *pinfold.Error is passed to the caller as it
// is; any other fails the request with EINVALID.
type Renderer interface {
	RenderParts(srcs []string, d *pinfold.MessageData) ([]string, error)
}

// Relay delivers an email message beyond the outbox (SMTPRelay sends it to
// an SMTP server). Send is called for every email message a send produces,
// before it is stored.
type Relay interface {
	Send(ctx context.Context, m *pinfold.Message) error
}

// Limits of a send, pinfold's choices where Pinpoint documents none.
const (
	// MaxRecipients is the most addresses and endpoints together in one
	// SendMessages request, and the most users in one SendUsersMessages
	// request (each user has at most pinfold.MaxEndpointsPerUser
	// endpoints).
	MaxRecipients = pinfold.MaxMessageRecipients
	// FlushBytes bounds the rendered content of the messages a request
	// holds before it stores them: a request whose messages add up to
	// more is stored in several writes of about this size.
	FlushBytes = 8 << 20
	// EndpointChunk is the most endpoints SendMessages reads at once (one
	// GetEndpoints query): endpoints are up to pinfold.MaxEndpointBytes
	// each, so a chunk holds at most a few MiB decoded, as FlushBytes
	// bounds the messages.
	EndpointChunk = 100
)

// Service sends messages. Fill Store (required) and the optional fields,
// then call its methods; they are safe for concurrent use.
type Service struct {
	Store Store
	// Renderer renders templates and message content with variables;
	// nil: a send that needs rendering fails with EINVALID.
	Renderer Renderer
	// Relay, when set, also delivers every email message.
	Relay Relay
	// Now is the clock (time.Now when nil); NewID makes MessageIds
	// (pinfold.NewOrderedID when nil: the outbox's index of message IDs
	// then grows at its end).
	Now   func() time.Time
	NewID func() string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	return pinfold.NewOrderedID()
}

// requestID is the RequestId of the API request in ctx, or a fresh one.
func requestID(ctx context.Context) string {
	if id := pinfold.RequestIDFrom(ctx); id != "" {
		return id
	}
	return pinfold.NewRequestID()
}
