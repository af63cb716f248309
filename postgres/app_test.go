package postgres_test

import (
	"sync"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/postgres/pgtest"
)

// TestAppQuotaAcrossNodes creates apps of one scope from two stores on one
// database at once, as two nodes would: the scope gets exactly
// pinfold.MaxAppsPerScope apps and every other attempt fails with EINVALID.
func TestAppQuotaAcrossNodes(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	scope := pinfold.Scope{Account: "111111111111", Region: "eu-west-1"}
	const nodes, workers, each = 2, 4, 15 // 120 attempts for a quota of 100
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		refused int
	)
	for range nodes {
		s := postgres.NewStore(url)
		if err := s.Open(ctx); err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		for range workers {
			wg.Go(func() {
				for range each {
					err := s.CreateApp(ctx, &pinfold.App{Scope: scope, Name: "racer"})
					mu.Lock()
					switch pinfold.ErrorCode(err) {
					case "":
						created++
					case pinfold.EINVALID:
						refused++
					default:
						t.Errorf("CreateApp: %v", err)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if want := nodes * workers * each; created != pinfold.MaxAppsPerScope || created+refused != want {
		t.Errorf("%d attempts: got %d created, %d refused; want %d created, the rest refused",
			want, created, refused, pinfold.MaxAppsPerScope)
	}
}
