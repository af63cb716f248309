package postgres_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/postgres/pgtest"
)

// TestChannelVersionsAcrossNodes updates one channel from two stores on one
// database at once, as two nodes would, starting with the channel absent
// (so the first puts race to create it): every put gets its own version,
// 1 to n once each, and the channel ends at version n.
func TestChannelVersionsAcrossNodes(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	scope := pinfold.Scope{Account: "111111111111", Region: "eu-west-1"}
	const nodes, workers, each = 2, 4, 15
	stores := make([]*postgres.Store, nodes)
	for i := range stores {
		s := postgres.NewStore(url)
		if err := s.Open(ctx); err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	app := &pinfold.App{Scope: scope, Name: "channels"}
	if err := stores[0].CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		versions []int
	)
	for n, s := range stores {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					ch, err := s.PutChannel(ctx, &pinfold.Channel{AppID: app.ID, Scope: scope, Type: pinfold.ChannelSMS,
						Enabled: true, Settings: fmt.Appendf(nil, `{"SenderId":"n%dw%di%d"}`, n, w, i)})
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
	}
	wg.Wait()
	total := nodes * workers * each
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("%d puts on %d nodes returned versions %v, want 1..%d once each", total, nodes, versions, total)
		}
	}
	for _, s := range stores {
		ch, err := s.GetChannel(ctx, scope, app.ID, pinfold.ChannelSMS)
		if err != nil {
			t.Fatalf("GetChannel: %v", err)
		}
		if ch.Version != total {
			t.Errorf("GetChannel: got Version %d, want %d", ch.Version, total)
		}
	}
}
