package postgres_test

import (
	"testing"

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
