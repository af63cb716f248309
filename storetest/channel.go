package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pinfold/pinfold"
)

var channelTests = []test{
	{"PutGetUpdate", testPutGetChannel},
	{"StoreClock", testChannelStoreClock},
	{"EveryType", testEveryChannelType},
	{"Delete", testDeleteChannel},
	{"UnknownType", testUnknownChannelType},
	{"Scoping", testChannelScoping},
	{"ConcurrentPuts", testConcurrentChannelPuts},
	{"GoWithApp", testChannelsGoWithApp},
	{"EventStream", testEventStream},
	{"Swap", testSwapChannel},
}

// testSwapChannel checks SwapChannel's condition: it writes only while the
// channel is at the version the caller read (0: absent), and otherwise
// stores nothing and answers ECONFLICT.
func testSwapChannel(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "swap")
	ch := func(settings string) *pinfold.Channel {
		return &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelSMS, Enabled: true,
			Settings: []byte(settings), UpdatedAt: t0}
	}
	conflict := func(what string, err error) {
		t.Helper()
		if pinfold.ErrorCode(err) != pinfold.ECONFLICT || pinfold.ErrorMessage(err) != pinfold.MsgChannelChanged {
			t.Errorf("%s: %v, want ECONFLICT %q", what, err, pinfold.MsgChannelChanged)
		}
	}
	got, err := st.SwapChannel(ctx, ch(`{"a":1}`), 0)
	if err != nil || got.Version != 1 {
		t.Fatalf("SwapChannel(create, 0): %+v, %v; want version 1", got, err)
	}
	_, err = st.SwapChannel(ctx, ch(`{"b":1}`), 0)
	conflict("SwapChannel(create again, 0)", err)
	_, err = st.SwapChannel(ctx, ch(`{"b":1}`), 2)
	conflict("SwapChannel(version 2 of 1)", err)
	if got, err = st.SwapChannel(ctx, ch(`{"c":1}`), 1); err != nil || got.Version != 2 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("SwapChannel(1): %+v, %v; want version 2, CreatedAt kept", got, err)
	}
	if c := mustGetChannel(t, st, app.ID, pinfold.ChannelSMS); string(c.Settings) != `{"c":1}` || c.Version != 2 {
		t.Errorf("after the swaps: %s at version %d, want {\"c\":1} at 2", c.Settings, c.Version)
	}
	if _, err := st.DeleteChannel(ctx, scopeA, app.ID, pinfold.ChannelSMS); err != nil {
		t.Fatal(err)
	}
	_, err = st.SwapChannel(ctx, ch(`{"d":1}`), 2)
	conflict("SwapChannel(2) after a delete", err)
	if _, err := st.GetChannel(ctx, scopeA, app.ID, pinfold.ChannelSMS); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("a failed swap after a delete created the channel: %v", err)
	}
	other := ch(`{}`)
	other.Scope = scopeB
	if _, err := st.SwapChannel(ctx, other, 0); pinfold.ErrorMessage(err) != pinfold.MsgAppNotFound {
		t.Errorf("SwapChannel in another account: %v, want Application not found", err)
	}
}

// emailSettings is a channel request document as the API layer keeps it:
// its bytes, spacing and key order included, must come back unchanged.
const emailSettings = `{"FromAddress":"sender@example.com", "Identity":"arn:aws:ses:us-east-1:111111111111:identity/example.com","Enabled":true}`

func mustPutChannel(t *testing.T, st pinfold.Store, ch *pinfold.Channel) *pinfold.Channel {
	t.Helper()
	got, err := st.PutChannel(ctxOf(t), ch)
	if err != nil {
		t.Fatalf("PutChannel(%s): %v", ch.Type, err)
	}
	return got
}

func mustGetChannel(t *testing.T, st pinfold.Store, appID string, ct pinfold.ChannelType) *pinfold.Channel {
	t.Helper()
	got, err := st.GetChannel(ctxOf(t), scopeA, appID, ct)
	if err != nil {
		t.Fatalf("GetChannel(%s): %v", ct, err)
	}
	return got
}

// wantChannel fails unless got is want, with Settings compared as bytes
// and times as instants.
func wantChannel(t *testing.T, what string, got, want *pinfold.Channel) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got nil channel", what)
		return
	}
	if string(got.Settings) != string(want.Settings) {
		t.Errorf("%s: got Settings %q, want %q", what, got.Settings, want.Settings)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s: got CreatedAt %v UpdatedAt %v, want %v and %v", what,
			got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	g, w := *got, *want
	g.Settings, w.Settings = nil, nil
	if d := diff(g, w); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func testPutGetChannel(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "channels")
	in := &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: true,
		Settings: []byte(emailSettings), UpdatedAt: t0, LastModifiedBy: "alice",
		Version: 42, CreatedAt: t2} // ignored
	want := &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: true,
		Settings: []byte(emailSettings), Version: 1, CreatedAt: t0, UpdatedAt: t0, LastModifiedBy: "alice"}
	wantChannel(t, "PutChannel (create)", mustPutChannel(t, st, in), want)
	if in.Version != 42 || !in.CreatedAt.Equal(t2) {
		t.Errorf("PutChannel modified its argument: Version %d, CreatedAt %v", in.Version, in.CreatedAt)
	}
	wantChannel(t, "GetChannel after create", mustGetChannel(t, st, app.ID, pinfold.ChannelEmail), want)

	// An update replaces what it gives, keeps CreatedAt, raises Version.
	upd := &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: false,
		Settings: []byte(`{"FromAddress":"other@example.com"}`), UpdatedAt: t1, LastModifiedBy: "bob"}
	want = &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: false,
		Settings: upd.Settings, Version: 2, CreatedAt: t0, UpdatedAt: t1, LastModifiedBy: "bob"}
	wantChannel(t, "PutChannel (update)", mustPutChannel(t, st, upd), want)
	wantChannel(t, "GetChannel after update", mustGetChannel(t, st, app.ID, pinfold.ChannelEmail), want)

	// A third, without settings.
	upd = &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: true, UpdatedAt: t2}
	want = &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelEmail, Enabled: true,
		Version: 3, CreatedAt: t0, UpdatedAt: t2}
	wantChannel(t, "PutChannel (second update)", mustPutChannel(t, st, upd), want)
	got := mustGetChannel(t, st, app.ID, pinfold.ChannelEmail)
	wantChannel(t, "GetChannel after the second update", got, want)
	if got.Settings != nil {
		t.Errorf("GetChannel: got Settings %q for none given, want nil", got.Settings)
	}

	// The app's other channels are untouched, and absent.
	_, err := st.GetChannel(ctxOf(t), scopeA, app.ID, pinfold.ChannelSMS)
	wantResourceNotFound(t, "GetChannel(SMS) never put", err)
}

// testChannelStoreClock: a zero UpdatedAt is the store's clock, to the
// millisecond, and the creation time.
func testChannelStoreClock(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "clock")
	got := mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelSMS, Enabled: true})
	if got.UpdatedAt.IsZero() || !got.UpdatedAt.Equal(got.UpdatedAt.Truncate(1e6)) || !got.CreatedAt.Equal(got.UpdatedAt) {
		t.Errorf("PutChannel without a time: got CreatedAt %v UpdatedAt %v, want one non-zero time in milliseconds",
			got.CreatedAt, got.UpdatedAt)
	}
	wantChannel(t, "GetChannel", mustGetChannel(t, st, app.ID, pinfold.ChannelSMS), got)
}

func testEveryChannelType(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "all")
	other := createApp(t, st, scopeA, "other")
	if got, err := st.ListChannels(ctxOf(t), scopeA, app.ID); err != nil || len(got) != 0 {
		t.Fatalf("ListChannels of a new app = %v, %v; want none", got, err)
	}
	types := pinfold.AllChannelTypes()
	var want []*pinfold.Channel
	for i, ct := range types {
		ch := &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: ct, Enabled: i%2 == 0,
			Settings: fmt.Appendf(nil, `{"Type":%q,"N":%d}`, ct, i), UpdatedAt: t0, LastModifiedBy: "u" + ct.Path()}
		got := mustPutChannel(t, st, ch)
		w := *ch
		w.Version, w.CreatedAt = 1, t0
		wantChannel(t, "PutChannel("+string(ct)+")", got, &w)
		want = append(want, &w)
	}
	mustPutChannel(t, st, &pinfold.Channel{AppID: other.ID, Scope: scopeA, Type: pinfold.ChannelGCM, UpdatedAt: t0})
	for _, w := range want {
		wantChannel(t, "GetChannel("+string(w.Type)+")", mustGetChannel(t, st, app.ID, w.Type), w)
	}
	got, err := st.ListChannels(ctxOf(t), scopeA, app.ID)
	if err != nil {
		t.Fatalf("ListChannels: %v", err)
	}
	slices.SortFunc(want, func(a, b *pinfold.Channel) int { return cmp.Compare(a.Type, b.Type) })
	if len(got) != len(want) {
		t.Fatalf("ListChannels: got %d channels, want %d", len(got), len(want))
	}
	for i := range want {
		wantChannel(t, fmt.Sprintf("ListChannels[%d]", i), got[i], want[i])
	}
	if got, err := st.ListChannels(ctxOf(t), scopeA, other.ID); err != nil || len(got) != 1 || got[0].Type != pinfold.ChannelGCM {
		t.Errorf("ListChannels(other app) = %v, %v; want its GCM channel only", got, err)
	}
}

func testDeleteChannel(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "delete")
	mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelAPNS, Enabled: true,
		Settings: []byte(`{"TokenKey":"secret"}`), UpdatedAt: t0, LastModifiedBy: "alice"})
	want := mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelAPNS,
		Settings: []byte(`{"TokenKey":"secret2"}`), UpdatedAt: t1, LastModifiedBy: "bob"})
	mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelAPNSSandbox, UpdatedAt: t1})

	got, err := st.DeleteChannel(ctx, scopeA, app.ID, pinfold.ChannelAPNS)
	if err != nil {
		t.Fatalf("DeleteChannel: %v", err)
	}
	wantChannel(t, "DeleteChannel", got, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelAPNS,
		Settings: []byte(`{"TokenKey":"secret2"}`), Version: 2, CreatedAt: t0, UpdatedAt: t1, LastModifiedBy: "bob"})
	wantChannel(t, "DeleteChannel (as PutChannel returned it)", got, want)

	_, err = st.GetChannel(ctx, scopeA, app.ID, pinfold.ChannelAPNS)
	wantResourceNotFound(t, "GetChannel after DeleteChannel", err)
	_, err = st.DeleteChannel(ctx, scopeA, app.ID, pinfold.ChannelAPNS)
	wantResourceNotFound(t, "DeleteChannel again", err)
	_, err = st.DeleteChannel(ctx, scopeA, app.ID, pinfold.ChannelVoice)
	wantResourceNotFound(t, "DeleteChannel never put", err)
	list, err := st.ListChannels(ctx, scopeA, app.ID)
	if err != nil || len(list) != 1 || list[0].Type != pinfold.ChannelAPNSSandbox {
		t.Errorf("ListChannels after DeleteChannel = %v, %v; want the APNS_SANDBOX channel only", list, err)
	}

	// Put again, it is a new channel: version 1, created now.
	again := mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelAPNS, UpdatedAt: t2})
	if again.Version != 1 || !again.CreatedAt.Equal(t2) {
		t.Errorf("PutChannel after DeleteChannel: got Version %d CreatedAt %v, want 1 and %v", again.Version, again.CreatedAt, t2)
	}
}

func testUnknownChannelType(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "unknown")
	for _, ct := range []pinfold.ChannelType{"", "PUSH", "IN_APP", "email"} {
		_, err := st.PutChannel(ctx, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: ct, UpdatedAt: t0})
		wantError(t, fmt.Sprintf("PutChannel(%q)", ct), err, pinfold.EINVALID, "")
		_, err = st.GetChannel(ctx, scopeA, app.ID, ct)
		wantResourceNotFound(t, fmt.Sprintf("GetChannel(%q)", ct), err)
		_, err = st.DeleteChannel(ctx, scopeA, app.ID, ct)
		wantResourceNotFound(t, fmt.Sprintf("DeleteChannel(%q)", ct), err)
	}
	if list, err := st.ListChannels(ctx, scopeA, app.ID); err != nil || len(list) != 0 {
		t.Errorf("ListChannels = %v, %v; want none", list, err)
	}
}

// testChannelScoping: an app's channels and event stream exist only in its
// scope; elsewhere every method finds no app and changes nothing.
func testChannelScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "home")
	want := mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelSMS, Enabled: true,
		Settings: []byte(`{"SenderId":"home"}`), UpdatedAt: t0})
	wantES, err := st.PutEventStream(ctx, &pinfold.EventStream{AppID: app.ID, Scope: scopeA,
		DestinationStreamARN: "arn:aws:kinesis:us-east-1:111111111111:stream/home",
		RoleARN:              "arn:aws:iam::111111111111:role/home", LastModifiedDate: t0})
	if err != nil {
		t.Fatalf("PutEventStream: %v", err)
	}

	ops := []struct {
		name string
		call func(s pinfold.Scope, id string) error
	}{
		{"PutChannel", func(s pinfold.Scope, id string) error {
			_, err := st.PutChannel(ctx, &pinfold.Channel{AppID: id, Scope: s, Type: pinfold.ChannelSMS, UpdatedAt: t1})
			return err
		}},
		{"GetChannel", func(s pinfold.Scope, id string) error {
			_, err := st.GetChannel(ctx, s, id, pinfold.ChannelSMS)
			return err
		}},
		{"DeleteChannel", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteChannel(ctx, s, id, pinfold.ChannelSMS)
			return err
		}},
		{"ListChannels", func(s pinfold.Scope, id string) error { _, err := st.ListChannels(ctx, s, id); return err }},
		{"PutEventStream", func(s pinfold.Scope, id string) error {
			_, err := st.PutEventStream(ctx, &pinfold.EventStream{AppID: id, Scope: s,
				DestinationStreamARN: "arn:aws:kinesis:us-east-1:222222222222:stream/x",
				RoleARN:              "arn:aws:iam::222222222222:role/x", LastModifiedDate: t1})
			return err
		}},
		{"GetEventStream", func(s pinfold.Scope, id string) error { _, err := st.GetEventStream(ctx, s, id); return err }},
		{"DeleteEventStream", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteEventStream(ctx, s, id)
			return err
		}},
	}
	elsewhere := []struct {
		name  string
		scope pinfold.Scope
		appID string
	}{
		{"other account", scopeB, app.ID},
		{"other region", scopeC, app.ID},
		{"unknown app", scopeA, pinfold.NewID()},
		{"empty app ID", scopeA, ""},
	}
	for _, op := range ops {
		for _, e := range elsewhere {
			wantAppNotFound(t, op.name+" in "+e.name, op.call(e.scope, e.appID))
		}
	}

	wantChannel(t, "GetChannel after the attempts", mustGetChannel(t, st, app.ID, pinfold.ChannelSMS), want)
	got, err := st.GetEventStream(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatalf("GetEventStream after the attempts: %v", err)
	}
	if d := diff(got, wantES); d != "" {
		t.Errorf("GetEventStream after the attempts: %s", d)
	}
}

// testConcurrentChannelPuts: puts of one channel at once each get their own
// version; none is lost.
func testConcurrentChannelPuts(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "racers")
	const workers, each = 4, 10
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		versions []int
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ch, err := st.PutChannel(ctxOf(t), &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: pinfold.ChannelGCM,
					Enabled: true, Settings: fmt.Appendf(nil, `{"w":%d,"i":%d}`, w, i), UpdatedAt: t0})
				if err != nil {
					t.Errorf("PutChannel: %v", err)
					return
				}
				mu.Lock()
				versions = append(versions, ch.Version)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("versions returned by %d concurrent puts: %v, want 1..%d once each", workers*each, versions, workers*each)
		}
	}
	if got := mustGetChannel(t, st, app.ID, pinfold.ChannelGCM); got.Version != workers*each {
		t.Errorf("GetChannel: got Version %d, want %d", got.Version, workers*each)
	}
}

// testChannelsGoWithApp: deleting an app removes its channels and event
// stream. A store that reuses the primary keys of deleted apps would show
// leftovers on the app created next.
func testChannelsGoWithApp(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	keep := createApp(t, st, scopeA, "keep")
	mustPutChannel(t, st, &pinfold.Channel{AppID: keep.ID, Scope: scopeA, Type: pinfold.ChannelEmail, UpdatedAt: t0})
	app := createApp(t, st, scopeA, "doomed")
	for _, ct := range pinfold.AllChannelTypes() {
		mustPutChannel(t, st, &pinfold.Channel{AppID: app.ID, Scope: scopeA, Type: ct, UpdatedAt: t0})
	}
	if _, err := st.PutEventStream(ctx, &pinfold.EventStream{AppID: app.ID, Scope: scopeA,
		DestinationStreamARN: "arn:aws:firehose:us-east-1:111111111111:deliverystream/d",
		RoleARN:              "arn:aws:iam::111111111111:role/r", LastModifiedDate: t0}); err != nil {
		t.Fatalf("PutEventStream: %v", err)
	}
	if _, err := st.DeleteApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	_, err := st.GetChannel(ctx, scopeA, app.ID, pinfold.ChannelEmail)
	wantAppNotFound(t, "GetChannel after DeleteApp", err)
	_, err = st.ListChannels(ctx, scopeA, app.ID)
	wantAppNotFound(t, "ListChannels after DeleteApp", err)
	_, err = st.GetEventStream(ctx, scopeA, app.ID)
	wantAppNotFound(t, "GetEventStream after DeleteApp", err)

	next := createApp(t, st, scopeA, "next")
	if list, err := st.ListChannels(ctx, scopeA, next.ID); err != nil || len(list) != 0 {
		t.Errorf("ListChannels of the next app = %v, %v; want none", list, err)
	}
	_, err = st.GetEventStream(ctx, scopeA, next.ID)
	wantResourceNotFound(t, "GetEventStream of the next app", err)
	// The other app keeps its channel.
	if list, err := st.ListChannels(ctx, scopeA, keep.ID); err != nil || len(list) != 1 {
		t.Errorf("ListChannels of the kept app = %v, %v; want its channel", list, err)
	}
}

func testEventStream(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "events")
	_, err := st.GetEventStream(ctx, scopeA, app.ID)
	wantResourceNotFound(t, "GetEventStream of a new app", err)
	_, err = st.DeleteEventStream(ctx, scopeA, app.ID)
	wantResourceNotFound(t, "DeleteEventStream of a new app", err)

	in := &pinfold.EventStream{AppID: app.ID, Scope: scopeA,
		DestinationStreamARN: "arn:aws:kinesis:us-east-1:111111111111:stream/events",
		RoleARN:              "arn:aws:iam::111111111111:role/events", ExternalID: "111111111111",
		LastModifiedDate: t0, LastUpdatedBy: "alice"}
	want := *in
	got, err := st.PutEventStream(ctx, in)
	if err != nil {
		t.Fatalf("PutEventStream: %v", err)
	}
	if d := diff(got, &want); d != "" {
		t.Errorf("PutEventStream: %s", d)
	}
	if d := diff(in, &want); d != "" {
		t.Errorf("PutEventStream modified its argument: %s", d)
	}
	if got, err = st.GetEventStream(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("GetEventStream: %v", err)
	}
	if d := diff(got, &want); d != "" {
		t.Errorf("GetEventStream: %s", d)
	}

	// A second put replaces it whole.
	want = pinfold.EventStream{AppID: app.ID, Scope: scopeA,
		DestinationStreamARN: "arn:aws:firehose:us-east-1:111111111111:deliverystream/events",
		RoleARN:              "arn:aws:iam::111111111111:role/other", LastModifiedDate: t1, LastUpdatedBy: "bob"}
	r := want
	if got, err = st.PutEventStream(ctx, &r); err != nil {
		t.Fatalf("PutEventStream (replace): %v", err)
	}
	if d := diff(got, &want); d != "" {
		t.Errorf("PutEventStream (replace): %s", d)
	}
	if got, err = st.GetEventStream(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("GetEventStream after the replace: %v", err)
	}
	if d := diff(got, &want); d != "" {
		t.Errorf("GetEventStream after the replace: %s", d)
	}
	if !got.LastModifiedDate.Equal(t1) {
		t.Errorf("GetEventStream: got LastModifiedDate %v, want %v", got.LastModifiedDate, t1)
	}

	// Without a time: the store's clock, to the millisecond.
	r = pinfold.EventStream{AppID: app.ID, Scope: scopeA, DestinationStreamARN: want.DestinationStreamARN, RoleARN: want.RoleARN}
	if got, err = st.PutEventStream(ctx, &r); err != nil {
		t.Fatalf("PutEventStream (no time): %v", err)
	}
	if got.LastModifiedDate.IsZero() || !got.LastModifiedDate.Equal(got.LastModifiedDate.Truncate(1e6)) {
		t.Errorf("PutEventStream without a time: got LastModifiedDate %v, want a non-zero time in milliseconds", got.LastModifiedDate)
	}
	want = *got

	deleted, err := st.DeleteEventStream(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatalf("DeleteEventStream: %v", err)
	}
	if d := diff(deleted, &want); d != "" {
		t.Errorf("DeleteEventStream: %s", d)
	}
	_, err = st.GetEventStream(ctx, scopeA, app.ID)
	wantResourceNotFound(t, "GetEventStream after DeleteEventStream", err)
	_, err = st.DeleteEventStream(ctx, scopeA, app.ID)
	wantResourceNotFound(t, "DeleteEventStream again", err)
}
