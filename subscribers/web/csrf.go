package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// csrfCookie holds the browser's nonce; csrfField, in every form, holds the
// nonce signed with the server's key.
const (
	csrfCookie = "digestd_form"
	csrfField  = "csrf"
)

// csrf is a signed double-submit check. A browser gets a random nonce in a
// cookie; each form carries HMAC(key, nonce). A cross-site page can make the
// browser send the cookie but can neither read it nor compute the HMAC, and
// a cookie planted from a sibling domain fails without the key. It needs no
// login and no JavaScript. The key is made at start and never stored: a
// restart only costs a reader with a form open one reload.
type csrf struct {
	key    []byte
	secure bool
}

func newCSRF(secure bool) (*csrf, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &csrf{key: key, secure: secure}, nil
}

// token returns the form field value for this browser, setting the nonce
// cookie when it has none. A nonce it already has is kept, so forms open in
// other tabs stay valid.
func (c *csrf) token(rw http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 22 {
		return c.sign(ck.Value)
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	nonce := base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(rw, &http.Cookie{Name: csrfCookie, Value: nonce, Path: "/", HttpOnly: true,
		Secure: c.secure, SameSite: http.SameSiteLaxMode})
	return c.sign(nonce)
}

func (c *csrf) sign(nonce string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("form:" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid reports whether a posted form's token matches the browser's cookie.
func (c *csrf) valid(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(c.sign(ck.Value)))
}
