// Package pgtest gives tests their own PostgreSQL databases on a real
// server: the one named by $PINFOLD_TEST_POSTGRES, a URL whose user may
// create databases (.ci/start-postgres.sh starts such a server and prints
// it). Without the variable a test is skipped, or fails when CI=true.
package pgtest

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// EnvURL is the environment variable naming the test server.
const EnvURL = "PINFOLD_TEST_POSTGRES"

// ServerURL returns the test server's URL, skipping the test (failing it in
// CI) when there is none.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		msg := EnvURL + " is not set (bash .ci/start-postgres.sh DIR starts a server and prints its URL)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// NewDatabase creates an empty database on the test server and returns its
// URL. The database is dropped when the test ends, after the test's own
// cleanups (register them after this call), with any connection still open
// to it.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	name := "pinfold_test_" + pinfold.NewID()[:16]
	exec(t, server, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// exec runs one statement on its own connection to the server.
func exec(t testing.TB, server, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
