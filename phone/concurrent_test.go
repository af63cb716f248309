package phone

import (
	"sync"
	"testing"
)

// TestValidateConcurrent validates from several goroutines at once and
// expects the answers of one goroutine. It lives in the file that sorts
// first so that, in a run of the whole package, its goroutines are the ones
// that load phonenumbers' lazy tables (carrier, geocoding, time zones): run
// with -race, it checks that first load too.
func TestValidateConcurrent(t *testing.T) {
	numbers := [][2]string{{"+12066001234", ""}, {"020 7946 0881", "GB"}, {"+447400123456", ""},
		{"+4915123456789", ""}, {"+8613812345678", ""}, {"02 1234 5678", "IT"}, {"nope", ""}}
	got := make([][]Result, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for i := range numbers {
				n := numbers[(i+g)%len(numbers)]
				got[g] = append(got[g], *Validate(n[0], n[1]))
			}
		})
	}
	wg.Wait()
	for g := range got {
		for i, r := range got[g] {
			n := numbers[(i+g)%len(numbers)]
			if want := *Validate(n[0], n[1]); r != want {
				t.Errorf("goroutine %d: Validate(%q, %q) = %+v, want %+v", g, n[0], n[1], r, want)
			}
		}
	}
}
