package handlebars

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pinfold/pinfold"
)

// model builds the context a template is rendered with: Pinpoint's message
// variables as nested maps, so that {{Attributes.Plan}} and
// {{User.UserAttributes.[Last Name].[0]}} resolve through raymond's map
// lookups. Defaults are laid down first, the endpoint's values over them,
// the recipient's Overrides last; a variable ends up absent (and renders as
// empty text) only when none of the three has a value.
//
// Custom attributes are lists ([]string); the endpoint's other variables
// are strings (Metrics.X and Location.Latitude/Longitude numbers). A
// substitution is a list, as Pinpoint's Substitutions are, whatever its
// path: a list renders as its values joined by commas.
func model(d *pinfold.MessageData) map[string]any {
	root := make(map[string]any, 16)
	if d == nil {
		return root
	}
	for k, v := range d.Defaults {
		setPath(root, k, v)
	}
	if e := d.Endpoint; e != nil {
		setStr(root, "Address", e.Address)
		setStr(root, "ChannelType", e.ChannelType)
		if !e.CreatedAt.IsZero() {
			root["CreationDate"] = e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		setStr(root, "EffectiveDate", e.EffectiveDate)
		setStr(root, "EndpointStatus", e.EndpointStatus)
		setStr(root, "Id", e.ID)
		setStr(root, "OptOut", e.OptOut)
		setStr(root, "RequestId", e.RequestID)
		if len(e.Attributes) > 0 {
			m := child(root, "Attributes")
			for k, v := range e.Attributes {
				if len(v) > 0 {
					m[k] = v
				}
			}
		}
		if len(e.Metrics) > 0 {
			m := child(root, "Metrics")
			for k, v := range e.Metrics {
				m[k] = v
			}
		}
		if g := e.Demographic; g != nil {
			for _, f := range [...]struct{ k, v string }{
				{"AppVersion", g.AppVersion}, {"Locale", g.Locale}, {"Make", g.Make}, {"Model", g.Model},
				{"ModelVersion", g.ModelVersion}, {"Platform", g.Platform},
				{"PlatformVersion", g.PlatformVersion}, {"Timezone", g.Timezone},
			} {
				if f.v != "" {
					child(root, "Demographic")[f.k] = f.v
				}
			}
		}
		if l := e.Location; l != nil {
			for _, f := range [...]struct{ k, v string }{
				{"City", l.City}, {"Country", l.Country}, {"PostalCode", l.PostalCode}, {"Region", l.Region},
			} {
				if f.v != "" {
					child(root, "Location")[f.k] = f.v
				}
			}
			// Pinpoint documents the coordinates rounded to one decimal place.
			if l.Latitude != nil {
				child(root, "Location")["Latitude"] = math.Round(*l.Latitude*10) / 10
			}
			if l.Longitude != nil {
				child(root, "Location")["Longitude"] = math.Round(*l.Longitude*10) / 10
			}
		}
		if u := e.User; u != nil {
			if u.UserID != "" {
				child(root, "User")["UserId"] = u.UserID
			}
			if len(u.UserAttributes) > 0 {
				m := child(child(root, "User"), "UserAttributes")
				for k, v := range u.UserAttributes {
					if len(v) > 0 {
						m[k] = v
					}
				}
			}
		}
	}
	if _, ok := root["RequestId"]; !ok && d.RequestID != "" {
		root["RequestId"] = d.RequestID
	}
	for k, v := range d.Overrides {
		setPath(root, k, v)
	}
	return root
}

func setStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// child returns m[k] as a map, creating it (or replacing a non-map value)
// as needed.
func child(m map[string]any, k string) map[string]any {
	if c, ok := m[k].(map[string]any); ok {
		return c
	}
	c := make(map[string]any)
	m[k] = c
	return c
}

// setPath sets the variable at the dotted path to the substitution's
// values. An empty list sets nothing. A path through a value that is not a
// map replaces that value.
func setPath(root map[string]any, path string, vals []string) {
	if len(vals) == 0 || path == "" {
		return
	}
	parts := strings.Split(path, ".")
	m := root
	for _, p := range parts[:len(parts)-1] {
		m = child(m, p)
	}
	m[parts[len(parts)-1]] = vals
}

// renderState is what one Render call's helpers share: the clock reading
// and the work budget. It travels in raymond's private data frame under
// stateKey; rendered as a variable ({{@_pinfold}}) it is empty text.
type renderState struct {
	now    time.Time
	budget int // bytes of work left before the render is refused
	max    int // the Renderer's MaxOutput, for messages
	zones  *sync.Map
	depth  int // partials being rendered
}

const stateKey = "_pinfold"

// String makes the state render as empty text.
func (*renderState) String() string { return "" }

// charge spends n bytes of the budget, failing the render (by a panic that
// Render turns into an EINVALID error) when the budget runs out. Helpers
// charge what they produce, and check sizes they are about to allocate
// before allocating.
func (s *renderState) charge(n int) {
	if n < 0 || n > s.budget {
		s.budget = -1
		panic(tooLarge(s.max))
	}
	s.budget -= n
}

// need fails the render when n bytes, about to be produced, exceed the
// budget left.
func (s *renderState) need(n float64) {
	if n > float64(s.budget) {
		s.budget = -1
		panic(tooLarge(s.max))
	}
}

func tooLarge(max int) error {
	return pinfold.Errorf(pinfold.EINVALID, "Template renders to more than %d bytes", max)
}
