// Package storetest is the conformance suite every pinfold.Store runs, so
// that every store behaves the same behind the API.
//
// The suite uses only the pinfold interfaces. Of the documents
// ScanEndpoints returns (wire.Codec's lines) it assumes only that each holds
// its endpoint's ID verbatim: it tells them apart by the IDs inside them.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// Run runs the suite. open must return a new, empty, open store each time it
// is called, and close it when the test ends (t.Cleanup). Subtests run in
// parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) pinfold.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Apps", appTests},
		{"Endpoints", endpointTests},
		{"Segments", segmentTests},
		{"SegmentMembers", memberTests},
		{"Jobs", jobTests},
		{"Events", eventTests},
		{"Source", sourceTests},
		{"Channels", channelTests},
		{"Templates", templateTests},
		{"Outbox", outboxTests},
		{"OTP", otpTests},
		{"Audience", audienceTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
}

// test is one subtest of the suite, run on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, st pinfold.Store)
}

// Scopes of the suite: A is the home scope; B differs by account and C by
// region.
var (
	scopeA = pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = pinfold.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeC = pinfold.Scope{Account: "111111111111", Region: "eu-west-1"}
)

// Times of the suite, with milliseconds, as stores keep them.
var (
	t0 = time.Date(2024, 5, 8, 22, 16, 44, 812_000_000, time.UTC)
	t1 = t0.Add(time.Hour + 7*time.Millisecond)
	t2 = t1.Add(time.Hour + 11*time.Millisecond)
)

func ctxOf(t *testing.T) context.Context { return t.Context() }

// createApp stores a new app named name in scope.
func createApp(t *testing.T, st pinfold.Store, scope pinfold.Scope, name string) *pinfold.App {
	t.Helper()
	app := &pinfold.App{ID: pinfold.NewID(), Scope: scope, Name: name, CreatedAt: t0}
	if err := st.CreateApp(ctxOf(t), app); err != nil {
		t.Fatalf("CreateApp(%s): %v", name, err)
	}
	return app
}

// wantError fails unless err is an *pinfold.Error with code and, when msg
// is not empty, message msg.
func wantError(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want %s %q", what, code, msg)
		return
	}
	if got := pinfold.ErrorCode(err); got != code {
		t.Errorf("%s: got error code %q (%v), want %q", what, got, err, code)
		return
	}
	if got := pinfold.ErrorMessage(err); msg != "" && got != msg {
		t.Errorf("%s: got message %q, want %q", what, got, msg)
	}
}

func wantAppNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantError(t, what, err, pinfold.ENOTFOUND, pinfold.MsgAppNotFound)
}

func wantResourceNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantError(t, what, err, pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
}

func ptr[T any](v T) *T { return &v }

// epID returns the ID of endpoint n of set tag: fixed width, so no ID is
// part of another, and easy to find in an encoded document.
func epID(tag string, n int) string { return fmt.Sprintf("ep-%s-%06d", tag, n) }

var epIDRe = regexp.MustCompile(`ep-[A-Za-z]+-[0-9]{6}`)

// docIDs returns the distinct endpoint IDs (of epID's form) inside doc.
func docIDs(doc []byte) []string {
	var ids []string
	for _, m := range epIDRe.FindAll(doc, -1) {
		if s := string(m); !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	return ids
}

// newEndpoint is an update that creates endpoint id: an email address
// derived from the ID and one attribute.
func newEndpoint(id string) pinfold.EndpointUpdate {
	return pinfold.EndpointUpdate{
		ID:          id,
		ChannelType: ptr("EMAIL"),
		Address:     ptr(id + "@example.com"),
		Attributes:  map[string][]string{"Plan": {"free"}},
	}
}

// withUser returns u with the user ID set.
func withUser(u pinfold.EndpointUpdate, userID string) pinfold.EndpointUpdate {
	u.User = &pinfold.UserUpdate{UserID: ptr(userID)}
	return u
}

// upsertN creates endpoints epID(tag, from..to-1) in batches of batch.
func upsertN(t *testing.T, st pinfold.Store, scope pinfold.Scope, appID, tag string, from, to, batch int) {
	t.Helper()
	for lo := from; lo < to; lo += batch {
		var us []pinfold.EndpointUpdate
		for i := lo; i < min(lo+batch, to); i++ {
			us = append(us, newEndpoint(epID(tag, i)))
		}
		if err := st.UpsertEndpoints(ctxOf(t), scope, appID, us, t0); err != nil {
			t.Fatalf("UpsertEndpoints(%s %d..%d): %v", tag, lo, lo+len(us)-1, err)
		}
	}
}

func mustUpsert(t *testing.T, st pinfold.Store, appID string, now time.Time, us ...pinfold.EndpointUpdate) {
	t.Helper()
	if err := st.UpsertEndpoints(ctxOf(t), scopeA, appID, us, now); err != nil {
		t.Fatalf("UpsertEndpoints: %v", err)
	}
}

func mustGetEndpoint(t *testing.T, st pinfold.Store, appID, id string) *pinfold.Endpoint {
	t.Helper()
	e, err := st.GetEndpoint(ctxOf(t), scopeA, appID, id)
	if err != nil {
		t.Fatalf("GetEndpoint(%s): %v", id, err)
	}
	// GetEndpointLine gives the same endpoint, as the stored line, after
	// what dst held.
	line, err := st.GetEndpointLine(ctxOf(t), scopeA, appID, id, []byte("prefix"))
	if err != nil {
		t.Fatalf("GetEndpointLine(%s): %v", id, err)
	}
	rest, ok := bytes.CutPrefix(line, []byte("prefix"))
	if !ok {
		t.Fatalf("GetEndpointLine(%s) = %.40q, want it appended to dst", id, line)
	}
	var fromLine pinfold.Endpoint
	if err := (wire.Codec{}).DecodeEndpoint(rest, &fromLine); err != nil {
		t.Fatalf("GetEndpointLine(%s): decode %s: %v", id, rest, err)
	}
	if !reflect.DeepEqual(&fromLine, e) {
		t.Fatalf("GetEndpointLine(%s) decodes to\n%+v\nGetEndpoint gives\n%+v", id, &fromLine, e)
	}
	return e
}

// wantNoEndpoint fails unless endpoint id is absent from the app.
func wantNoEndpoint(t *testing.T, st pinfold.Store, appID, id string) {
	t.Helper()
	_, err := st.GetEndpoint(ctxOf(t), scopeA, appID, id)
	wantResourceNotFound(t, "GetEndpoint("+id+")", err)
	_, err = st.GetEndpointLine(ctxOf(t), scopeA, appID, id, nil)
	wantResourceNotFound(t, "GetEndpointLine("+id+")", err)
}

// diff returns "" when got and want are equal as stored values (nil and
// empty maps alike, times by instant) and a got/want description otherwise.
func diff(got, want any) string {
	g, w := normalize(got), normalize(want)
	if reflect.DeepEqual(g, w) {
		return ""
	}
	gb, _ := json.MarshalIndent(g, "", "  ")
	wb, _ := json.MarshalIndent(w, "", "  ")
	return fmt.Sprintf("\ngot:  %s\nwant: %s", gb, wb)
}

// normalize returns a JSON round trip of v, which erases the differences
// between nil and empty maps and slices (omitted either way by the
// comparison below) and between time zones.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable %T: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return err.Error()
	}
	return dropEmpty(out)
}

// dropEmpty removes nulls, empty objects and empty arrays from maps, and
// turns times into instants.
func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = dropEmpty(e)
			if isEmpty(e) {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = dropEmpty(e)
		}
		return x
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, x); err == nil && len(x) > 19 && x[10] == 'T' {
			return ts.UTC().Format(time.RFC3339Nano)
		}
		return x
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// errBoom is an error callbacks return to abort an operation.
var errBoom = errors.New("boom")
