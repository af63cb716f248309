package wire

import (
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

func TestMessagesPage(t *testing.T) {
	at := time.Date(2026, 12, 6, 7, 0, 0, 250_000_000, time.FixedZone("X", 3600))
	tests := []struct {
		name string
		msgs []*pinfold.Message
		next string
		want string
	}{
		{"empty", nil, "", `{"Messages":[]}`},
		{"minimal", []*pinfold.Message{{ID: "m", AppID: "app", Channel: pinfold.ChannelSMS, Address: "+1", CreatedAt: at}}, "tok",
			`{"Messages":[{"MessageId":"m","ApplicationId":"app","Channel":"SMS","Address":"+1","CreationDate":"2026-12-06T06:00:00.250Z"}],"NextToken":"tok"}`},
		{"every field", []*pinfold.Message{{ID: "m", AppID: "app", Channel: pinfold.ChannelEmail, Address: "a@example.com",
			EndpointID: "ep", UserID: "u", Subject: "S \"q\"", HTMLBody: "<p>&</p>", TextBody: "t\n", Body: "b\x00",
			Title: "ti", From: "f", TemplateName: "tn", TemplateVersion: "3", RequestID: "r", TraceID: "tr",
			Details: []byte(` {"A": [1, true]} `), CreatedAt: at}}, "",
			`{"Messages":[{"MessageId":"m","ApplicationId":"app","Channel":"EMAIL","Address":"a@example.com","EndpointId":"ep",` +
				`"UserId":"u","Subject":"S \"q\"","HtmlBody":"<p>&</p>","TextBody":"t\n","Body":"b\u0000","Title":"ti","From":"f",` +
				`"TemplateName":"tn","TemplateVersion":"3","RequestId":"r","TraceId":"tr","Details":{"A":[1,true]},` +
				`"CreationDate":"2026-12-06T06:00:00.250Z"}]}`},
		{"details not JSON", []*pinfold.Message{{ID: "m", Channel: pinfold.ChannelSMS, Details: []byte(`{"A":`), CreatedAt: at},
			{ID: "n", Channel: pinfold.ChannelSMS, CreatedAt: at}}, "",
			`{"Messages":[{"MessageId":"m","Channel":"SMS","CreationDate":"2026-12-06T06:00:00.250Z"},` +
				`{"MessageId":"n","Channel":"SMS","CreationDate":"2026-12-06T06:00:00.250Z"}]}`},
	}
	for _, tc := range tests {
		if got := string(MessagesPage(tc.msgs, tc.next)); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if got := string(MessagesDeleted(42)); got != `{"Deleted":42}` {
		t.Errorf("MessagesDeleted(42) = %s", got)
	}
}
