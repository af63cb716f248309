package wire

import (
	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// EventsItem is one BatchItem of a PutEvents request (EventsRequest): the
// endpoint named by its key and the events recorded for it.
type EventsItem struct {
	EndpointID string
	// Endpoint is the item's Endpoint (a PublicEndpoint) as an update of
	// endpoint EndpointID, decoded as UpdateEndpoint's body is, with the
	// same quotas enforced as it is read. EndpointErr, when not nil, is
	// why it could not be: an EINVALID *pinfold.Error for an absent
	// Endpoint ("Missing Endpoint"), a member of the wrong type or an
	// attribute over a quota. Endpoint is not validated further (see
	// pinfold.EndpointUpdate.Validate).
	Endpoint    pinfold.EndpointUpdate
	EndpointErr error
	// Events are the item's Events in the body's order, with ID (the key)
	// and EndpointID set and TimestampText as sent; not validated (see
	// pinfold.Event.Validate). EventErrs[i], when not nil, is why Events[i]
	// could not be decoded (an EINVALID *pinfold.Error: a member of the
	// wrong type, or more than pinfold.MaxEventKeys attribute and metric
	// keys); such an event has only its ID and EndpointID.
	Events    []pinfold.Event
	EventErrs []error
}

// DecodeEvents decodes an EventsRequest body (PutEvents) into its batch
// items, in the body's order. A key given twice (an endpoint in BatchItem,
// an event in Events) counts once, with its last value, as encoding/json
// reads it; null values are absent. What is wrong inside one Endpoint or
// one Event is that item's or event's error (see EventsItem), so that it
// fails alone. Errors for the whole request are EINVALID *pinfold.Error:
// "Missing BatchItem", more than pinfold.MaxBatchItems items or
// pinfold.MaxEventsPerRequest events, a malformed body, or a BatchItem, an
// item or an Events map that is not an object, named by its path
// (BatchItem.e1.Events).
func DecodeEvents(body []byte) ([]EventsItem, error) {
	d := eventsDecoder{}
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"BatchItem"}, func(string) error {
			d.seen = true
			if d.items == nil {
				d.items = make([]EventsItem, 0, 4)
			}
			return r.Entries(func(id string) error { return d.item(r, id) })
		})
	})
	if err != nil {
		return nil, requestError(err)
	}
	if !d.seen {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing BatchItem")
	}
	return d.items, nil
}

// eventsDecoder is the state of one DecodeEvents.
type eventsDecoder struct {
	seen   bool
	items  []EventsItem
	events int    // events kept so far, for the quota
	sub    reader // decodes one event at a time
}

// item reads the batch item of endpoint id.
func (d *eventsDecoder) item(r *reader, id string) error {
	it := EventsItem{EndpointID: id, EndpointErr: pinfold.Errorf(pinfold.EINVALID, "Missing Endpoint")}
	err := r.Members([]string{"Endpoint", "Events"}, func(name string) error {
		switch name {
		case "Endpoint":
			raw, err := r.RawValue()
			if err != nil {
				return err
			}
			it.Endpoint, it.EndpointErr = DecodeEndpointRequest(raw, id)
			return nil
		default:
			return d.eventsOf(r, &it)
		}
	})
	if err != nil {
		return err
	}
	i := len(d.items)
	for j := range d.items {
		if d.items[j].EndpointID == id {
			i = j
			d.events -= len(d.items[j].Events)
			break
		}
	}
	if i == len(d.items) {
		if i == pinfold.MaxBatchItems {
			return pinfold.Errorf(pinfold.EINVALID, "Exceeded maximum number of items per request: %d", pinfold.MaxBatchItems)
		}
		d.items = append(d.items, EventsItem{})
	}
	d.items[i] = it
	d.events += len(it.Events)
	return nil
}

// eventsOf reads an item's Events map into it; a second Events member
// replaces the first.
func (d *eventsDecoder) eventsOf(r *reader, it *EventsItem) error {
	d.events -= len(it.Events)
	it.Events, it.EventErrs = it.Events[:0], it.EventErrs[:0]
	return r.Entries(func(eventID string) error {
		raw, err := r.RawValue()
		if err != nil {
			return err
		}
		e := pinfold.Event{ID: eventID, EndpointID: it.EndpointID}
		err = d.event(raw, &e)
		for j := range it.Events {
			if it.Events[j].ID == eventID {
				it.Events[j], it.EventErrs[j] = e, err
				return nil
			}
		}
		if d.events+len(it.Events) == pinfold.MaxEventsPerRequest {
			return pinfold.Errorf(pinfold.EINVALID, "Exceeded maximum number of events per request: %d", pinfold.MaxEventsPerRequest)
		}
		it.Events = append(it.Events, e)
		it.EventErrs = append(it.EventErrs, err)
		return nil
	})
}

// event decodes one Event value (raw, whose syntax is checked) into e. On
// error e keeps only its ID and EndpointID.
func (d *eventsDecoder) event(raw []byte, e *pinfold.Event) error {
	jr, err := jsontok.NewReader(raw, false)
	if err != nil {
		return requestError(err)
	}
	d.sub.Reader = jr
	r := &d.sub
	r.ShareAll()
	keys := 0 // attribute and metric keys, counted past the quota
	err = r.Members([]string{"AppPackageName", "AppTitle", "AppVersionCode", "Attributes", "ClientSdkVersion",
		"EventType", "Metrics", "SdkName", "Session", "Timestamp"}, func(name string) (err error) {
		switch name {
		case "AppPackageName":
			e.AppPackageName, err = r.Str()
		case "AppTitle":
			e.AppTitle, err = r.Str()
		case "AppVersionCode":
			e.AppVersionCode, err = r.Str()
		case "ClientSdkVersion":
			e.ClientSdkVersion, err = r.Str()
		case "EventType":
			e.EventType, err = r.Str()
		case "SdkName":
			e.SdkName, err = r.Str()
		case "Timestamp":
			e.TimestampText, err = r.Str()
		case "Session":
			e.Session, err = decodeSession(r)
		case "Attributes":
			err = r.Entries(func(k string) error {
				v, err := r.Str()
				if err != nil {
					return err
				}
				if _, ok := e.Attributes[k]; !ok {
					if keys++; keys > pinfold.MaxEventKeys {
						return nil // counted, not kept
					}
				}
				if e.Attributes == nil {
					e.Attributes = make(map[string]string, 4)
				}
				e.Attributes[k] = v
				return nil
			})
		case "Metrics":
			err = r.Entries(func(k string) error {
				f, err := r.Float()
				if err != nil {
					return err
				}
				if _, ok := e.Metrics[k]; !ok {
					if keys++; keys > pinfold.MaxEventKeys {
						return nil
					}
				}
				if e.Metrics == nil {
					e.Metrics = make(map[string]float64, 4)
				}
				e.Metrics[k] = f
				return nil
			})
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	if err == nil && keys > pinfold.MaxEventKeys {
		err = pinfold.Errorf(pinfold.EINVALID, "The event has %d attribute and metric keys: at most %d are allowed", keys, pinfold.MaxEventKeys)
	}
	if err != nil {
		*e = pinfold.Event{ID: e.ID, EndpointID: e.EndpointID}
		return requestError(err)
	}
	return nil
}

// decodeSession reads a Session.
func decodeSession(r *reader) (*pinfold.EventSession, error) {
	s := new(pinfold.EventSession)
	err := r.Members([]string{"Duration", "Id", "StartTimestamp", "StopTimestamp"}, func(name string) (err error) {
		switch name {
		case "Duration":
			var n int
			if n, err = r.Int(); err == nil {
				d := int64(n)
				s.Duration = &d
			}
		case "Id":
			s.ID, err = r.Str()
		case "StartTimestamp":
			s.StartTimestamp, err = r.Str()
		case "StopTimestamp":
			s.StopTimestamp, err = r.Str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// EventsResult is the outcome of one batch item of a PutEvents request:
// Endpoint is nil when the endpoint was upserted, or why not; Events are
// the item's events with theirs.
type EventsResult struct {
	EndpointID string
	Endpoint   error
	Events     []EventResult
}

// EventResult is the outcome of one event: Err nil when it was recorded.
type EventResult struct {
	ID  string
	Err error
}

// EventsResponse returns an EventsResponse body (PutEvents): Results maps
// each endpoint ID to its EndpointItemResponse and EventsItemResponse
// (event ID → EventItemResponse), each {"Message":"Accepted","StatusCode":202}
// or, for a refused one, the error's message and 400.
func EventsResponse(results []EventsResult) []byte {
	o := jsontok.Open(make([]byte, 0, 64+len(results)*160))
	o.Key("Results")
	o.B = append(o.B, '{')
	for i, res := range results {
		if i > 0 {
			o.B = append(o.B, ',')
		}
		o.B = jsontok.AppendString(o.B, res.EndpointID)
		o.B = append(o.B, ':')
		item := jsontok.Open(o.B)
		item.Key("EndpointItemResponse")
		item.B = appendItemStatus(item.B, res.Endpoint)
		item.Key("EventsItemResponse")
		item.B = append(item.B, '{')
		for j, ev := range res.Events {
			if j > 0 {
				item.B = append(item.B, ',')
			}
			item.B = jsontok.AppendString(item.B, ev.ID)
			item.B = append(item.B, ':')
			item.B = appendItemStatus(item.B, ev.Err)
		}
		item.B = append(item.B, '}')
		o.B = item.Close()
	}
	o.B = append(o.B, '}')
	return o.Close()
}

// appendItemStatus appends an EndpointItemResponse or EventItemResponse
// for err.
func appendItemStatus(dst []byte, err error) []byte {
	if err == nil {
		return append(dst, `{"Message":"Accepted","StatusCode":202}`...)
	}
	o := jsontok.Open(dst)
	o.Str("Message", pinfold.ErrorMessage(err))
	o.Int("StatusCode", 400)
	return o.Close()
}

// EventsPage returns the body of pinfold's events read API
// (GET /_pinfold/apps/{id}/events): {"Item":[...],"NextToken":...}, Item
// always a list, newest first as given, NextToken left out when next is
// "". See AppendEvent for each item.
func EventsPage(events []*pinfold.Event, next string) []byte {
	return appendList(events, next, 256, AppendEvent)
}

// AppendEvent appends a recorded event as pinfold's events read API gives
// it: ApplicationId, EndpointId, Id, EventType, Timestamp (as the client
// sent it), ReceivedAt (pinfold.FormatTime), then Pinpoint's optional Event
// members when set (Session, AppPackageName, AppTitle, AppVersionCode,
// ClientSdkVersion, SdkName, Attributes, Metrics with keys sorted).
func AppendEvent(dst []byte, e *pinfold.Event) []byte {
	o := jsontok.Open(dst)
	o.Str("ApplicationId", e.AppID)
	o.Str("EndpointId", e.EndpointID)
	o.Str("Id", e.ID)
	o.Str("EventType", e.EventType)
	o.Str("Timestamp", e.TimestampText)
	o.Str("ReceivedAt", pinfold.FormatTime(e.ReceivedAt))
	if s := e.Session; s != nil {
		o.Key("Session")
		so := jsontok.Open(o.B)
		so.Str("Id", s.ID)
		so.Str("StartTimestamp", s.StartTimestamp)
		if s.StopTimestamp != "" {
			so.Str("StopTimestamp", s.StopTimestamp)
		}
		if s.Duration != nil {
			so.Int("Duration", *s.Duration)
		}
		o.B = so.Close()
	}
	for _, f := range [...]struct{ k, v string }{{"AppPackageName", e.AppPackageName}, {"AppTitle", e.AppTitle},
		{"AppVersionCode", e.AppVersionCode}, {"ClientSdkVersion", e.ClientSdkVersion}, {"SdkName", e.SdkName}} {
		if f.v != "" {
			o.Str(f.k, f.v)
		}
	}
	if len(e.Attributes) > 0 {
		o.Key("Attributes")
		o.B = jsontok.AppendStringMap(o.B, e.Attributes)
	}
	if len(e.Metrics) > 0 {
		o.Key("Metrics")
		o.B = jsontok.AppendFloatMap(o.B, e.Metrics)
	}
	return o.Close()
}

// EventsDeleted returns the body of pinfold's events clear API
// (DELETE /_pinfold/apps/{id}/events): {"Deleted":n}.
func EventsDeleted(n int64) []byte {
	o := jsontok.Open(make([]byte, 0, 32))
	o.Int("Deleted", n)
	return o.Close()
}
