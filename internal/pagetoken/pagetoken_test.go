package pagetoken_test

import (
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		kind, token string
		want        int64
		wantErr     bool
	}{
		{"apps", "", 7, false}, // the default
		{"apps", pagetoken.Encode("apps", 1), 1, false},
		{"jobs", pagetoken.Encode("jobs", 1<<40), 1 << 40, false},
		{"apps", pagetoken.Encode("jobs", 5), 0, true}, // another list's token
		{"apps", "not a token", 0, true},
		{"apps", "YXBwczow", 0, true},    // "apps:0"
		{"apps", "YXBwczotMQ", 0, true},  // "apps:-1"
		{"apps", "YXBwczox=", 0, true},   // padded
		{"apps", "YXBwczoxIA", 0, true},  // "apps:1 "
		{"apps", "YXBwcw", 0, true},      // "apps"
		{"apps", "YXBwczpmb28", 0, true}, // "apps:foo"
		{"apps", "YXBwczoxLjU", 0, true}, // "apps:1.5"
		{"apps", "YXBwczorMQ", 0, true},  // "apps:+1"
	}
	for _, tc := range tests {
		got, err := pagetoken.Decode(tc.kind, tc.token, 7)
		if tc.wantErr {
			if pinfold.ErrorCode(err) != pinfold.EINVALID || pinfold.ErrorMessage(err) != "Invalid token" {
				t.Errorf("pagetoken.Decode(%q, %q): got %d, %v; want EINVALID Invalid token", tc.kind, tc.token, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("pagetoken.Decode(%q, %q): got %d, %v; want %d", tc.kind, tc.token, got, err, tc.want)
		}
	}
}

// FuzzDecodeToken checks that any client token is either rejected with
// EINVALID "Invalid token" or names a positive key that encodes back to a
// token with the same meaning.
func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{"", "YXBwczox", pagetoken.Encode("apps", 123), pagetoken.Encode("jobs", 9), "%%%", "AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		pk, err := pagetoken.Decode("apps", token, 0)
		if err != nil {
			if pinfold.ErrorCode(err) != pinfold.EINVALID || pinfold.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("pagetoken.Decode(%q): got %v, want EINVALID Invalid token", token, err)
			}
			return
		}
		if token == "" {
			return
		}
		if pk <= 0 {
			t.Fatalf("pagetoken.Decode(%q) = %d, want a positive key", token, pk)
		}
		again, err := pagetoken.Decode("apps", pagetoken.Encode("apps", pk), 0)
		if err != nil || again != pk {
			t.Fatalf("round trip of %d: got %d, %v", pk, again, err)
		}
	})
}
