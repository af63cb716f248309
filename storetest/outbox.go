package storetest

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var outboxTests = []test{
	{"AddList", testAddListMessages},
	{"RoundTripEveryField", testMessageRoundTrip},
	{"NewestFirstPaged", testListMessagesOrder},
	{"ManyInOneCall", testAddManyMessages},
	{"ListBadToken", testListMessagesBadToken},
	{"Filters", testListMessagesFilters},
	{"Invalid", testAddInvalidMessages},
	{"WithEvents", testAddMessagesWithEvents},
	{"Scoping", testMessageScoping},
	{"Delete", testDeleteMessages},
	{"DeleteAppCascades", testDeleteAppMessages},
}

// message returns a message with ID id on channel ch to address, of
// endpoint endpointID and user userID (either may be empty), created at
// created, with a body.
func message(id string, ch pinfold.ChannelType, address, endpointID, userID string, created time.Time) *pinfold.Message {
	return &pinfold.Message{ID: id, Channel: ch, Address: address, EndpointID: endpointID, UserID: userID,
		Body: "Hello " + id, RequestID: "req-1", CreatedAt: created}
}

func mustAddMessages(t *testing.T, st pinfold.Store, app *pinfold.App, msgs ...*pinfold.Message) {
	t.Helper()
	if err := st.AddMessages(ctxOf(t), app.Scope, app.ID, msgs, nil); err != nil {
		t.Fatalf("AddMessages: %v", err)
	}
}

// listMessages returns every message ListMessages gives for f, in pages of
// size, and fails unless every page but the last is full.
func listMessages(t *testing.T, st pinfold.Store, app *pinfold.App, f pinfold.MessageFilter, size int) []*pinfold.Message {
	t.Helper()
	var all []*pinfold.Message
	token := ""
	for pages := 0; ; pages++ {
		msgs, next, err := st.ListMessages(ctxOf(t), app.Scope, app.ID, f, pinfold.Page{Size: size, Token: token})
		if err != nil {
			t.Fatalf("ListMessages(%+v, page %d of %d): %v", f, pages, size, err)
		}
		all = append(all, msgs...)
		if next == "" || pages > 5000 {
			return all
		}
		if want := size; want > 0 && len(msgs) != want {
			t.Errorf("ListMessages(%+v): page %d has %d messages and a next token, want %d", f, pages, len(msgs), want)
		}
		token = next
	}
}

// messageIDs returns the IDs of msgs.
func messageIDs(msgs []*pinfold.Message) []string {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func listMessageIDs(t *testing.T, st pinfold.Store, app *pinfold.App, f pinfold.MessageFilter, size int) []string {
	t.Helper()
	return messageIDs(listMessages(t, st, app, f, size))
}

// wantMessages fails unless got and want hold the same messages, in order,
// every field equal (times by instant, in UTC).
func wantMessages(t *testing.T, what string, got, want []*pinfold.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d messages %q, want %d %q", what, len(got), messageIDs(got), len(want), messageIDs(want))
	}
	for i := range want {
		g, w := *got[i], *want[i]
		if !g.CreatedAt.Equal(w.CreatedAt) || g.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: message %s: got CreatedAt %v, want %v (UTC)", what, w.ID, g.CreatedAt, w.CreatedAt)
		}
		g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: message %s differs: %s", what, w.ID, diff(&g, &w))
		}
	}
}

// testAddListMessages adds messages and reads them back, and checks what
// AddMessages fills in.
func testAddListMessages(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	email := &pinfold.Message{ID: "m-email", Channel: pinfold.ChannelEmail, Address: "ana@example.com",
		EndpointID: "ep-1", UserID: "user-1", Subject: "Welcome, Ana", HTMLBody: "<p>Hello <b>Ana</b> ✓</p>",
		TextBody: "Hello Ana ✓", From: "shop@example.com", TemplateName: "welcome", TemplateVersion: "3",
		RequestID: "req-1", TraceID: "trace-1", Details: []byte(`{"Context": {"k": "v"},  "Raw": false}`),
		CreatedAt: t1}
	sms := &pinfold.Message{ID: "m-sms", Channel: pinfold.ChannelSMS, Address: "+15555550100",
		Body: "Your code is 123456", From: "+15555550199", RequestID: "req-1",
		Details: []byte(`{"MessageType":"TRANSACTIONAL"}`), CreatedAt: t1}
	push := &pinfold.Message{ID: "m-push", Channel: pinfold.ChannelGCM, Address: "device-token", EndpointID: "ep-2",
		Title: "Sale", Body: "50% off", RequestID: "req-2", CreatedAt: t0}
	// Content is kept as given, NUL and invalid UTF-8 included; times
	// beyond the millisecond are truncated.
	odd := &pinfold.Message{ID: "m-odd", Channel: pinfold.ChannelVoice, Address: "+15555550101",
		Body: "a\x00b\xff", Subject: "\x00", CreatedAt: t2.Add(999 * time.Microsecond)}

	msgs := []*pinfold.Message{email, sms, push, odd}
	mustAddMessages(t, st, app, msgs...)
	for _, m := range msgs {
		if m.AppID != app.ID || m.Scope != app.Scope {
			t.Errorf("AddMessages left message %s with app %q, scope %v", m.ID, m.AppID, m.Scope)
		}
	}
	if !odd.CreatedAt.Equal(t2) {
		t.Errorf("AddMessages left CreatedAt %v, want it truncated to %v", odd.CreatedAt, t2)
	}
	want := []*pinfold.Message{odd, sms, email, push} // newest first; sms stored after email
	wantMessages(t, "ListMessages", listMessages(t, st, app, pinfold.MessageFilter{}, 0), want)
	wantMessages(t, "ListMessages in pages of 1", listMessages(t, st, app, pinfold.MessageFilter{}, 1), want)

	// A zero CreatedAt is the store's clock.
	now := message("m-now", pinfold.ChannelSMS, "+15555550102", "", "", time.Time{})
	mustAddMessages(t, st, app, now)
	if now.CreatedAt.IsZero() || now.CreatedAt.Location() != time.UTC || !now.CreatedAt.Equal(now.CreatedAt.Truncate(time.Millisecond)) {
		t.Errorf("AddMessages set CreatedAt %v, want the store's time in UTC to the millisecond", now.CreatedAt)
	}
	got := listMessages(t, st, app, pinfold.MessageFilter{MessageID: "m-now"}, 0)
	wantMessages(t, "ListMessages(m-now)", got, []*pinfold.Message{now})

	// No messages is no error; IDs may repeat.
	mustAddMessages(t, st, app)
	mustAddMessages(t, st, app, message("m-sms", pinfold.ChannelSMS, "+15555550100", "", "", t2))
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{MessageID: "m-sms"}, 0); !slices.Equal(got, []string{"m-sms", "m-sms"}) {
		t.Errorf("ListMessages(m-sms) after adding its ID again: got %q", got)
	}
}

// filledMessage returns a message with every field set to distinct
// non-zero values found by reflection, so that a field added to
// pinfold.Message that a store does not keep fails the round trip.
func filledMessage(t *testing.T, app *pinfold.App) *pinfold.Message {
	t.Helper()
	var m pinfold.Message
	v := reflect.ValueOf(&m).Elem()
	n := 0
	for i := range v.NumField() {
		switch f := v.Field(i); f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(t0.Add(time.Duration(i) * time.Second)))
		case []byte:
			f.SetBytes([]byte(fmt.Sprintf(` {"field": %d} `, i)))
		case pinfold.ChannelType:
			f.SetString(string(pinfold.ChannelAPNSVoipSandbox))
		default:
			fill(t, f, &n, "Message."+v.Type().Field(i).Name)
		}
	}
	m.AppID, m.Scope = app.ID, app.Scope
	return &m
}

func testMessageRoundTrip(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	mustAddMessages(t, st, app, filledMessage(t, app))
	want := filledMessage(t, app)
	got := listMessages(t, st, app, pinfold.MessageFilter{}, 0)
	if len(got) != 1 {
		t.Fatalf("ListMessages: got %d messages, want 1", len(got))
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("ListMessages: message differs: %s", diff(got[0], want))
	}
	f := pinfold.MessageFilter{Address: want.Address, Channel: want.Channel, MessageID: want.ID,
		EndpointID: want.EndpointID, UserID: want.UserID}
	if got := listMessages(t, st, app, f, 0); len(got) != 1 {
		t.Errorf("ListMessages by every field of the filled message: got %d messages, want 1", len(got))
	}
}

// testListMessagesOrder checks newest first by CreatedAt, then by
// insertion, across calls and within one, in pages of every size.
func testListMessagesOrder(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	other := createApp(t, st, scopeA, "other")
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	var batch1, batch2, batch3 []*pinfold.Message
	for i := range 5 {
		batch1 = append(batch1, message(fmt.Sprintf("a%d", i), pinfold.ChannelSMS, "+1", "", "", at(10))) // same time
	}
	for i := range 3 {
		batch2 = append(batch2, message(fmt.Sprintf("b%d", i), pinfold.ChannelSMS, "+2", "", "", at(20+i)))
	}
	// Stored last, but created earliest (a clock behind on another node).
	batch3 = append(batch3, message("c0", pinfold.ChannelSMS, "+1", "", "", at(5)),
		message("c1", pinfold.ChannelSMS, "+1", "", "", at(10)))
	mustAddMessages(t, st, app, batch1...)
	mustAddMessages(t, st, other, batch1...)
	mustAddMessages(t, st, app, batch2...)
	mustAddMessages(t, st, app, batch3...)
	want := []string{"b2", "b1", "b0", "c1", "a4", "a3", "a2", "a1", "a0", "c0"}
	for _, size := range []int{0, 1, 2, 3, 4, 9, 10, 11, pinfold.MaxPageSize + 5} {
		if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, size); !slices.Equal(got, want) {
			t.Errorf("ListMessages in pages of %d: got %q, want %q", size, got, want)
		}
	}
	// The page that ends the list has no token, even when it is full.
	msgs, next, err := st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 5})
	if err != nil || len(msgs) != 5 || next == "" {
		t.Fatalf("ListMessages(5): got %d messages, token %q, %v", len(msgs), next, err)
	}
	msgs, next, err = st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 5, Token: next})
	if err != nil || !slices.Equal(messageIDs(msgs), want[5:]) || next != "" {
		t.Fatalf("ListMessages(5, second page): got %q, token %q, %v; want %q and no token", messageIDs(msgs), next, err, want[5:])
	}
	// Messages added after a page was read come before it: a token goes
	// on where its page ended.
	msgs, next, err = st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 3})
	if err != nil || !slices.Equal(messageIDs(msgs), want[:3]) || next == "" {
		t.Fatalf("ListMessages(3): got %q, token %q, %v; want %q", messageIDs(msgs), next, err, want[:3])
	}
	mustAddMessages(t, st, app, message("d0", pinfold.ChannelSMS, "+1", "", "", at(30)))
	msgs, _, err = st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 3, Token: next})
	if err != nil || !slices.Equal(messageIDs(msgs), want[3:6]) {
		t.Errorf("ListMessages(3, second page) after a new message: got %q, %v; want %q", messageIDs(msgs), err, want[3:6])
	}
	// A token of one filter's list goes on in another's, from the same
	// position.
	_, next, err = st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err = st.ListMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{Address: "+1"}, pinfold.Page{Token: next})
	if err != nil || !slices.Equal(messageIDs(msgs), []string{"a4", "a3", "a2", "a1", "a0", "c0"}) { // after d0 b2 b1 b0 c1
		t.Errorf("ListMessages(+1) from a token of the whole list: got %q, %v", messageIDs(msgs), err)
	}
	// A new app has none.
	empty := createApp(t, st, scopeA, "empty")
	msgs, next, err = st.ListMessages(ctxOf(t), scopeA, empty.ID, pinfold.MessageFilter{}, pinfold.Page{})
	if err != nil || len(msgs) != 0 || next != "" {
		t.Errorf("ListMessages of an app without messages: got %d, %q, %v", len(msgs), next, err)
	}
}

// testAddManyMessages adds the messages of a large send in one call, as
// SendUsersMessages to 100 users of 15 endpoints each makes them, all
// created at the same time, and pages through them.
func testAddManyMessages(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	var msgs []*pinfold.Message
	var want []string
	for u := range 100 {
		for e := range 15 {
			id := fmt.Sprintf("msg-%02d-%02d", u, e)
			msgs = append(msgs, message(id, pinfold.ChannelSMS, fmt.Sprintf("+1555%03d%04d", u, e),
				fmt.Sprintf("ep-%02d-%02d", u, e), fmt.Sprintf("user-%02d", u), t1))
			want = append(want, id)
		}
	}
	slices.Reverse(want)
	mustAddMessages(t, st, app, msgs...)
	for _, size := range []int{0, 7, pinfold.MaxPageSize} {
		if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, size); !slices.Equal(got, want) {
			t.Errorf("ListMessages in pages of %d: got %d messages (%q...), want %d", size, len(got), got[:min(3, len(got))], len(want))
		}
	}
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{UserID: "user-42"}, 4); !slices.Equal(got, want[(99-42)*15:(100-42)*15]) {
		t.Errorf("ListMessages(user-42): got %q", got)
	}
	n, err := st.DeleteMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{UserID: "user-42"})
	if err != nil || n != 15 {
		t.Errorf("DeleteMessages(user-42): got %d, %v; want 15", n, err)
	}
	n, err = st.DeleteMessages(ctxOf(t), scopeA, app.ID, pinfold.MessageFilter{})
	if err != nil || n != 1485 {
		t.Errorf("DeleteMessages: got %d, %v; want 1485", n, err)
	}
}

func testListMessagesBadToken(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	mustAddMessages(t, st, app, message("m", pinfold.ChannelSMS, "+1", "", "", t0))
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, token := range []string{"not a token", "%%%", "AAAA", "-1", b64("jobs:5"), b64("messages:5"),
		b64("events:5:5"), b64("messages:x:5"), b64("messages:5:0"), b64("messages:5:-2"), b64("messages:05:5"),
		b64("messages:5:5:5"), b64("messages::5")} {
		for _, f := range []pinfold.MessageFilter{{}, {Address: "+1"}} {
			_, _, err := st.ListMessages(ctxOf(t), scopeA, app.ID, f, pinfold.Page{Token: token})
			wantError(t, "ListMessages(token "+token+")", err, pinfold.EINVALID, "Invalid token")
		}
	}
}

func testListMessagesFilters(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	channels := []pinfold.ChannelType{pinfold.ChannelSMS, pinfold.ChannelEmail, pinfold.ChannelVoice}
	var all []*pinfold.Message
	for i := range 18 {
		endpoint, user := "", ""
		if i%3 != 0 {
			endpoint = fmt.Sprintf("ep-%d", i%4)
		}
		if i%2 == 0 && endpoint != "" {
			user = fmt.Sprintf("user-%d", i%5%2)
		}
		all = append(all, message(fmt.Sprintf("m%02d", i), channels[i%3], fmt.Sprintf("addr-%d", i%4), endpoint, user,
			t0.Add(time.Duration(i%7)*time.Millisecond)))
	}
	mustAddMessages(t, st, app, all[:7]...)
	mustAddMessages(t, st, app, all[7:]...)
	// Another app with the same addresses, endpoints and users.
	other := createApp(t, st, scopeA, "other")
	for _, m := range all {
		c := *m
		mustAddMessages(t, st, other, &c)
	}

	match := func(f pinfold.MessageFilter) []string { // newest first
		order := slices.Clone(all)
		slices.SortStableFunc(order, func(a, b *pinfold.Message) int { return b.CreatedAt.Compare(a.CreatedAt) })
		// Within one time, the later stored first: reverse each run.
		for lo := 0; lo < len(order); {
			hi := lo
			for hi < len(order) && order[hi].CreatedAt.Equal(order[lo].CreatedAt) {
				hi++
			}
			slices.Reverse(order[lo:hi])
			lo = hi
		}
		var ids []string
		for _, m := range order {
			if (f.Address == "" || m.Address == f.Address) && (f.Channel == "" || m.Channel == f.Channel) &&
				(f.MessageID == "" || m.ID == f.MessageID) && (f.EndpointID == "" || m.EndpointID == f.EndpointID) &&
				(f.UserID == "" || m.UserID == f.UserID) {
				ids = append(ids, m.ID)
			}
		}
		return ids
	}
	for _, f := range []pinfold.MessageFilter{
		{},
		{Address: "addr-1"},
		{Address: "addr-3"},
		{Channel: pinfold.ChannelSMS},
		{Channel: pinfold.ChannelEmail},
		{Channel: pinfold.ChannelGCM},
		{MessageID: "m05"},
		{MessageID: "m5"},
		{EndpointID: "ep-1"},
		{EndpointID: "ep-2"},
		{UserID: "user-0"},
		{UserID: "user-1"},
		{Address: "addr-2", Channel: pinfold.ChannelVoice},
		{EndpointID: "ep-2", UserID: "user-0"},
		{EndpointID: "ep-1", Channel: pinfold.ChannelEmail, Address: "addr-1"},
		{MessageID: "m04", Address: "addr-0"},
		{MessageID: "m04", Address: "addr-1"},
		{Address: "ADDR-1"},
		{UserID: "user-9"},
	} {
		want := match(f)
		for _, size := range []int{0, 1, 3} {
			if got := listMessageIDs(t, st, app, f, size); !slices.Equal(got, want) {
				t.Errorf("ListMessages(%+v) in pages of %d: got %q, want %q", f, size, got, want)
			}
		}
	}
}

// testAddInvalidMessages checks that AddMessages refuses a message it
// could not index, and then stores none of the call's.
func testAddInvalidMessages(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "outbox")
	good := message("good", pinfold.ChannelSMS, "+1", "", "", t0)
	for _, bad := range []*pinfold.Message{
		message("bad", "", "+1", "", "", t0),
		message("bad", "sms", "+1", "", "", t0),
		message("bad", "PIGEON", "+1", "", "", t0),
		message("bad\x00", pinfold.ChannelSMS, "+1", "", "", t0),
		message("bad", pinfold.ChannelSMS, "+1\x00", "", "", t0),
		message("bad", pinfold.ChannelSMS, "+1", "ep\xff", "", t0),
		message("bad", pinfold.ChannelSMS, "+1", "ep", "\x00", t0),
	} {
		err := st.AddMessages(ctxOf(t), scopeA, app.ID, []*pinfold.Message{good, bad}, nil)
		wantError(t, fmt.Sprintf("AddMessages(%+v)", *bad), err, pinfold.EINVALID, "")
	}
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, 0); len(got) != 0 {
		t.Errorf("ListMessages after refused calls: got %q, want none", got)
	}
	// Filters no message can match match none, without an error.
	mustAddMessages(t, st, app, good)
	for _, f := range []pinfold.MessageFilter{{Address: "+1\x00"}, {UserID: "\xff"}, {Channel: "PIGEON"}, {MessageID: "good\x00"}} {
		if got := listMessageIDs(t, st, app, f, 0); len(got) != 0 {
			t.Errorf("ListMessages(%+q): got %q, want none", f, got)
		}
		if n, err := st.DeleteMessages(ctxOf(t), scopeA, app.ID, f); err != nil || n != 0 {
			t.Errorf("DeleteMessages(%+q): got %d, %v; want 0", f, n, err)
		}
	}
}

// testMessageScoping checks that an app's messages are reached only
// through its scope and ID.
func testMessageScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "outbox")
	mustAddMessages(t, st, app, message("m", pinfold.ChannelSMS, "+1", "ep-1", "", t0))
	ops := []struct {
		name string
		call func(scope pinfold.Scope, appID string) error
	}{
		{"AddMessages", func(s pinfold.Scope, id string) error {
			return st.AddMessages(ctx, s, id, []*pinfold.Message{message("x", pinfold.ChannelSMS, "+1", "ep-1", "", t0)}, nil)
		}},
		{"AddMessages(none)", func(s pinfold.Scope, id string) error { return st.AddMessages(ctx, s, id, nil, nil) }},
		{"AddMessages(events only)", func(s pinfold.Scope, id string) error {
			return st.AddMessages(ctx, s, id, nil, []pinfold.Event{event("x", "ep-1", "_SMS.SUCCESS", t0, t0)})
		}},
		{"ListMessages", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListMessages(ctx, s, id, pinfold.MessageFilter{}, pinfold.Page{})
			return err
		}},
		{"ListMessages(filtered)", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListMessages(ctx, s, id, pinfold.MessageFilter{EndpointID: "ep-1", Address: "+1"}, pinfold.Page{})
			return err
		}},
		{"ListMessages(filter matching nothing)", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListMessages(ctx, s, id, pinfold.MessageFilter{Address: "\x00"}, pinfold.Page{})
			return err
		}},
		{"DeleteMessages", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteMessages(ctx, s, id, pinfold.MessageFilter{})
			return err
		}},
		{"DeleteMessages(filtered)", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteMessages(ctx, s, id, pinfold.MessageFilter{Channel: pinfold.ChannelSMS})
			return err
		}},
	}
	for _, op := range ops {
		for _, s := range []pinfold.Scope{scopeB, scopeC} {
			wantAppNotFound(t, fmt.Sprintf("%s in %v", op.name, s), op.call(s, app.ID))
		}
		wantAppNotFound(t, op.name+" of an unknown app", op.call(scopeA, pinfold.NewID()))
	}
	// Nothing of that reached the app.
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, 0); !slices.Equal(got, []string{"m"}) {
		t.Errorf("ListMessages after calls from other scopes: got %q, want [m]", got)
	}
}

func testDeleteMessages(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "outbox")
	other := createApp(t, st, scopeA, "other")
	channels := []pinfold.ChannelType{pinfold.ChannelSMS, pinfold.ChannelEmail, pinfold.ChannelVoice}
	var all []*pinfold.Message
	for i := range 9 {
		all = append(all, message(fmt.Sprintf("m%d", i), channels[i/3], fmt.Sprintf("addr-%d", i%3),
			fmt.Sprintf("ep-%d", i%3), fmt.Sprintf("user-%d", i%2), t0.Add(time.Duration(i)*time.Millisecond)))
	}
	mustAddMessages(t, st, app, all...)
	for _, m := range all {
		c := *m
		mustAddMessages(t, st, other, &c)
	}

	steps := []struct {
		filter pinfold.MessageFilter
		n      int64
		left   []string // newest first
	}{
		{pinfold.MessageFilter{Address: "addr-1", Channel: pinfold.ChannelEmail}, 1, []string{"m8", "m7", "m6", "m5", "m3", "m2", "m1", "m0"}},
		{pinfold.MessageFilter{Address: "addr-1", Channel: pinfold.ChannelEmail}, 0, []string{"m8", "m7", "m6", "m5", "m3", "m2", "m1", "m0"}},
		{pinfold.MessageFilter{MessageID: "m7"}, 1, []string{"m8", "m6", "m5", "m3", "m2", "m1", "m0"}},
		{pinfold.MessageFilter{EndpointID: "ep-2"}, 3, []string{"m6", "m3", "m1", "m0"}},
		{pinfold.MessageFilter{UserID: "user-1"}, 2, []string{"m6", "m0"}},
		{pinfold.MessageFilter{Channel: pinfold.ChannelVoice}, 1, []string{"m0"}},
		{pinfold.MessageFilter{EndpointID: "ep-9"}, 0, []string{"m0"}},
		{pinfold.MessageFilter{}, 1, nil},
		{pinfold.MessageFilter{}, 0, nil},
	}
	for _, s := range steps {
		n, err := st.DeleteMessages(ctx, scopeA, app.ID, s.filter)
		if err != nil || n != s.n {
			t.Errorf("DeleteMessages(%+v): got %d, %v; want %d", s.filter, n, err, s.n)
		}
		if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, 0); !slices.Equal(got, s.left) {
			t.Errorf("ListMessages after DeleteMessages(%+v): got %q, want %q", s.filter, got, s.left)
		}
	}
	if got := listMessageIDs(t, st, other, pinfold.MessageFilter{}, 4); len(got) != len(all) {
		t.Errorf("ListMessages of the other app: got %d messages, want %d", len(got), len(all))
	}
	// Messages added after a clear are listed.
	mustAddMessages(t, st, app, message("new", pinfold.ChannelSMS, "+1", "", "", t0))
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, 0); !slices.Equal(got, []string{"new"}) {
		t.Errorf("ListMessages after adding again: got %q, want [new]", got)
	}
}

// testDeleteAppMessages checks that an app's messages go with it: an app
// made again with the same ID has none.
func testDeleteAppMessages(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	keep := createApp(t, st, scopeA, "kept")
	app := createApp(t, st, scopeA, "doomed")
	mustAddMessages(t, st, keep, message("k", pinfold.ChannelSMS, "+1", "ep-1", "u", t0))
	mustAddMessages(t, st, app, message("d1", pinfold.ChannelSMS, "+1", "ep-1", "u", t0),
		message("d2", pinfold.ChannelEmail, "a@example.com", "", "", t1))
	if _, err := st.DeleteApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	_, _, err := st.ListMessages(ctx, scopeA, app.ID, pinfold.MessageFilter{}, pinfold.Page{})
	wantAppNotFound(t, "ListMessages after DeleteApp", err)
	err = st.AddMessages(ctx, scopeA, app.ID, []*pinfold.Message{message("x", pinfold.ChannelSMS, "+1", "", "", t0)}, nil)
	wantAppNotFound(t, "AddMessages after DeleteApp", err)

	again := &pinfold.App{ID: app.ID, Scope: scopeA, Name: "again", CreatedAt: t2}
	if err := st.CreateApp(ctx, again); err != nil {
		t.Fatalf("CreateApp again: %v", err)
	}
	if got := listMessageIDs(t, st, again, pinfold.MessageFilter{}, 0); len(got) != 0 {
		t.Errorf("ListMessages of an app made again with the deleted one's ID: got %q, want none", got)
	}
	if got := listMessageIDs(t, st, again, pinfold.MessageFilter{EndpointID: "ep-1"}, 0); len(got) != 0 {
		t.Errorf("ListMessages(ep-1) of the app made again: got %q, want none", got)
	}
	if got := listMessageIDs(t, st, keep, pinfold.MessageFilter{}, 0); !slices.Equal(got, []string{"k"}) {
		t.Errorf("ListMessages of the kept app: got %q, want [k]", got)
	}
}

// testAddMessagesWithEvents checks that AddMessages stores a call's
// message events with its messages, completed as RecordEvents completes
// them and listed by ListEvents, and that a call that fails stores neither.
func testAddMessagesWithEvents(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "outbox")
	msgs := []*pinfold.Message{
		message("m1", pinfold.ChannelEmail, "a@example.com", "ep-1", "", t0),
		message("m2", pinfold.ChannelSMS, "+15555550100", "", "", t1),
	}
	// Times beyond milliseconds are truncated; a zero ReceivedAt is filled.
	fine := event("m1", "ep-1", "_email.send", t0.Add(123456*time.Nanosecond), t1.Add(999*time.Microsecond))
	unreceived := event("m2", "+15555550100", "_SMS.SUCCESS", t1, time.Time{})
	events := []pinfold.Event{fine, unreceived}
	if err := st.AddMessages(ctx, app.Scope, app.ID, msgs, events); err != nil {
		t.Fatalf("AddMessages with events: %v", err)
	}
	for _, e := range events {
		if e.AppID != app.ID || e.Scope != app.Scope || e.ReceivedAt.IsZero() || e.ReceivedAt.Location() != time.UTC ||
			!e.ReceivedAt.Equal(e.ReceivedAt.Truncate(time.Millisecond)) || !e.Timestamp.Equal(e.Timestamp.Truncate(time.Millisecond)) {
			t.Errorf("AddMessages left event %s as %+v", e.ID, e)
		}
	}
	if e := events[0]; !e.Timestamp.Equal(t0) || !e.ReceivedAt.Equal(t1) {
		t.Errorf("AddMessages left event m1's times %v, %v; want %v, %v", e.Timestamp, e.ReceivedAt, t0, t1)
	}
	got := listEvents(t, st, app, pinfold.EventFilter{}, 0)
	byID := map[string]*pinfold.Event{}
	for _, e := range got {
		byID[e.ID] = e
	}
	if len(got) != 2 || byID["m1"] == nil || byID["m2"] == nil {
		t.Fatalf("ListEvents after AddMessages: got %q, want m1 and m2", eventIDs(got))
	}
	for i := range events {
		g := byID[events[i].ID]
		if d := diff(g, &events[i]); d != "" {
			t.Errorf("ListEvents: event %s: %s", events[i].ID, d)
		}
		if !g.Timestamp.Equal(events[i].Timestamp) || !g.ReceivedAt.Equal(events[i].ReceivedAt) {
			t.Errorf("ListEvents: event %s: got Timestamp %v, ReceivedAt %v; want %v, %v", g.ID,
				g.Timestamp, g.ReceivedAt, events[i].Timestamp, events[i].ReceivedAt)
		}
	}
	if got := listEventIDs(t, st, app, pinfold.EventFilter{EndpointID: "ep-1", EventType: "_email.send"}, 0); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("ListEvents(ep-1, _email.send): got %q, want [m1]", got)
	}
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{}, 0); !slices.Equal(got, []string{"m2", "m1"}) {
		t.Errorf("ListMessages after AddMessages with events: got %q, want [m2 m1]", got)
	}

	// Events alone, and several hundred of each in one call (more than
	// one multi-row INSERT).
	if err := st.AddMessages(ctx, app.Scope, app.ID, nil, []pinfold.Event{event("only", "ep-9", "t", t2, t2)}); err != nil {
		t.Fatalf("AddMessages with events only: %v", err)
	}
	var many []*pinfold.Message
	var manyEvents []pinfold.Event
	for i := range 450 {
		id := fmt.Sprintf("many-%03d", i)
		many = append(many, message(id, pinfold.ChannelSMS, "+1", "ep-many", "", t2))
		manyEvents = append(manyEvents, event(id, "ep-many", "_SMS.SUCCESS", t2, t2))
	}
	if err := st.AddMessages(ctx, app.Scope, app.ID, many, manyEvents); err != nil {
		t.Fatalf("AddMessages(450 messages and events): %v", err)
	}
	if got := listEventIDs(t, st, app, pinfold.EventFilter{EndpointID: "ep-many"}, 0); len(got) != 450 {
		t.Errorf("ListEvents(ep-many): got %d events, want 450", len(got))
	}
	if got := listMessageIDs(t, st, app, pinfold.MessageFilter{EndpointID: "ep-many"}, 0); len(got) != 450 {
		t.Errorf("ListMessages(ep-many): got %d messages, want 450", len(got))
	}

	// All or none: a call with a message the store refuses, or an event it
	// cannot encode, or of an app out of scope, stores neither its
	// messages nor its events.
	other := createApp(t, st, scopeA, "other")
	bad := message("bad", "PIGEON", "+1", "", "", t0)
	err := st.AddMessages(ctx, other.Scope, other.ID, []*pinfold.Message{message("x1", pinfold.ChannelSMS, "+1", "", "", t0), bad},
		[]pinfold.Event{event("x1", "ep-x", "_SMS.SUCCESS", t0, t0)})
	wantError(t, "AddMessages with an invalid message and events", err, pinfold.EINVALID, "")
	nan := event("x2", "ep-x", "_SMS.SUCCESS", t0, t0)
	nan.Metrics = map[string]float64{"nan": math.NaN()}
	if err := st.AddMessages(ctx, other.Scope, other.ID, []*pinfold.Message{message("x2", pinfold.ChannelSMS, "+1", "", "", t0)},
		[]pinfold.Event{event("x3", "ep-x", "t", t0, t0), nan}); err == nil {
		t.Errorf("AddMessages with an event that cannot be encoded: no error")
	}
	err = st.AddMessages(ctx, scopeB, other.ID, []*pinfold.Message{message("x4", pinfold.ChannelSMS, "+1", "", "", t0)},
		[]pinfold.Event{event("x4", "ep-x", "t", t0, t0)})
	wantAppNotFound(t, "AddMessages with events in another scope", err)
	if got := listMessageIDs(t, st, other, pinfold.MessageFilter{}, 0); len(got) != 0 {
		t.Errorf("ListMessages after failed calls: got %q, want none", got)
	}
	if got := listEventIDs(t, st, other, pinfold.EventFilter{}, 0); len(got) != 0 {
		t.Errorf("ListEvents after failed calls: got %q, want none", got)
	}

	// Deleting the app deletes both.
	if _, err := st.DeleteApp(ctx, app.Scope, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	err = st.AddMessages(ctx, app.Scope, app.ID, nil, []pinfold.Event{event("late", "ep-1", "t", t0, t0)})
	wantAppNotFound(t, "AddMessages(events only) after DeleteApp", err)
}
