package pinfold

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// ChannelType is one of the ten messaging channels an app can configure
// (Pinpoint's Platform values). Each has its own route,
// /v1/apps/{id}/channels/{path}, where path is ChannelType.Path.
type ChannelType string

// The channel types.
const (
	ChannelADM             ChannelType = "ADM"
	ChannelAPNS            ChannelType = "APNS"
	ChannelAPNSSandbox     ChannelType = "APNS_SANDBOX"
	ChannelAPNSVoip        ChannelType = "APNS_VOIP"
	ChannelAPNSVoipSandbox ChannelType = "APNS_VOIP_SANDBOX"
	ChannelBaidu           ChannelType = "BAIDU"
	ChannelEmail           ChannelType = "EMAIL"
	ChannelGCM             ChannelType = "GCM"
	ChannelSMS             ChannelType = "SMS"
	ChannelVoice           ChannelType = "VOICE"
)

// AllChannelTypes returns the ten channel types, in the order of their
// constants (alphabetical), in a new slice.
func AllChannelTypes() []ChannelType {
	return []ChannelType{ChannelADM, ChannelAPNS, ChannelAPNSSandbox, ChannelAPNSVoip, ChannelAPNSVoipSandbox,
		ChannelBaidu, ChannelEmail, ChannelGCM, ChannelSMS, ChannelVoice}
}

// Valid reports whether t is one of the ten channel types.
func (t ChannelType) Valid() bool {
	switch t {
	case ChannelADM, ChannelAPNS, ChannelAPNSSandbox, ChannelAPNSVoip, ChannelAPNSVoipSandbox,
		ChannelBaidu, ChannelEmail, ChannelGCM, ChannelSMS, ChannelVoice:
		return true
	}
	return false
}

// Path returns the channel's name in its URL path: the type in lower case
// (apns_voip_sandbox for APNS_VOIP_SANDBOX). It is also the channel's
// deprecated Id in responses ("email", "sms", ...), as AWS's published
// responses show.
func (t ChannelType) Path() string { return strings.ToLower(string(t)) }

// ChannelTypeOfPath returns the channel type whose URL path name is name
// (adm, apns, apns_sandbox, apns_voip, apns_voip_sandbox, baidu, email,
// gcm, sms, voice), and false for any other name, upper case included.
func ChannelTypeOfPath(name string) (ChannelType, bool) {
	t := ChannelType(strings.ToUpper(name))
	if !t.Valid() || t.Path() != name {
		return "", false
	}
	return t, true
}

// Channel is an app's configuration of one messaging channel. pinfold sends
// no messages: it keeps the channel so that it can be read back as AWS
// reports it.
type Channel struct {
	AppID   string
	Scope   Scope
	Type    ChannelType
	Enabled bool
	// Settings is the channel's request as the API layer keeps it: a JSON
	// document of its fields, credentials included (the API never returns
	// those). Stores keep the bytes as given.
	Settings []byte
	// Version is 1 when the channel is created and rises by one with every
	// update.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
	// LastModifiedBy is who made the last update, as the API names them.
	LastModifiedBy string
}

// MsgChannelChanged is SwapChannel's ECONFLICT message.
const MsgChannelChanged = "The channel was changed by another request"

// ChannelStore persists apps' channels, at most one of each type per app.
// Every method is scoped: an app of another scope does not exist for it
// (ENOTFOUND "Application not found"). A channel goes with its app.
type ChannelStore interface {
	// PutChannel creates or updates the channel ch.Type of app ch.AppID in
	// ch.Scope with ch.Enabled, ch.Settings and ch.LastModifiedBy, in one
	// atomic step, and returns the stored channel. ch.UpdatedAt is the time
	// of the change (the store's clock when zero, kept to the millisecond).
	// A new channel gets Version 1 and CreatedAt = UpdatedAt; an existing
	// one keeps its CreatedAt and its Version rises by one, and concurrent
	// puts each get their own version. ch.Version and ch.CreatedAt are
	// ignored; ch is not modified. EINVALID for an unknown type; ENOTFOUND
	// "Application not found".
	PutChannel(ctx context.Context, ch *Channel) (*Channel, error)
	// SwapChannel stores ch like PutChannel, but only while the app's
	// channel of type ch.Type is at version old (0: while the app has
	// none); otherwise it stores nothing and returns ECONFLICT. An update
	// that reads a channel, merges into it and writes it back uses it, and
	// retries on ECONFLICT, so that no concurrent update is lost.
	SwapChannel(ctx context.Context, ch *Channel, old int) (*Channel, error)
	// GetChannel returns the app's channel of type t. ENOTFOUND
	// "Application not found" without the app, "Resource not found" when
	// the app has no such channel.
	GetChannel(ctx context.Context, scope Scope, appID string, t ChannelType) (*Channel, error)
	// DeleteChannel removes the app's channel of type t and returns it as
	// it was. ENOTFOUND as GetChannel.
	DeleteChannel(ctx context.Context, scope Scope, appID string, t ChannelType) (*Channel, error)
	// ListChannels returns the app's channels ordered by type (empty when
	// it has none). ENOTFOUND "Application not found".
	ListChannels(ctx context.Context, scope Scope, appID string) ([]*Channel, error)
}

// EventStream is where an app's events are to be published: a Kinesis data
// stream or a Firehose delivery stream, and the role that allows it.
type EventStream struct {
	AppID                string
	Scope                Scope
	DestinationStreamARN string
	RoleARN              string
	// ExternalID is deprecated in Pinpoint's model (an account ID once used
	// in trust policies); the store keeps what it is given.
	ExternalID       string
	LastModifiedDate time.Time
	// LastUpdatedBy is who made the last change (AWS: "the IAM user").
	LastUpdatedBy string
}

// EventStreamStore persists apps' event streams, at most one per app. Every
// method is scoped like ChannelStore's. An event stream goes with its app.
type EventStreamStore interface {
	// PutEventStream creates or replaces the app's event stream with es and
	// returns the stored one. es.LastModifiedDate is the time of the change
	// (the store's clock when zero, kept to the millisecond). es is not
	// modified. The store does not validate the ARNs (see
	// EventStream.Validate). ENOTFOUND "Application not found".
	PutEventStream(ctx context.Context, es *EventStream) (*EventStream, error)
	// GetEventStream returns the app's event stream. ENOTFOUND "Application
	// not found" without the app, "Resource not found" when it has no event
	// stream.
	GetEventStream(ctx context.Context, scope Scope, appID string) (*EventStream, error)
	// DeleteEventStream removes the app's event stream and returns it as it
	// was. ENOTFOUND as GetEventStream.
	DeleteEventStream(ctx context.Context, scope Scope, appID string) (*EventStream, error)
}

var (
	// Kinesis stream names: 1-128 of [a-zA-Z0-9_.-]; Firehose delivery
	// stream names: 1-64 of the same.
	kinesisStreamARNRe  = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]{1,128}$`)
	firehoseStreamARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/[a-zA-Z0-9_.-]{1,64}$`)
)

// ValidStreamARN reports whether s is the ARN of a Kinesis data stream
// (arn:aws:kinesis:region:account:stream/name) or of a Firehose delivery
// stream (arn:aws:firehose:region:account:deliverystream/name).
func ValidStreamARN(s string) bool {
	return kinesisStreamARNRe.MatchString(s) || firehoseStreamARNRe.MatchString(s)
}

// Validate checks what Pinpoint's model asks of an event stream: a
// DestinationStreamArn that is a Kinesis or Firehose stream ARN and a
// RoleArn that is an IAM role ARN (syntax only: nothing is assumed or
// reached). It returns an EINVALID *Error naming the first bad field.
func (es *EventStream) Validate() error {
	switch {
	case es.DestinationStreamARN == "":
		return Errorf(EINVALID, "Missing DestinationStreamArn")
	case !ValidStreamARN(es.DestinationStreamARN):
		return Errorf(EINVALID, "Invalid DestinationStreamArn %q: must be the ARN of a Kinesis data stream "+
			"(arn:aws:kinesis:region:account:stream/name) or of a Firehose delivery stream "+
			"(arn:aws:firehose:region:account:deliverystream/name)", es.DestinationStreamARN)
	case es.RoleARN == "":
		return Errorf(EINVALID, "Missing RoleArn")
	case !ValidRoleARN(es.RoleARN):
		return Errorf(EINVALID, "Invalid RoleArn %q: must be an IAM role ARN (arn:aws:iam::123456789012:role/name)", es.RoleARN)
	}
	return nil
}
