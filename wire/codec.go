package wire

import (
	"bytes"
	"fmt"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// Codec is the one endpoint codec of pinfold: every store keeps an endpoint
// as the line Codec writes, which is the line Pinpoint's export jobs write,
// so an export copies stored bytes as they are, and the jobs filter and
// decode those bytes with this package. The zero value is ready to use and
// safe for concurrent use.
type Codec struct{}

// EndpointFormat is the version of the line Codec writes, as stores record
// it beside their rows. A store whose rows are of an older format re-encodes
// them when it opens, reading them with DecodeEndpointFormat.
//
// Raise it when Codec's output changes in a way that readers of the stored
// bytes (DecodeEndpoint, the jobs' byte filters) must know about, and keep
// the old format's decoder in DecodeEndpointFormat.
const EndpointFormat = 1

// DecodeEndpointFormat decodes data, a stored line of the given format,
// into e. Formats from 1 to EndpointFormat are known; any other is an error.
func DecodeEndpointFormat(format int, data []byte, e *pinfold.Endpoint) error {
	switch format {
	case 1:
		return Codec{}.DecodeEndpoint(data, e)
	}
	return fmt.Errorf("decode endpoint: unknown stored format %d (this pinfold writes %d)", format, EndpointFormat)
}

// AppendEndpoint appends e's export line to dst: compact JSON without a
// trailing newline, keys in Pinpoint's order (ChannelType, Address,
// EndpointStatus, OptOut, RequestId, Location, Demographic, EffectiveDate,
// Attributes, Metrics, User, ApplicationId, Id, CreationDate), empty strings,
// nil structs and empty maps left out, except that an endpoint without a
// user carries "User":{} as Pinpoint's lines do. Map keys are sorted, so the
// output is a pure function of e. It does not fail; NaN or infinite metrics,
// which JSON cannot carry, are left out.
func (Codec) AppendEndpoint(dst []byte, e *pinfold.Endpoint) []byte {
	return appendEndpoint(dst, e, false)
}

// AppendEndpointResponse appends e as GetEndpoint's EndpointResponse: the
// export line's members plus CohortId (after ChannelType).
func AppendEndpointResponse(dst []byte, e *pinfold.Endpoint) []byte {
	return appendEndpoint(dst, e, true)
}

// EndpointResponse returns e as an EndpointResponse body (GetEndpoint,
// DeleteEndpoint).
func EndpointResponse(e *pinfold.Endpoint) []byte {
	return AppendEndpointResponse(make([]byte, 0, 1024), e)
}

// AppendEndpointResponseLine appends to dst the EndpointResponse of the
// endpoint whose stored line (Codec.AppendEndpoint, the current
// EndpointFormat) is line: the line with CohortId inserted after
// ChannelType, byte for byte what AppendEndpointResponse writes for the
// decoded endpoint. appID and endpointID name the endpoint (CohortId is
// derived from them). It lets GetEndpoint answer from the stored bytes
// without decoding them. A line that does not start as Codec writes one is
// an error.
func AppendEndpointResponseLine(dst, line []byte, appID, endpointID string) ([]byte, error) {
	const ct = `{"ChannelType":"`
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return dst, fmt.Errorf("endpoint response from line: not a JSON object: %.40q", line)
	}
	cohort := pinfold.CohortID(appID, endpointID)
	if !bytes.HasPrefix(line, []byte(ct)) {
		// No ChannelType: CohortId comes first.
		dst = append(dst, `{"CohortId":`...)
		dst = jsontok.AppendString(dst, cohort)
		if len(line) == 2 {
			return append(dst, '}'), nil
		}
		return append(append(dst, ','), line[1:]...), nil
	}
	end := -1
	for i := len(ct); i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == '"' {
			end = i + 1
			break
		}
	}
	if end < 0 {
		return dst, fmt.Errorf("endpoint response from line: unterminated ChannelType: %.40q", line)
	}
	dst = append(dst, line[:end]...)
	dst = append(dst, `,"CohortId":`...)
	dst = jsontok.AppendString(dst, cohort)
	return append(dst, line[end:]...), nil
}

// EndpointsResponse returns an EndpointsResponse body, {"Item":[...]}, the
// answer of GetUserEndpoints and DeleteUserEndpoints. A nil or empty es
// gives "Item":[].
func EndpointsResponse(es []*pinfold.Endpoint) []byte {
	return appendList(es, "", 1024, AppendEndpointResponse)
}

// appendEndpoint writes the members of e each with a leading ',' and turns
// the first of them into the opening '{' at the end.
func appendEndpoint(dst []byte, e *pinfold.Endpoint, cohort bool) []byte {
	start := len(dst)
	if e.ChannelType != "" {
		dst = append(dst, `,"ChannelType":`...)
		dst = jsontok.AppendString(dst, e.ChannelType)
	}
	if cohort {
		dst = append(dst, `,"CohortId":`...)
		dst = jsontok.AppendString(dst, pinfold.CohortID(e.AppID, e.ID))
	}
	if e.Address != "" {
		dst = append(dst, `,"Address":`...)
		dst = jsontok.AppendString(dst, e.Address)
	}
	if e.EndpointStatus != "" {
		dst = append(dst, `,"EndpointStatus":`...)
		dst = jsontok.AppendString(dst, e.EndpointStatus)
	}
	if e.OptOut != "" {
		dst = append(dst, `,"OptOut":`...)
		dst = jsontok.AppendString(dst, e.OptOut)
	}
	if e.RequestID != "" {
		dst = append(dst, `,"RequestId":`...)
		dst = jsontok.AppendString(dst, e.RequestID)
	}
	if l := e.Location; l != nil {
		dst = append(dst, `,"Location":`...)
		dst = appendLocation(dst, l)
	}
	if d := e.Demographic; d != nil {
		dst = append(dst, `,"Demographic":`...)
		dst = appendDemographic(dst, d)
	}
	if e.EffectiveDate != "" {
		dst = append(dst, `,"EffectiveDate":`...)
		dst = jsontok.AppendString(dst, e.EffectiveDate)
	}
	if len(e.Attributes) > 0 {
		dst = append(dst, `,"Attributes":`...)
		dst = jsontok.AppendStringListMap(dst, e.Attributes)
	}
	if len(e.Metrics) > 0 {
		dst = append(dst, `,"Metrics":`...)
		dst = jsontok.AppendFloatMap(dst, e.Metrics)
	}
	dst = append(dst, `,"User":`...)
	dst = appendUser(dst, e.User)
	if e.AppID != "" {
		dst = append(dst, `,"ApplicationId":`...)
		dst = jsontok.AppendString(dst, e.AppID)
	}
	if e.ID != "" {
		dst = append(dst, `,"Id":`...)
		dst = jsontok.AppendString(dst, e.ID)
	}
	if !e.CreatedAt.IsZero() {
		dst = append(dst, `,"CreationDate":`...)
		dst = appendTime(dst, e.CreatedAt)
	}
	dst[start] = '{' // "User" is always there, so a ',' is too
	return append(dst, '}')
}

// appendLocation writes an EndpointLocation in Pinpoint's member order.
func appendLocation(dst []byte, l *pinfold.Location) []byte {
	start := len(dst)
	if l.Latitude != nil && jsontok.Finite(*l.Latitude) {
		dst = append(dst, `,"Latitude":`...)
		dst = jsontok.AppendFloat(dst, *l.Latitude)
	}
	if l.Longitude != nil && jsontok.Finite(*l.Longitude) {
		dst = append(dst, `,"Longitude":`...)
		dst = jsontok.AppendFloat(dst, *l.Longitude)
	}
	dst = appendMember(dst, `,"PostalCode":`, l.PostalCode)
	dst = appendMember(dst, `,"City":`, l.City)
	dst = appendMember(dst, `,"Region":`, l.Region)
	dst = appendMember(dst, `,"Country":`, l.Country)
	return closeObject(dst, start)
}

// appendDemographic writes an EndpointDemographic in Pinpoint's member
// order, Locale (absent from the observed lines) last.
func appendDemographic(dst []byte, d *pinfold.Demographic) []byte {
	start := len(dst)
	dst = appendMember(dst, `,"Make":`, d.Make)
	dst = appendMember(dst, `,"Model":`, d.Model)
	dst = appendMember(dst, `,"ModelVersion":`, d.ModelVersion)
	dst = appendMember(dst, `,"Timezone":`, d.Timezone)
	dst = appendMember(dst, `,"AppVersion":`, d.AppVersion)
	dst = appendMember(dst, `,"Platform":`, d.Platform)
	dst = appendMember(dst, `,"PlatformVersion":`, d.PlatformVersion)
	dst = appendMember(dst, `,"Locale":`, d.Locale)
	return closeObject(dst, start)
}

// appendUser writes an EndpointUser, {} for nil.
func appendUser(dst []byte, u *pinfold.User) []byte {
	start := len(dst)
	if u != nil {
		dst = appendMember(dst, `,"UserId":`, u.UserID)
		if len(u.UserAttributes) > 0 {
			dst = append(dst, `,"UserAttributes":`...)
			dst = jsontok.AppendStringListMap(dst, u.UserAttributes)
		}
	}
	return closeObject(dst, start)
}

// appendMember writes key (with its leading ',' and trailing ':') and v,
// unless v is empty.
func appendMember(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, key...)
	return jsontok.AppendString(dst, v)
}

// closeObject finishes an object whose members, written from start, each
// began with ','.
func closeObject(dst []byte, start int) []byte {
	if len(dst) == start {
		return append(dst, '{', '}')
	}
	dst[start] = '{'
	return append(dst, '}')
}

// DecodeEndpoint decodes an endpoint line, as AppendEndpoint writes it (an
// EndpointResponse, whose CohortId it ignores, decodes too), into e,
// replacing all of e. Unknown keys and nulls are ignored, "User":{} gives a
// nil User, and CreationDate is parsed with pinfold.ParseTime. Malformed JSON
// or a member of the wrong type is an error naming the problem; it is not an
// *pinfold.Error, since a stored line that does not decode is an internal
// fault.
func (Codec) DecodeEndpoint(data []byte, e *pinfold.Endpoint) error {
	*e = pinfold.Endpoint{}
	r, _ := newReader(data, false)
	r.ShareAll()
	err := decodeEndpoint(&r, e)
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return fmt.Errorf("decode endpoint: %w", err)
	}
	return nil
}

func decodeEndpoint(r *reader, e *pinfold.Endpoint) error {
	return r.Members([]string{"ChannelType", "Address", "EndpointStatus", "OptOut", "RequestId", "Location",
		"Demographic", "EffectiveDate", "Attributes", "Metrics", "User", "ApplicationId", "Id", "CreationDate"}, func(name string) (err error) {
		switch name {
		case "ChannelType":
			e.ChannelType, err = r.Str()
		case "Address":
			e.Address, err = r.Str()
		case "EndpointStatus":
			e.EndpointStatus, err = r.Str()
		case "OptOut":
			e.OptOut, err = r.Str()
		case "RequestId":
			e.RequestID, err = r.Str()
		case "Location":
			e.Location, err = decodeLocation(r)
		case "Demographic":
			e.Demographic, err = decodeDemographic(r)
		case "EffectiveDate":
			e.EffectiveDate, err = r.Str()
		case "Attributes":
			e.Attributes, err = decodeAttributes(r, "Attributes")
		case "Metrics":
			e.Metrics, err = decodeMetrics(r)
		case "User":
			e.User, err = decodeUser(r)
		case "ApplicationId":
			e.AppID, err = r.Str()
		case "Id":
			e.ID, err = r.Str()
		case "CreationDate":
			var s string
			if s, err = r.Str(); err == nil {
				if e.CreatedAt, err = pinfold.ParseTime(s); err != nil {
					err = &jsontok.FieldError{Msg: "expected an ISO 8601 date"}
				}
			}
		}
		return err
	})
}

// decodeUser reads an EndpointUser as a *pinfold.User, nil when it names
// neither a UserId nor UserAttributes.
func decodeUser(r *reader) (*pinfold.User, error) {
	var u pinfold.User
	err := r.Members([]string{"UserId", "UserAttributes"}, func(name string) (err error) {
		switch name {
		case "UserId":
			u.UserID, err = r.Str()
		case "UserAttributes":
			u.UserAttributes, err = decodeAttributes(r, "User.UserAttributes")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.UserID == "" && u.UserAttributes == nil {
		return nil, nil
	}
	return &u, nil
}
