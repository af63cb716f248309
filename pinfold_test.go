package pinfold_test

import (
	"regexp"
	"testing"

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
