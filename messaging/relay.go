package messaging

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// DefaultRelayTimeout bounds one message's relay.
const DefaultRelayTimeout = 30 * time.Second

// SMTPRelay sends email messages to an SMTP server, one connection per
// message: the message's From (the Email channel's FromAddress, or the
// request's) as sender, its Address as the one recipient, and its Subject,
// HTML and text bodies as a multipart/alternative message (a raw email is
// sent as given). It speaks plain SMTP, with PLAIN authentication when the
// URL has a user (net/smtp allows that only over TLS or to localhost).
type SMTPRelay struct {
	// Addr is the server's host:port.
	Addr string
	// Auth, when set, authenticates to the server.
	Auth smtp.Auth
	// Hostname is the name given in HELO/EHLO ("localhost" when empty)
	// and in Message-IDs.
	Hostname string
	// Timeout bounds one message (DefaultRelayTimeout when zero).
	Timeout time.Duration
	// Now is the clock of the Date header (time.Now when nil).
	Now func() time.Time
}

// ParseSMTPURL returns the relay of a --smtp-url value,
// smtp://[user:password@]host:port. Errors name what is wrong with it.
func ParseSMTPURL(s string) (*SMTPRelay, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid SMTP URL: %w", err)
	}
	if u.Scheme != "smtp" {
		return nil, fmt.Errorf("invalid SMTP URL %q: the scheme must be smtp", s)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("invalid SMTP URL %q: want smtp://host:port", s)
	}
	r := &SMTPRelay{Addr: u.Host}
	if u.User != nil {
		pw, _ := u.User.Password()
		r.Auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return r, nil
}

// Send relays m. Errors are the server's or the connection's.
func (r *SMTPRelay) Send(ctx context.Context, m *pinfold.Message) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("invalid sender %q: the Email channel needs a FromAddress", m.From)
	}
	data, err := r.compose(m, from)
	if err != nil {
		return err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRelayTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(r.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(r.hostname()); err != nil {
		return err
	}
	if r.Auth != nil {
		if err := c.Auth(r.Auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(m.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (r *SMTPRelay) hostname() string {
	if r.Hostname != "" {
		return r.Hostname
	}
	return "localhost"
}

// compose writes m as an RFC 5322 message. A raw email (the message's Body
// with no other content) goes as it is.
func (r *SMTPRelay) compose(m *pinfold.Message, from *mail.Address) ([]byte, error) {
	if m.HTMLBody == "" && m.TextBody == "" && m.Body != "" && looksLikeMIME(m.Body) {
		return []byte(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")), nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", (&mail.Address{Address: m.Address}).String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.ID+"@"+r.hostname()+">")
	hdr("MIME-Version", "1.0")
	text, html := m.TextBody, m.HTMLBody
	if text == "" && html == "" {
		text = m.Body
	}
	if text == "" || html == "" {
		ct := "text/plain; charset=utf-8"
		if html != "" {
			ct, text = "text/html; charset=utf-8", html
		}
		hdr("Content-Type", ct)
		hdr("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		return b.Bytes(), writeQP(&b, text)
	}
	mw := multipart.NewWriter(&b)
	hdr("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	for _, p := range []struct{ ct, body string }{{"text/plain; charset=utf-8", text}, {"text/html; charset=utf-8", html}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ct},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(pw, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qw := quotedprintable.NewWriter(w)
	if _, err := qw.Write([]byte(s)); err != nil {
		return err
	}
	return qw.Close()
}

// looksLikeMIME reports whether s reads as a message with headers (a
// RawEmail's data).
func looksLikeMIME(s string) bool {
	msg, err := mail.ReadMessage(strings.NewReader(s))
	return err == nil && (msg.Header.Get("From") != "" || msg.Header.Get("Subject") != "" || msg.Header.Get("Content-Type") != "")
}

var _ Relay = (*SMTPRelay)(nil)
