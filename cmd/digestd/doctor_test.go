package main

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// TestDoctor runs `digestd doctor` against a live in-process relay (with and
// without AUTH), a relay that lacks what the config asks, and a dead port.
func TestDoctor(t *testing.T) {
	src := startSources(t)
	plain := smtptest.Start(t)
	authed := smtptest.Start(t, smtptest.WithAuth("digest", "s3cret"))
	relay := func(s *smtptest.Server, lines ...string) string {
		return "  host: 127.0.0.1\n  port: " + strconv.Itoa(s.Port()) + "\n" + strings.Join(lines, "\n") + "\n"
	}
	tests := []struct {
		name     string
		smtp     string
		code     int
		want     []string
		wantFail string
	}{
		{"live relay", relay(plain, "  tls: none"), 0,
			[]string{"ok    config: ", "integrity ok", ": EHLO ok, no TLS, no AUTH configured; nothing sent",
				"ok    source huggingface: ", "ok    source arxiv: "}, ""},
		{"live relay with AUTH", relay(authed, "  tls: none", "  username: digest", "  password: s3cret"), 0,
			[]string{"EHLO ok, no TLS, AUTH ok as digest"}, ""},
		{"wrong password", relay(authed, "  tls: none", "  username: digest", "  password: guess"), exitFailure,
			nil, "hint: check smtp.username and smtp.password"},
		{"STARTTLS required, not offered", relay(plain, "  tls: starttls"), exitFailure,
			nil, "hint: check smtp.tls (starttls)"},
		{"dead port", "  host: 127.0.0.1\n  port: " + strconv.Itoa(deadPort(t)) + "\n  tls: none\n", exitFailure,
			nil, "hint: check smtp.host and smtp.port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, src, nil)
			e.mustRun("subscribers", "list") // creates the database
			conf, err := os.ReadFile(e.config)
			if err != nil {
				t.Fatal(err)
			}
			conf = []byte(strings.Replace(string(conf), "smtp:\n", "smtp:\n"+tt.smtp, 1))
			if err := os.WriteFile(e.config, conf, 0o600); err != nil {
				t.Fatal(err)
			}
			r := e.run("doctor")
			if r.code != tt.code {
				t.Errorf("exit status: got %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if m := schemaLine.FindStringSubmatch(r.stdout); m == nil || m[1] != m[2] {
				t.Errorf("database line: got %q, want schema version N of N", m)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout: got\n%s\nwant it to contain %q", r.stdout, w)
				}
			}
			if tt.wantFail != "" {
				line := lineWith(r.stdout, "FAIL  smtp 127.0.0.1:")
				if !strings.Contains(line, tt.wantFail) {
					t.Errorf("smtp line: got %q, want it to contain %q", line, tt.wantFail)
				}
				if got := strings.Count(r.stdout, "FAIL"); got != 1 {
					t.Errorf("failed checks: got %d, want 1 (only smtp)\n%s", got, r.stdout)
				}
			}
		})
	}
}

// TestDoctorBadConfig checks that doctor reports a config it cannot load
// as a failed check, and stops there.
func TestDoctorBadConfig(t *testing.T) {
	e := newEnv(t, startSources(t), nil, "digest:\n  max_papers: 500\n")
	r := e.run("doctor")
	if r.code != exitFailure || !strings.HasPrefix(r.stdout, "FAIL  config: ") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("doctor with a bad config: got exit %d and\n%s\nwant exit %d and one FAIL config line", r.code, r.stdout, exitFailure)
	}
}

// schemaLine is doctor's database line for a database it has just created.
var schemaLine = regexp.MustCompile(`ok    database: .*: schema version (\d+) of (\d+), integrity ok`)

// deadPort returns a local port nothing listens on.
func deadPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func lineWith(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
