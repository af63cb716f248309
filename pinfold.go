// Package pinfold holds the domain of pinfold, a self-hosted server that speaks
// Amazon Pinpoint's REST API for applications, endpoints, segments and the
// export and import jobs that move endpoint definitions to and from
// S3-compatible storage.
//
// This package defines the domain types, the service and store interfaces and
// the application error type. It imports nothing from this repository and
// nothing of HTTP, SQL or AWS: the subpackages implement these interfaces
// (sqlite, blob, jobs) or translate them to the wire (api, wire), and
// cmd/pinfold wires them together.
package pinfold

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Version is the pinfold release, set at build time with
// -ldflags "-X github.com/pinfold/pinfold.Version=...".
var Version = "0.1.0-dev"

// Scope is the tenant a request acts for: the account that owns the
// credentials it was signed with and the region named in its signing scope.
// Resources belong to one account and one region, as on AWS.
type Scope struct {
	Account string // 12 digits
	Region  string // e.g. us-east-1
}

// NewID returns a fresh resource ID: 32 lowercase hex characters, the shape of
// Pinpoint's application, segment and job IDs (a v4 UUID without dashes).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("pinfold: crypto/rand failed: " + err.Error())
	}
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	return hex.EncodeToString(b[:])
}

// NewOrderedID returns a fresh ID of NewID's shape whose first 12 hex
// characters are the Unix time in milliseconds (a v7 UUID without dashes):
// IDs made later sort after, so that a store's index of them grows at its
// end rather than at random pages (message IDs: one index page per send
// instead of one per message).
func NewOrderedID() string {
	return orderedID(time.Now())
}

func orderedID(now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic("pinfold: crypto/rand failed: " + err.Error())
	}
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = (b[6] & 0x0f) | 0x70 // version 7
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	return hex.EncodeToString(b[:])
}

// IsID reports whether s has the shape of a pinfold resource ID.
func IsID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// TimeFormat is the layout of every date pinfold reports: ISO 8601 in UTC with
// milliseconds, as Pinpoint writes them (2018-05-08T22:16:44.812Z).
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime formats t in TimeFormat, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Page asks a list operation for one page of results. Token is the opaque
// NextToken of the previous page, empty for the first. Size is the number of
// items wanted (the store applies its default when zero).
type Page struct {
	Size  int
	Token string
}

// DefaultPageSize and MaxPageSize bound list pages.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Store is everything pinfold persists, implemented by sqlite.Store (the
// embedded store). Every implementation passes the storetest conformance
// suite.
type Store interface {
	AppStore
	EndpointStore
	SegmentStore
	JobStore
	EventStore
	EndpointSource
	ChannelStore
	EventStreamStore
	TemplateStore
	OutboxStore
	OTPStore
	AudienceStore
	Close() error
}

// NewRequestID returns a request ID in AWS's format, a v4 UUID with dashes.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("pinfold: crypto/rand failed: " + err.Error())
	}
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // variant 10
	// One string, built in place (a request ID is made per request).
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}
