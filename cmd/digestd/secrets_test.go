package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// TestSecretsStayOutOfOutput runs digestd with debug logging through a
// subscription, a delivery pass, a refused login and `doctor`, and greps
// everything it printed for the SMTP password, the DKIM key and the
// readers' link tokens.
func TestSecretsStayOutOfOutput(t *testing.T) {
	const user, password = "digest", "pw-Xq7sZr9Lk2Vb"
	relay := smtptest.Start(t, smtptest.WithAuth(user, password))
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	keyFile := filepath.Join(dir, "dkim.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + listen
	extra := []string{"  username: " + user, "  password: " + password, "listen: " + listen,
		"dkim:", "  domain: example.org", "  selector: s1", "  private_key_file: " + keyFile}
	e := newEnv(t, startSources(t), relay, extra...)
	t.Setenv("DIGESTD_LOG_LEVEL", "debug")
	var out bytes.Buffer // everything digestd printed, stdout and stderr
	run := func(args ...string) {
		r := e.run(args...)
		out.WriteString(r.stdout + r.stderr)
	}
	run("fetch", "--date", fixtureDay, "--days", "1")

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, &out, &out) }()
	waitFor(t, base+"/healthz")
	resp, err := postForm(t, base, "/subscribe", url.Values{"email": {"ada@example.org"}, "topics": {"agents"},
		"frequency": {"daily"}, "hour": {"7"}, "timezone": {"UTC"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var tokens []string
	for deadline := time.Now().Add(10 * time.Second); len(tokens) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		tokens = linkTokens(relay)
	}
	if len(tokens) == 0 {
		t.Fatal("no confirmation mail with a token within 10s")
	}
	get(t, base+"/confirm/"+tokens[0], http.StatusOK)
	for _, want := range []int{http.StatusOK, http.StatusNotFound} {
		if code := press(t, base, "/confirm/"+tokens[0]); code != want {
			t.Errorf("POST /confirm: got %d, want %d", code, want)
		}
	}
	if resp, err := http.Post(base+"/unsubscribe/"+tokens[0]+"x", "application/x-www-form-urlencoded",
		strings.NewReader("List-Unsubscribe=One-Click")); err == nil {
		resp.Body.Close()
	}
	cancel()
	<-served

	run("run", "--now")
	tokens = linkTokens(relay)
	if len(tokens) < 2 {
		t.Fatalf("got %d link tokens in the mail, want a confirmation and a digest's", len(tokens))
	}
	run("doctor")
	// A refused login: the error must not quote what was sent.
	e.writeConfig(relay, "  username: "+user, "  password: wrong-"+password, "listen: "+listen)
	run("subscribers", "add", "cy@example.org", "--confirmed")
	run("run", "--now")
	run("doctor")
	// A password of the wrong type: the error names the key, not the value.
	e.writeConfig(relay, "  username: "+user, "  password:", "    - "+password, "listen: "+listen)
	run("run", "--now")
	run("doctor")

	secrets := map[string]string{
		"smtp password": password,
		"dkim key":      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))[32:96],
	}
	for i, tok := range tokens {
		secrets[fmt.Sprintf("link token %d", i)] = tok
	}
	leaks := 0
	for name, s := range secrets {
		if strings.Contains(out.String(), s) {
			leaks++
			t.Errorf("%s %q appears in digestd's output", name, s)
		}
	}
	if !strings.Contains(out.String(), "AUTH failed") {
		t.Errorf("the refused login left no trace in the output:\n%s", out.String())
	}
	t.Logf("secrets: checked=%d output_bytes=%d leaks=%d", len(secrets), out.Len(), leaks)
	if t.Failed() {
		t.Logf("output:\n%s", out.String())
	}
}

// linkTokens returns the distinct tokens of the confirm, manage and
// unsubscribe links in the mail the relay holds.
func linkTokens(relay *smtptest.Server) []string {
	re := regexp.MustCompile(`/(?:confirm|manage|unsubscribe)/([A-Za-z0-9_-]{16,})`)
	seen := map[string]bool{}
	var tokens []string
	for _, m := range relay.Messages() {
		for _, s := range re.FindAllStringSubmatch(unfold(m.Data), -1) {
			if tok := s[1]; !seen[tok] {
				seen[tok] = true
				tokens = append(tokens, tok)
			}
		}
	}
	return tokens
}

// unfold joins the lines quoted-printable broke with soft line breaks, so
// that a link reads whole; tokens hold no other encoded characters.
func unfold(data []byte) string {
	return strings.ReplaceAll(string(data), "=\r\n", "")
}
