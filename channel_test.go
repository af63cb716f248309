package pinfold_test

import (
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

func TestChannelTypePaths(t *testing.T) {
	paths := map[string]pinfold.ChannelType{
		"adm": pinfold.ChannelADM, "apns": pinfold.ChannelAPNS, "apns_sandbox": pinfold.ChannelAPNSSandbox,
		"apns_voip": pinfold.ChannelAPNSVoip, "apns_voip_sandbox": pinfold.ChannelAPNSVoipSandbox,
		"baidu": pinfold.ChannelBaidu, "email": pinfold.ChannelEmail, "gcm": pinfold.ChannelGCM,
		"sms": pinfold.ChannelSMS, "voice": pinfold.ChannelVoice,
	}
	all := pinfold.AllChannelTypes()
	if len(all) != len(paths) {
		t.Fatalf("AllChannelTypes() has %d types, want %d", len(all), len(paths))
	}
	for _, ct := range all {
		if !ct.Valid() {
			t.Errorf("%s.Valid() = false", ct)
		}
		if got := paths[ct.Path()]; got != ct {
			t.Errorf("%s.Path() = %q, which names %q", ct, ct.Path(), got)
		}
	}
	for name, want := range paths {
		if got, ok := pinfold.ChannelTypeOfPath(name); !ok || got != want {
			t.Errorf("ChannelTypeOfPath(%q) = %q, %v; want %q, true", name, got, ok, want)
		}
	}
	for _, name := range []string{"", "EMAIL", "Email", "push", "in_app", "custom", "apns-voip", "email/"} {
		if got, ok := pinfold.ChannelTypeOfPath(name); ok {
			t.Errorf("ChannelTypeOfPath(%q) = %q, true; want false", name, got)
		}
	}
	for _, ct := range []pinfold.ChannelType{"", "PUSH", "IN_APP", "CUSTOM", "email"} {
		if ct.Valid() {
			t.Errorf("ChannelType(%q).Valid() = true", ct)
		}
	}
}

func TestEventStreamValidate(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/pinpoint-events"
	for _, tc := range []struct {
		dest, role string
		bad        string // the field the error names, "" when valid
	}{
		{"arn:aws:kinesis:us-east-1:123456789012:stream/events", role, ""},
		{"arn:aws:kinesis:eu-west-1:123456789012:stream/my_stream.v-2", role, ""},
		{"arn:aws:firehose:us-east-1:123456789012:deliverystream/events", role, ""},
		{"arn:aws-cn:firehose:cn-north-1:123456789012:deliverystream/e", role, ""},
		{"", role, "Missing DestinationStreamArn"},
		{"arn:aws:kinesis:us-east-1:123456789012:deliverystream/events", role, "DestinationStreamArn"},
		{"arn:aws:firehose:us-east-1:123456789012:stream/events", role, "DestinationStreamArn"},
		{"arn:aws:kinesis:us-east-1:12345678901:stream/events", role, "DestinationStreamArn"},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/", role, "DestinationStreamArn"},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/a/b", role, "DestinationStreamArn"},
		{"arn:aws:firehose:us-east-1:123456789012:deliverystream/" + strings.Repeat("x", 65), role, "DestinationStreamArn"},
		{"arn:aws:sqs:us-east-1:123456789012:queue", role, "DestinationStreamArn"},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/events", "", "Missing RoleArn"},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/events", "arn:aws:iam::123456789012:user/u", "RoleArn"},
	} {
		es := &pinfold.EventStream{DestinationStreamARN: tc.dest, RoleARN: tc.role}
		err := es.Validate()
		if tc.bad == "" {
			if err != nil {
				t.Errorf("Validate(%q, %q) = %v, want nil", tc.dest, tc.role, err)
			}
			continue
		}
		if code := pinfold.ErrorCode(err); code != pinfold.EINVALID {
			t.Errorf("Validate(%q, %q) = %v, want an EINVALID error", tc.dest, tc.role, err)
		} else if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, tc.bad) {
			t.Errorf("Validate(%q, %q) message %q, want it to name %s", tc.dest, tc.role, msg, tc.bad)
		}
	}
}

// FuzzValidStreamARN: never panics; what it accepts is a Kinesis or
// Firehose stream ARN.
func FuzzValidStreamARN(f *testing.F) {
	for _, s := range []string{"arn:aws:kinesis:us-east-1:123456789012:stream/e",
		"arn:aws:firehose:us-east-1:123456789012:deliverystream/e", "arn:aws:s3:::b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if pinfold.ValidStreamARN(s) && !strings.Contains(s, ":kinesis:") && !strings.Contains(s, ":firehose:") {
			t.Errorf("ValidStreamARN(%q) = true", s)
		}
	})
}
