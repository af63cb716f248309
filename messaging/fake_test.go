package messaging_test

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/messaging"
)

// fakeStore is an in-memory messaging.Store for the recipient logic's
// tests (the real stores' outbox, OTP and template tables come with their
// own packages and are tested there and end to end).
type fakeStore struct {
	mu        sync.Mutex
	apps      map[string]bool
	endpoints map[string]*pinfold.Endpoint // by ID
	channels  map[pinfold.ChannelType]*pinfold.Channel
	templates map[string]*pinfold.Template // by type/name
	messages  []*pinfold.Message
	events    []pinfold.Event
	otps      map[string]*pinfold.OTP

	addCalls, eventCalls int
	endpointReads        int // GetEndpoints calls
}

var _ messaging.Store = (*fakeStore)(nil)

func newFakeStore(appID string) *fakeStore {
	return &fakeStore{
		apps:      map[string]bool{appID: true},
		endpoints: map[string]*pinfold.Endpoint{},
		channels:  map[pinfold.ChannelType]*pinfold.Channel{},
		templates: map[string]*pinfold.Template{},
		otps:      map[string]*pinfold.OTP{},
	}
}

func (f *fakeStore) app(appID string) error {
	if !f.apps[appID] {
		return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgAppNotFound)
	}
	return nil
}

func (f *fakeStore) GetApp(_ context.Context, scope pinfold.Scope, id string) (*pinfold.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(id); err != nil {
		return nil, err
	}
	return &pinfold.App{ID: id, Scope: scope}, nil
}

func (f *fakeStore) GetEndpoints(_ context.Context, _ pinfold.Scope, appID string, ids []string) (map[string]*pinfold.Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(appID); err != nil {
		return nil, err
	}
	f.endpointReads++
	out := map[string]*pinfold.Endpoint{}
	for _, id := range ids {
		if e, ok := f.endpoints[id]; ok {
			out[id] = e
		}
	}
	return out, nil
}

func (f *fakeStore) GetUserEndpoints(_ context.Context, _ pinfold.Scope, appID, userID string) ([]*pinfold.Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(appID); err != nil {
		return nil, err
	}
	var out []*pinfold.Endpoint
	for _, e := range f.endpoints {
		if e.UserID() == userID {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "Resource not found")
	}
	return out, nil
}

func (f *fakeStore) GetChannel(_ context.Context, _ pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(appID); err != nil {
		return nil, err
	}
	ch, ok := f.channels[t]
	if !ok {
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "Resource not found")
	}
	return ch, nil
}

func (f *fakeStore) GetTemplate(_ context.Context, _ pinfold.Scope, name string, t pinfold.TemplateType, version int) (*pinfold.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tp, ok := f.templates[string(t)+"/"+name]
	if !ok || (version != 0 && version != tp.Version) {
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "Resource not found")
	}
	return tp, nil
}

// AddMessages stores msgs and events together; eventCalls counts the
// calls that carry events.
func (f *fakeStore) AddMessages(_ context.Context, scope pinfold.Scope, appID string, msgs []*pinfold.Message, events []pinfold.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(appID); err != nil {
		return err
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
	}
	f.addCalls++
	f.messages = append(f.messages, msgs...)
	if len(events) > 0 {
		f.eventCalls++
		f.events = append(f.events, events...)
	}
	return nil
}

func otpKey(appID, ref, dest string) string { return appID + "\x00" + ref + "\x00" + dest }

func (f *fakeStore) PutOTP(_ context.Context, otp *pinfold.OTP) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(otp.AppID); err != nil {
		return err
	}
	c := *otp
	f.otps[otpKey(otp.AppID, otp.ReferenceID, otp.Destination)] = &c
	return nil
}

func (f *fakeStore) CheckOTP(_ context.Context, _ pinfold.Scope, appID, ref, dest, hash string, now time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(appID); err != nil {
		return false, err
	}
	k := otpKey(appID, ref, dest)
	o, ok := f.otps[k]
	if !ok || o.AttemptsLeft <= 0 || !now.Before(o.ExpiresAt) {
		return false, nil
	}
	if o.CodeHash != hash {
		o.AttemptsLeft--
		return false, nil
	}
	delete(f.otps, k)
	return true, nil
}

// fakeRenderer replaces {{Name}} with the recipient's override, the
// default, or the endpoint's Address: enough for the recipient logic; the
// real renderer is package handlebars'.
type fakeRenderer struct{}

var varRe = regexp.MustCompile(`\{\{([A-Za-z0-9_.]+)\}\}`)

func (f fakeRenderer) RenderParts(srcs []string, d *pinfold.MessageData) ([]string, error) {
	outs := make([]string, len(srcs))
	for i, src := range srcs {
		out, err := f.render(src, d)
		if err != nil {
			return nil, err
		}
		outs[i] = out
	}
	return outs, nil
}

func (fakeRenderer) render(src string, d *pinfold.MessageData) (string, error) {
	return varRe.ReplaceAllStringFunc(src, func(m string) string {
		name := varRe.FindStringSubmatch(m)[1]
		if v, ok := d.Overrides[name]; ok && len(v) > 0 {
			return v[0]
		}
		if name == "Address" && d.Endpoint != nil {
			return d.Endpoint.Address
		}
		if v, ok := d.Defaults[name]; ok && len(v) > 0 {
			return v[0]
		}
		return ""
	}), nil
}
