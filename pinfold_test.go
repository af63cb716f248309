package pinfold_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

// A request ID is a v4 UUID with dashes, lowercase, as AWS's are.
func TestNewRequestID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := pinfold.NewRequestID()
		if !re.MatchString(id) {
			t.Fatalf("NewRequestID() = %q, not a v4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID() repeated %q", id)
		}
		seen[id] = true
	}
}

// An ordered ID has a resource ID's shape, is a v7 UUID, and sorts after
// the IDs made a millisecond before.
func TestNewOrderedID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := pinfold.NewOrderedID()
		if !pinfold.IsID(id) || !re.MatchString(id) {
			t.Fatalf("NewOrderedID() = %q, not a v7 UUID without dashes", id)
		}
		if seen[id] {
			t.Fatalf("NewOrderedID() repeated %q", id)
		}
		seen[id] = true
	}
	at := time.Date(2026, 12, 6, 7, 51, 31, 123_000_000, time.UTC)
	a, b := pinfold.OrderedID(at), pinfold.OrderedID(at.Add(time.Millisecond))
	if a >= b || a[:12] != "01a24a562c33" {
		t.Errorf("orderedID: %q then %q a millisecond later", a, b)
	}
}
