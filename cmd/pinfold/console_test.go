package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/pinfold/pinfold/console"
	"github.com/pinfold/pinfold/postgres/pgtest"
	"github.com/pinfold/pinfold/sigv4"
)

// consoleClient returns an HTTP client with a cookie jar that does not
// follow redirects, logged in to the node's console with key/key when key
// is not empty.
func consoleClient(t *testing.T, n *node, key string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if key != "" {
		resp, err := c.PostForm(n.Server.URL()+console.Prefix+"/login", url.Values{"key": {key}, "secret": {key}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != console.Prefix+"/" {
			t.Fatalf("console login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	return c
}

func consoleGet(t *testing.T, c *http.Client, n *node, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(n.Server.URL() + console.Prefix + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestConsoleLogin: a node with configured credentials asks for a login;
// one with only the default local pair on loopback is open.
func TestConsoleLogin(t *testing.T) {
	n := testNode(t)
	if status, _ := consoleGet(t, consoleClient(t, n, ""), n, "/"); status != http.StatusSeeOther {
		t.Errorf("console of a node with credentials, without login: %d, want a redirect to login", status)
	}
	if status, body := consoleGet(t, consoleClient(t, n, "other"), n, "/"); status != 200 || !strings.Contains(body, "account 111111111111") {
		t.Errorf("console after login: %d", status)
	}
	if status, _ := consoleGet(t, consoleClient(t, n, ""), n, ""); status != http.StatusFound {
		t.Errorf("console without its trailing slash: %d, want a redirect", status)
	}

	open := testNode(t, func(n *node) {
		n.Credentials = map[string]sigv4.Credential{"test": {AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	})
	if status, body := consoleGet(t, consoleClient(t, open, ""), open, "/"); status != 200 || !strings.Contains(body, "account 000000000000") {
		t.Errorf("console of a loopback node with the default pair: %d", status)
	}
}

// TestConsoleRiverUI: River's UI answers behind the console's login, on
// riversqlite (the embedded node) and on riverpgxv5 (a PostgreSQL node).
func TestConsoleRiverUI(t *testing.T) {
	nodes := map[string]func(t *testing.T) *node{
		"sqlite":   func(t *testing.T) *node { return testNode(t) },
		"postgres": func(t *testing.T) *node { return pgNode(t, pgtest.NewDatabase(t), newJobEvents()) },
	}
	for name, open := range nodes {
		t.Run(name, func(t *testing.T) {
			n := open(t)
			if status, _ := consoleGet(t, consoleClient(t, n, ""), n, "/river/api/states"); status != http.StatusUnauthorized {
				t.Errorf("River's API without login: %d, want 401", status)
			}
			c := consoleClient(t, n, "test")
			status, body := consoleGet(t, c, n, "/river/")
			if status != 200 || !strings.Contains(body, "<title>River</title>") || !strings.Contains(body, console.Prefix+"/river") {
				t.Errorf("River's UI page: %d\n%.500s", status, body)
			}
			status, body = consoleGet(t, c, n, "/river/api/states")
			var states map[string]json.RawMessage
			if status != 200 || json.Unmarshal([]byte(body), &states) != nil || states["completed"] == nil {
				t.Errorf("River's API: %d %s", status, body)
			}
		})
	}
}
