package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// cookieName is the session cookie. Its value is
// base64url(JSON session) "." base64url(HMAC-SHA256(Key, JSON session)).
const cookieName = "pinfold_console"

// session is who is logged in and the scope they look at.
type session struct {
	KeyID   string `json:"k"`
	Account string `json:"a"`
	Region  string `json:"r"`
	Expires int64  `json:"e"` // Unix seconds
	Nonce   string `json:"n"` // makes each login's CSRF token new
}

func (s *session) scope() pinfold.Scope { return pinfold.Scope{Account: s.Account, Region: s.Region} }

var regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

func (h *Handler) sign(b []byte) []byte {
	m := hmac.New(sha256.New, h.Key)
	m.Write(b)
	return m.Sum(nil)
}

// setSession writes s as the session cookie.
func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, s *session) {
	b, _ := json.Marshal(s)
	v := base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(h.sign(b))
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: v, Path: Prefix + "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: time.Unix(s.Expires, 0)})
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix + "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// session returns the request's valid session, or nil. A session of a key
// no longer configured, or whose account changed, is not valid.
func (h *Handler) session(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	body, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	m, err2 := base64.RawURLEncoding.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(m, h.sign(b)) {
		return nil
	}
	var s session
	if json.Unmarshal(b, &s) != nil || h.Now().Unix() >= s.Expires || !regionRe.MatchString(s.Region) {
		return nil
	}
	if h.Open && s.KeyID == "" {
		if s.Account != h.OpenAccount {
			return nil
		}
		return &s
	}
	if h.Lookup == nil {
		return nil
	}
	cred, ok := h.Lookup(s.KeyID)
	if !ok || cred.Account != s.Account {
		return nil
	}
	return &s
}

// newSession starts a session of keyID (empty in an open console).
func (h *Handler) newSession(keyID, account, region string) *session {
	return &session{KeyID: keyID, Account: account, Region: region,
		Expires: h.Now().Add(h.SessionTTL).Unix(), Nonce: pinfold.NewID()}
}

// csrfToken is the token the session's forms carry: an HMAC of the
// session's nonce, so it changes with every login.
func (h *Handler) csrfToken(s *session) string {
	return base64.RawURLEncoding.EncodeToString(h.sign([]byte("csrf:" + s.Nonce + ":" + s.KeyID)))
}

// csrfOK reports whether a POST of the session carries its token.
func (h *Handler) csrfOK(r *http.Request, s *session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(h.csrfToken(s))) == 1
}

// checkLogin returns the account of keyID when secret is its secret.
func (h *Handler) checkLogin(keyID, secret string) (string, bool) {
	if h.Lookup == nil || keyID == "" {
		return "", false
	}
	cred, ok := h.Lookup(keyID)
	// Compare even for an unknown key, so the time taken does not tell
	// known keys apart.
	want := cred.Secret
	if !ok {
		want = "\x00unknown key"
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 || !ok {
		return "", false
	}
	return cred.Account, true
}

// authed runs fn with the request's session, or sends the browser to the
// login page (JSON and River requests get 401). In an open console a
// request without a session gets a new one of OpenAccount in us-east-1.
func (h *Handler) authed(fn func(w http.ResponseWriter, r *http.Request, s *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := h.session(r)
		if s == nil && h.Open {
			s = h.newSession("", h.OpenAccount, "us-east-1")
			h.setSession(w, r, s)
		}
		if s == nil {
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, ".json") && !strings.HasPrefix(r.URL.Path, Prefix+"/river/api/") {
				http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "log in to the console first", http.StatusUnauthorized)
			return
		}
		fn(w, r, s)
	})
}
