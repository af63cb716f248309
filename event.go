package pinfold

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one event an app recorded with PutEvents: what Pinpoint's Event
// shape carries, the endpoint it was recorded for, and where and when
// pinfold received it.
type Event struct {
	// ID is the event's key in its batch item's Events map, chosen by the
	// client. IDs need not be unique: a client that sends an event again
	// records it again.
	ID         string
	AppID      string
	Scope      Scope
	EndpointID string // the batch item's key: the endpoint the event is of
	EventType  string // required; standard types start with "_" (_session.start)
	// Timestamp is when the event occurred, TimestampText parsed (UTC).
	// Stores keep it to the millisecond.
	Timestamp time.Time
	// TimestampText is the Timestamp as the client sent it (ISO 8601),
	// kept verbatim so that reads give back what was sent.
	TimestampText    string
	Session          *EventSession
	AppPackageName   string
	AppTitle         string
	AppVersionCode   string
	ClientSdkVersion string
	SdkName          string
	Attributes       map[string]string
	Metrics          map[string]float64
	// ReceivedAt is the server's time when the event was recorded (the
	// store fills it in when zero), to the millisecond. Lists run newest
	// first by it.
	ReceivedAt time.Time
}

// EventSession is the session an event occurred in (Pinpoint's Session
// shape). Its timestamps are kept as the client sent them: the model gives
// them no format.
type EventSession struct {
	ID             string // required
	StartTimestamp string // required
	StopTimestamp  string
	Duration       *int64 // milliseconds; nil when not given
}

// Pinpoint's event quotas (developer guide, quotas.md#quotas-events), and
// pinfold's own choices where Pinpoint documents none.
const (
	MaxEventsPerRequest     = 100         // events in one PutEvents request
	MaxEventsRequestBytes   = 4 << 20     // a PutEvents request body
	MaxEventBytes           = 1000 * 1024 // one event (measured by Event.Size)
	MaxEventKeys            = 40          // attribute and metric keys of one event, together
	MaxEventKeyLen          = 50          // characters in an attribute or metric key
	MaxEventValueLen        = 200         // characters in an attribute value
	MaxEventTypeLen         = 1024        // pinfold's choice; Pinpoint documents none
	MaxEventIDLen           = 1024        // pinfold's choice; Pinpoint documents none
	MaxEventSessionFieldLen = 1024        // pinfold's choice, for Session's Id and timestamps
)

// Validate checks e as PutEvents receives it, against Pinpoint's required
// members and quotas, and returns an EINVALID *Error naming the first
// problem. EventType and TimestampText are required, TimestampText must be
// an ISO 8601 date (ParseTime), Session needs Id and StartTimestamp. On
// success Validate sets e.Timestamp to TimestampText parsed. ID,
// EndpointID, AppID, Scope and ReceivedAt are not checked.
func (e *Event) Validate() error {
	if !eventText(e.ID, MaxEventIDLen) {
		return Errorf(EINVALID, "Invalid event Id: at most %d characters of UTF-8, without NUL", MaxEventIDLen)
	}
	if e.EventType == "" {
		return Errorf(EINVALID, "Missing EventType")
	}
	if !eventText(e.EventType, MaxEventTypeLen) {
		return Errorf(EINVALID, "Invalid EventType: at most %d characters of UTF-8, without NUL", MaxEventTypeLen)
	}
	if e.TimestampText == "" {
		return Errorf(EINVALID, "Missing Timestamp")
	}
	ts, err := ParseTime(e.TimestampText)
	if err != nil {
		return Errorf(EINVALID, "Invalid Timestamp %q: must be an ISO 8601 date", shorten(e.TimestampText))
	}
	if s := e.Session; s != nil {
		if s.ID == "" {
			return Errorf(EINVALID, "Missing Session.Id")
		}
		if s.StartTimestamp == "" {
			return Errorf(EINVALID, "Missing Session.StartTimestamp")
		}
		for _, f := range []struct{ name, v string }{{"Id", s.ID}, {"StartTimestamp", s.StartTimestamp}, {"StopTimestamp", s.StopTimestamp}} {
			if utf8.RuneCountInString(f.v) > MaxEventSessionFieldLen {
				return Errorf(EINVALID, "Session.%s is longer than %d characters", f.name, MaxEventSessionFieldLen)
			}
		}
	}
	if n := len(e.Attributes) + len(e.Metrics); n > MaxEventKeys {
		return Errorf(EINVALID, "The event has %d attribute and metric keys: at most %d are allowed", n, MaxEventKeys)
	}
	for k, v := range e.Attributes {
		if err := validateEventKey("Attributes", k); err != nil {
			return err
		}
		if utf8.RuneCountInString(v) > MaxEventValueLen {
			return Errorf(EINVALID, "The value of Attributes.%s is longer than %d characters", k, MaxEventValueLen)
		}
	}
	for k, v := range e.Metrics {
		if err := validateEventKey("Metrics", k); err != nil {
			return err
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Errorf(EINVALID, "The value of Metrics.%s is not a finite number", k)
		}
	}
	if n := e.Size(); n > MaxEventBytes {
		return Errorf(EINVALID, "The event is %d bytes: at most %d are allowed", n, MaxEventBytes)
	}
	e.Timestamp = ts
	return nil
}

// eventText reports whether s, an event's ID or type (which stores index),
// is valid UTF-8 of at most limit characters without NUL (which PostgreSQL's
// text refuses).
func eventText(s string, limit int) bool {
	return utf8.RuneCountInString(s) <= limit && utf8.ValidString(s) && !strings.Contains(s, "\x00")
}

// validateEventKey checks an attribute or metric key of an event: not empty,
// at most MaxEventKeyLen characters.
func validateEventKey(field, k string) error {
	if k == "" {
		return Errorf(EINVALID, "%s has an empty key", field)
	}
	if utf8.RuneCountInString(k) > MaxEventKeyLen {
		return Errorf(EINVALID, "%s key %q is longer than %d characters", field, shorten(k), MaxEventKeyLen)
	}
	return nil
}

// shorten returns at most the first 64 bytes of s (whole characters), with
// "..." when it cut, so that a huge value does not make a huge message.
func shorten(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Size is the size of e as MaxEventBytes counts it: the bytes of every
// string of the event (keys and values included) plus 8 per metric. It is
// pinfold's measure; Pinpoint does not say how it counts.
func (e *Event) Size() int {
	n := len(e.EventType) + len(e.TimestampText) + len(e.AppPackageName) + len(e.AppTitle) +
		len(e.AppVersionCode) + len(e.ClientSdkVersion) + len(e.SdkName)
	if s := e.Session; s != nil {
		n += len(s.ID) + len(s.StartTimestamp) + len(s.StopTimestamp) + 8
	}
	for k, v := range e.Attributes {
		n += len(k) + len(v)
	}
	for k := range e.Metrics {
		n += len(k) + 8
	}
	return n
}

// EventFilter narrows ListEvents and DeleteEvents. Empty fields match
// every event.
type EventFilter struct {
	EndpointID string
	EventType  string
}

// EventStore persists recorded events. Every method first resolves the app
// in scope: ENOTFOUND "Application not found" when it does not exist there.
// An app's events are deleted with it.
type EventStore interface {
	// RecordEvents stores events (already validated) of the app, all or
	// none, in one set-based write. It sets each event's AppID and Scope
	// to the app's, fills ReceivedAt with the store's clock where it is
	// zero, and truncates Timestamp and ReceivedAt to the millisecond.
	RecordEvents(ctx context.Context, scope Scope, appID string, events []Event) error
	// ListEvents returns a page of the app's events matching f, newest
	// first: by ReceivedAt, then by the order they were recorded in (the
	// later first), and the token of the next page ("" on the last).
	// EINVALID "Invalid token" for a token the store did not issue.
	ListEvents(ctx context.Context, scope Scope, appID string, f EventFilter, page Page) ([]*Event, string, error)
	// DeleteEvents removes the app's events matching f and returns how
	// many it removed.
	DeleteEvents(ctx context.Context, scope Scope, appID string, f EventFilter) (int64, error)
	// LastActivity returns, for each of endpointIDs that has events, the
	// latest Timestamp of its events. Endpoints without events are absent
	// from the map.
	LastActivity(ctx context.Context, scope Scope, appID string, endpointIDs []string) (map[string]time.Time, error)
}
