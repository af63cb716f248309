package postgres_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/postgres/pgtest"
	"github.com/pinfold/pinfold/storetest"
)

// openStore opens a store on a new database of the test server and closes
// it when the test ends.
func openStore(t *testing.T) *postgres.Store {
	t.Helper()
	s := postgres.NewStore(pgtest.NewDatabase(t))
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pinfold.Store { return openStore(t) })
}

// TestOpenTogether opens several stores on one new database at once, as
// nodes starting together do: the migrations run once, under their lock,
// and every store opens.
func TestOpenTogether(t *testing.T) {
	url := pgtest.NewDatabase(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			s := postgres.NewStore(url)
			err := s.Open(t.Context())
			s.Close()
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

// TestUpsertSameNewEndpointsTwoNodes has two stores on one database write
// the same new endpoints at once, round after round: one of each pair
// inserts them (one round trip, under the app lock) and the other finds
// them stored, falls back to the merging path and updates them. Every call
// succeeds and each endpoint is stored once, at one position.
func TestUpsertSameNewEndpointsTwoNodes(t *testing.T) {
	url := pgtest.NewDatabase(t)
	var stores [2]*postgres.Store
	for i := range stores {
		stores[i] = postgres.NewStore(url)
		if err := stores[i].Open(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	scope := pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	app := &pinfold.App{ID: pinfold.NewID(), Scope: scope, Name: "race"}
	if err := stores[0].CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	const rounds, size = 20, 50
	for r := range rounds {
		errs := make(chan error, 2)
		for i, st := range stores {
			go func() {
				var ups []pinfold.EndpointUpdate
				for k := range size {
					ch, addr := "EMAIL", fmt.Sprintf("n%d-%d-%d@example.com", i, r, k)
					ups = append(ups, pinfold.EndpointUpdate{ID: fmt.Sprintf("e-%d-%d", r, k), ChannelType: &ch, Address: &addr})
				}
				errs <- st.UpsertEndpoints(t.Context(), scope, app.ID, ups, time.Now())
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		}
	}
	_, pieces, err := stores[1].PlanPieces(t.Context(), scope, app.ID, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range pieces {
		err := stores[1].ScanEndpoints(t.Context(), app.ID, p.From, p.To, func(doc []byte) error {
			var e struct{ Id string }
			if err := json.Unmarshal(doc, &e); err != nil {
				return err
			}
			if seen[e.Id] {
				t.Errorf("endpoint %s scanned twice", e.Id)
			}
			seen[e.Id] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != rounds*size {
		t.Errorf("%d endpoints stored, want %d", len(seen), rounds*size)
	}
}
