package pinfold

import (
	"context"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Endpoint is a destination of messages (a device, an email address, a phone
// number) with the attributes segments select on. Its ID is chosen by the
// caller and unique within its app.
type Endpoint struct {
	AppID          string
	ID             string
	ChannelType    string
	Address        string
	EndpointStatus string // ACTIVE or INACTIVE
	OptOut         string // ALL or NONE
	RequestID      string
	Location       *Location
	Demographic    *Demographic
	EffectiveDate  string // ISO 8601, as given or the time of the last update
	Attributes     map[string][]string
	Metrics        map[string]float64
	User           *User
	CreatedAt      time.Time
}

// Location is where an endpoint is. Nil coordinates are unknown.
type Location struct {
	Latitude   *float64
	Longitude  *float64
	PostalCode string
	City       string
	Region     string
	Country    string
}

// Demographic describes the device or platform of an endpoint.
type Demographic struct {
	Make            string
	Model           string
	ModelVersion    string
	Timezone        string
	AppVersion      string
	Platform        string
	PlatformVersion string
	Locale          string
}

// User is the user an endpoint belongs to.
type User struct {
	UserID         string
	UserAttributes map[string][]string
}

// CohortID returns the endpoint's cohort, "0".."99": a stable hash of its app
// and ID, so it never changes for the life of the endpoint.
func CohortID(appID, endpointID string) string {
	h := fnv.New32a()
	h.Write([]byte(appID))
	h.Write([]byte{0})
	h.Write([]byte(endpointID))
	return strconv.Itoa(int(h.Sum32() % 100))
}

// UserID returns the endpoint's user ID, "" when it has no user.
func (e *Endpoint) UserID() string {
	if e.User == nil {
		return ""
	}
	return e.User.UserID
}

// EndpointUpdate is one endpoint of an UpdateEndpoint or UpdateEndpointsBatch
// request. Nil pointers and absent map keys are fields the request did not
// name: Apply keeps their current values.
type EndpointUpdate struct {
	ID             string
	ChannelType    *string
	Address        *string
	EndpointStatus *string
	OptOut         *string
	RequestID      *string
	EffectiveDate  *string
	Location       *Location // fields set (non-nil, non-empty) replace
	Demographic    *Demographic
	Attributes     map[string][]string // named attributes replace; an empty list removes
	Metrics        map[string]float64  // named metrics replace
	User           *UserUpdate
}

// UserUpdate is the User part of an EndpointUpdate.
type UserUpdate struct {
	UserID         *string
	UserAttributes map[string][]string
}

// Pinpoint's endpoint quotas.
const (
	MaxBatchItems          = 100       // items per UpdateEndpointsBatch
	MaxAttributeNameLen    = 50        // characters in an attribute or metric name
	MaxAttributeValueLen   = 100       // characters in an attribute value
	MaxAttributeValues     = 50        // values of one attribute
	MaxAttributeNamesInApp = 250       // distinct custom names per app (Attributes, Metrics, UserAttributes)
	MaxEndpointsPerUser    = 15        // endpoints sharing one UserId
	MaxEndpointBytes       = 15 * 1024 // an endpoint's definition
	MaxEndpointIDLen       = 1024      // pinfold's choice; Pinpoint documents none
	MaxAddressLen          = 1024      // pinfold's choice
)

// Enumerations of endpoint fields.
var (
	ChannelTypes     = []string{"PUSH", "GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "SMS", "VOICE", "EMAIL", "BAIDU", "CUSTOM", "IN_APP"}
	OptOutValues     = []string{"ALL", "NONE"}
	EndpointStatuses = []string{"ACTIVE", "INACTIVE"}
)

// AttributeKind names one of the three custom attribute maps of an endpoint,
// by the attribute-type path segment of RemoveAttributes.
type AttributeKind string

// The attribute kinds.
const (
	EndpointCustomAttributes AttributeKind = "endpoint-custom-attributes"
	EndpointMetricAttributes AttributeKind = "endpoint-metric-attributes"
	EndpointUserAttributes   AttributeKind = "endpoint-user-attributes"
)

// ValidEndpointID reports whether id can be a stored endpoint's ID: not
// empty, at most MaxEndpointIDLen bytes of UTF-8 without NUL.
func ValidEndpointID(id string) bool {
	return id != "" && len(id) <= MaxEndpointIDLen && utf8.ValidString(id) && !strings.Contains(id, "\x00")
}

// Validate checks an update on its own (its ID, enumerations, lengths and
// counts) and returns an EINVALID *Error naming the first problem. An ID
// with NUL is invalid: PostgreSQL text cannot hold it.
func (u *EndpointUpdate) Validate() error {
	if u.ID == "" {
		return Errorf(EINVALID, "Missing Id")
	}
	if !ValidEndpointID(u.ID) {
		return Errorf(EINVALID, "Invalid endpoint Id")
	}
	if u.ChannelType != nil && !oneOf(*u.ChannelType, ChannelTypes) {
		return Errorf(EINVALID, "Invalid ChannelType %q: must be one of %v", *u.ChannelType, ChannelTypes)
	}
	if u.OptOut != nil && !oneOf(*u.OptOut, OptOutValues) {
		return Errorf(EINVALID, "Invalid OptOut %q: must be ALL or NONE", *u.OptOut)
	}
	if u.EndpointStatus != nil && !oneOf(*u.EndpointStatus, EndpointStatuses) {
		return Errorf(EINVALID, "Invalid EndpointStatus %q: must be ACTIVE or INACTIVE", *u.EndpointStatus)
	}
	if u.Address != nil && utf8.RuneCountInString(*u.Address) > MaxAddressLen {
		return Errorf(EINVALID, "Address is longer than %d characters", MaxAddressLen)
	}
	if u.EffectiveDate != nil && *u.EffectiveDate != "" {
		if _, err := ParseTime(*u.EffectiveDate); err != nil {
			return Errorf(EINVALID, "Invalid EffectiveDate %q: must be an ISO 8601 date", *u.EffectiveDate)
		}
	}
	if l := u.Location; l != nil {
		if l.Latitude != nil && (*l.Latitude < -90 || *l.Latitude > 90) {
			return Errorf(EINVALID, "Invalid Location.Latitude: must be between -90 and 90")
		}
		if l.Longitude != nil && (*l.Longitude < -180 || *l.Longitude > 180) {
			return Errorf(EINVALID, "Invalid Location.Longitude: must be between -180 and 180")
		}
	}
	if err := validateAttributes("Attributes", u.Attributes); err != nil {
		return err
	}
	for name := range u.Metrics {
		if err := ValidateAttributeName("Metrics", name); err != nil {
			return err
		}
	}
	if u.User != nil {
		if err := validateAttributes("User.UserAttributes", u.User.UserAttributes); err != nil {
			return err
		}
	}
	return nil
}

func validateAttributes(field string, m map[string][]string) error {
	for name, values := range m {
		if err := ValidateAttributeName(field, name); err != nil {
			return err
		}
		if len(values) > MaxAttributeValues {
			return Errorf(EINVALID, "%s.%s has %d values: at most %d are allowed", field, name, len(values), MaxAttributeValues)
		}
		for _, v := range values {
			if utf8.RuneCountInString(v) > MaxAttributeValueLen {
				return Errorf(EINVALID, "A value of %s.%s is longer than %d characters", field, name, MaxAttributeValueLen)
			}
		}
	}
	return nil
}

// ValidateAttributeName checks an attribute or metric name of field
// (Attributes, Metrics, User.UserAttributes): EINVALID when it is empty or
// longer than MaxAttributeNameLen characters. The message quotes at most
// the name's first 64 bytes, so a huge name does not make a huge error.
func ValidateAttributeName(field, name string) error {
	if name == "" {
		return Errorf(EINVALID, "%s has an empty attribute name", field)
	}
	if utf8.RuneCountInString(name) > MaxAttributeNameLen {
		shown := name
		if len(shown) > 64 {
			cut := 64
			for cut > 0 && !utf8.RuneStart(shown[cut]) {
				cut--
			}
			shown = shown[:cut] + "..."
		}
		return Errorf(EINVALID, "%s name %q is longer than %d characters", field, shown, MaxAttributeNameLen)
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Apply returns the endpoint that results from applying u to cur, the
// current endpoint or nil when it does not exist yet. A new endpoint needs
// an Address and a ChannelType (EINVALID "Missing Address" otherwise). The
// result has EffectiveDate (now unless given), EndpointStatus (ACTIVE unless
// given) and CreatedAt (kept from cur, now for a new endpoint) filled in.
// cur is not modified.
func Apply(appID string, cur *Endpoint, u *EndpointUpdate, now time.Time) (*Endpoint, error) {
	var e Endpoint
	if cur != nil {
		e = *cur
		e.Attributes = cloneAttrs(cur.Attributes)
		e.Metrics = cloneMetrics(cur.Metrics)
		if cur.Location != nil {
			l := *cur.Location
			e.Location = &l
		}
		if cur.Demographic != nil {
			d := *cur.Demographic
			e.Demographic = &d
		}
		if cur.User != nil {
			e.User = &User{UserID: cur.User.UserID, UserAttributes: cloneAttrs(cur.User.UserAttributes)}
		}
	} else {
		e.AppID, e.ID, e.CreatedAt = appID, u.ID, now.UTC().Truncate(time.Millisecond)
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&e.ChannelType, u.ChannelType)
	set(&e.Address, u.Address)
	set(&e.OptOut, u.OptOut)
	set(&e.RequestID, u.RequestID)
	if cur == nil {
		if e.Address == "" {
			return nil, Errorf(EINVALID, "Missing Address")
		}
		if e.ChannelType == "" {
			return nil, Errorf(EINVALID, "Missing ChannelType")
		}
	}
	e.EndpointStatus = "ACTIVE"
	set(&e.EndpointStatus, u.EndpointStatus)
	e.EffectiveDate = FormatTime(now)
	if u.EffectiveDate != nil && *u.EffectiveDate != "" {
		e.EffectiveDate = *u.EffectiveDate
	}
	if l := u.Location; l != nil {
		if e.Location == nil {
			e.Location = &Location{}
		}
		if l.Latitude != nil {
			e.Location.Latitude = l.Latitude
		}
		if l.Longitude != nil {
			e.Location.Longitude = l.Longitude
		}
		setNonEmpty(&e.Location.PostalCode, l.PostalCode)
		setNonEmpty(&e.Location.City, l.City)
		setNonEmpty(&e.Location.Region, l.Region)
		setNonEmpty(&e.Location.Country, l.Country)
	}
	if d := u.Demographic; d != nil {
		if e.Demographic == nil {
			e.Demographic = &Demographic{}
		}
		setNonEmpty(&e.Demographic.Make, d.Make)
		setNonEmpty(&e.Demographic.Model, d.Model)
		setNonEmpty(&e.Demographic.ModelVersion, d.ModelVersion)
		setNonEmpty(&e.Demographic.Timezone, d.Timezone)
		setNonEmpty(&e.Demographic.AppVersion, d.AppVersion)
		setNonEmpty(&e.Demographic.Platform, d.Platform)
		setNonEmpty(&e.Demographic.PlatformVersion, d.PlatformVersion)
		setNonEmpty(&e.Demographic.Locale, d.Locale)
	}
	e.Attributes = mergeAttrs(e.Attributes, u.Attributes)
	for k, v := range u.Metrics {
		if e.Metrics == nil {
			e.Metrics = make(map[string]float64, len(u.Metrics))
		}
		e.Metrics[k] = v
	}
	if uu := u.User; uu != nil {
		if e.User == nil {
			e.User = &User{}
		}
		set(&e.User.UserID, uu.UserID)
		e.User.UserAttributes = mergeAttrs(e.User.UserAttributes, uu.UserAttributes)
		if e.User.UserID == "" && len(e.User.UserAttributes) == 0 {
			e.User = nil
		}
	}
	return &e, nil
}

// RemoveAttributes deletes the named custom attributes of kind from e and
// reports whether e changed.
func (e *Endpoint) RemoveAttributes(kind AttributeKind, names []string) bool {
	changed := false
	for _, n := range names {
		switch kind {
		case EndpointCustomAttributes:
			if _, ok := e.Attributes[n]; ok {
				delete(e.Attributes, n)
				changed = true
			}
		case EndpointMetricAttributes:
			if _, ok := e.Metrics[n]; ok {
				delete(e.Metrics, n)
				changed = true
			}
		case EndpointUserAttributes:
			if e.User != nil {
				if _, ok := e.User.UserAttributes[n]; ok {
					delete(e.User.UserAttributes, n)
					changed = true
				}
			}
		}
	}
	return changed
}

// AttributeNames calls fn with the kind and name of every custom attribute
// and metric of e.
func (e *Endpoint) AttributeNames(fn func(kind AttributeKind, name string)) {
	for n := range e.Attributes {
		fn(EndpointCustomAttributes, n)
	}
	for n := range e.Metrics {
		fn(EndpointMetricAttributes, n)
	}
	if e.User != nil {
		for n := range e.User.UserAttributes {
			fn(EndpointUserAttributes, n)
		}
	}
}

func setNonEmpty(dst *string, src string) {
	if src != "" {
		*dst = src
	}
}

func mergeAttrs(cur, upd map[string][]string) map[string][]string {
	for k, v := range upd {
		if len(v) == 0 {
			delete(cur, k)
			continue
		}
		if cur == nil {
			cur = make(map[string][]string, len(upd))
		}
		cur[k] = append([]string(nil), v...)
	}
	if len(cur) == 0 {
		return nil
	}
	return cur
}

func cloneAttrs(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	c := make(map[string][]string, len(m))
	for k, v := range m {
		c[k] = append([]string(nil), v...)
	}
	return c
}

func cloneMetrics(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// ParseTime parses an ISO 8601 instant as clients send them: RFC 3339 with
// or without fractional seconds, or a bare date (midnight UTC).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, Errorf(EINVALID, "invalid date %q", s)
}

// EndpointStore persists endpoints. Every method first resolves the app in
// scope: ENOTFOUND "Application not found" when it does not exist there.
type EndpointStore interface {
	// UpsertEndpoints applies every update (already validated) in one
	// transaction: all or none. Each endpoint is created or merged with
	// Apply. It enforces MaxEndpointsPerUser, MaxAttributeNamesInApp and
	// MaxEndpointBytes with EINVALID.
	UpsertEndpoints(ctx context.Context, scope Scope, appID string, updates []EndpointUpdate, now time.Time) error
	// GetEndpoint returns one endpoint. ENOTFOUND "Resource not found".
	GetEndpoint(ctx context.Context, scope Scope, appID, endpointID string) (*Endpoint, error)
	// GetEndpoints returns the app's endpoints of ids, by ID, read in one
	// query: an ID without an endpoint (or that no endpoint could have,
	// see ValidEndpointID) is absent from the map; IDs may repeat.
	// ENOTFOUND "Application not found" only.
	GetEndpoints(ctx context.Context, scope Scope, appID string, ids []string) (map[string]*Endpoint, error)
	// GetEndpointLine appends the stored encoding of one endpoint (the
	// line ScanEndpoints gives) to dst and returns it, for answers that
	// need not decode it. Errors as GetEndpoint.
	GetEndpointLine(ctx context.Context, scope Scope, appID, endpointID string, dst []byte) ([]byte, error)
	// DeleteEndpoint removes one endpoint and returns it as it was.
	DeleteEndpoint(ctx context.Context, scope Scope, appID, endpointID string) (*Endpoint, error)
	// GetUserEndpoints returns the endpoints with User.UserId == userID.
	// ENOTFOUND when there are none.
	GetUserEndpoints(ctx context.Context, scope Scope, appID, userID string) ([]*Endpoint, error)
	// DeleteUserEndpoints removes the user's endpoints and returns them.
	// ENOTFOUND when there are none.
	DeleteUserEndpoints(ctx context.Context, scope Scope, appID, userID string) ([]*Endpoint, error)
	// RemoveAttributes removes the named attributes of kind from every
	// endpoint of the app and from the app's attribute names, and returns
	// the names it removed.
	RemoveAttributes(ctx context.Context, scope Scope, appID string, kind AttributeKind, names []string) ([]string, error)
}
