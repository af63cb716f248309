package messaging_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold/messaging"
	"github.com/pinfold/pinfold/wire/shapes"
)

// mailpit is a Mailpit server started for a test.
type mailpit struct {
	smtp, http string // host:port
}

// freeAddr returns a loopback address with a port that was free.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startMailpit starts the Mailpit binary named by PINFOLD_MAILPIT (see
// .ci/install-mailpit.sh) on free ports and waits until both its SMTP and
// HTTP listeners are up (it logs a line for each). Without the variable
// the test is skipped, unless CI is set: there it fails.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	bin := os.Getenv("PINFOLD_MAILPIT")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PINFOLD_MAILPIT is not set (run .ci/install-mailpit.sh)")
		}
		t.Skip("PINFOLD_MAILPIT is not set: install Mailpit with .ci/install-mailpit.sh")
	}
	mp := &mailpit{smtp: freeAddr(t), http: freeAddr(t)}
	cmd := exec.Command(bin, "--smtp", mp.smtp, "--listen", mp.http,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Mailpit logs "[http] accessible via ..." once its HTTP listener is
	// up; its SMTP listener logs only before it listens, so the test then
	// waits until that port accepts connections (as s3test waits for
	// versitygw), or Mailpit exits.
	ready := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		var lines []string
		for sc.Scan() {
			line := sc.Text()
			lines = append(lines, line)
			if strings.Contains(line, "[http] accessible via") {
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
		}
		ready <- fmt.Errorf("mailpit exited before it listened:\n%s", strings.Join(lines, "\n"))
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	retry := time.NewTicker(10 * time.Millisecond)
	defer retry.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", mp.smtp, time.Second); err == nil {
			c.Close()
			return mp
		}
		select {
		case <-exited:
			t.Fatal("mailpit exited before its SMTP listener was up")
		case <-deadline:
			t.Fatal("mailpit's SMTP listener did not come up in 30s")
		case <-retry.C:
		}
	}
}

// mailpitMessage is what the test reads of a message from Mailpit's API.
type mailpitMessage struct {
	From    struct{ Address string }
	To      []struct{ Address string }
	Subject string
	Text    string
	HTML    string
}

func (mp *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get("http://" + mp.http + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestSMTPRelayMailpit sends an email through the service with the relay
// pointed at a real Mailpit and reads it back through Mailpit's API.
func TestSMTPRelayMailpit(t *testing.T) {
	mp := startMailpit(t)
	relay, err := messaging.ParseSMTPURL("smtp://" + mp.smtp)
	if err != nil {
		t.Fatal(err)
	}
	s, st := setup(t)
	s.Relay = relay
	resp, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{
		Addresses: map[string]shapes.AddressConfiguration{"ann@example.com": {ChannelType: ptr(shapes.ChannelTypeEmail)}},
		MessageConfiguration: &shapes.DirectMessageConfiguration{EmailMessage: &shapes.EmailMessage{SimpleEmail: &shapes.SimpleEmail{
			Subject:  &shapes.SimpleEmailPart{Data: ptr("Grüße from pinfold")},
			HtmlPart: &shapes.SimpleEmailPart{Data: ptr("<p>Hello <b>Ann</b></p>")},
			TextPart: &shapes.SimpleEmailPart{Data: ptr("Hello Ann")},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Result["ann@example.com"]; r.DeliveryStatus != shapes.DeliveryStatusSuccessful {
		t.Fatalf("result %+v (%s)", r, deref(r.StatusMessage))
	}
	if len(st.messages) != 1 {
		t.Fatalf("%d messages in the outbox, want 1", len(st.messages))
	}

	// The relay returned after the server accepted the message (250 to
	// DATA), so Mailpit has stored it.
	var list struct {
		Messages []struct{ ID string }
	}
	mp.get(t, "/api/v1/messages", &list)
	if len(list.Messages) != 1 {
		t.Fatalf("Mailpit has %d messages, want 1", len(list.Messages))
	}
	var m mailpitMessage
	mp.get(t, "/api/v1/message/"+list.Messages[0].ID, &m)
	if m.From.Address != "sender@example.com" || len(m.To) != 1 || m.To[0].Address != "ann@example.com" {
		t.Errorf("From %q To %+v", m.From.Address, m.To)
	}
	if m.Subject != "Grüße from pinfold" {
		t.Errorf("Subject %q", m.Subject)
	}
	if strings.TrimSpace(m.Text) != "Hello Ann" || strings.TrimSpace(m.HTML) != "<p>Hello <b>Ann</b></p>" {
		t.Errorf("Text %q HTML %q", m.Text, m.HTML)
	}
}

// TestSMTPRelayUnreachable: a relay that cannot connect fails the
// recipient with TEMPORARY_FAILURE; the message is kept.
func TestSMTPRelayUnreachable(t *testing.T) {
	addr := freeAddr(t) // closed again: nothing listens
	s, st := setup(t)
	s.Relay = &messaging.SMTPRelay{Addr: addr}
	resp, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{
		Addresses:            map[string]shapes.AddressConfiguration{"ann@example.com": {ChannelType: ptr(shapes.ChannelTypeEmail)}},
		MessageConfiguration: &shapes.DirectMessageConfiguration{DefaultMessage: &shapes.DefaultMessage{Body: ptr("hi")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Result["ann@example.com"]; r.DeliveryStatus != shapes.DeliveryStatusTemporaryFailure {
		t.Errorf("result %+v", r)
	}
	if len(st.messages) != 1 {
		t.Errorf("%d messages in the outbox, want 1", len(st.messages))
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		addr string
		ok   bool
	}{
		{"smtp://127.0.0.1:1025", "127.0.0.1:1025", true},
		{"smtp://user:pw@localhost:25", "localhost:25", true},
		{"smtps://host:465", "", false},
		{"smtp://host", "", false},
		{"http://host:25", "", false},
	} {
		r, err := messaging.ParseSMTPURL(tc.in)
		if (err == nil) != tc.ok || (tc.ok && r.Addr != tc.addr) {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v", tc.in, r, err)
		}
	}
}
