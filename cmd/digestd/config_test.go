package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/viper"
)

// TestConfigRejectsBadInput checks that each kind of bad configuration stops
// digestd with exit status 2 and a message naming the key.
func TestConfigRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, yaml, env, want string
	}{
		{"unknown key", "smtp:\n  hots: mail.example.org\n", "", `unknown key "smtp.hots"`},
		{"unknown top-level key", "databse: x.db\n", "", `unknown key "databse"`},
		{"wrong type", "smtp:\n  host: mail.example.org\n  port: five\n", "", `"smtp.port"`},
		{"port 0", "smtp:\n  host: mail.example.org\n  port: 0\n", "", "smtp.port: 0: want 1 to 65535"},
		{"listen port 0", "listen: 127.0.0.1:0\n", "", `listen: "127.0.0.1:0"`},
		{"unknown tls mode", "smtp:\n  tls: maybe\n", "", `smtp.tls: "maybe": want starttls, opportunistic, tls or none`},
		{"bad cron", "schedule:\n  fetch: every night\n", "", `schedule.fetch: "every night"`},
		{"unknown time zone", "schedule:\n  timezone: Mars/Olympus\n", "", `schedule.timezone: "Mars/Olympus": unknown time zone`},
		{"bad from", "smtp:\n  from: not an address\n", "", `smtp.from`},
		{"max papers", "digest:\n  max_papers: 500\n", "", "digest.max_papers: 500: want 1 to 50"},
		{"bad subject template", "digest:\n  subject: \"{{.Nope}}\"\n", "", "digest.subject"},
		{"arXiv too fast", "sources:\n  arxiv:\n    interval: 1s\n", "", "sources.arxiv.interval"},
		{"bad duration", "smtp:\n  timeout: soon\n", "", `"smtp.timeout"`},
		{"bad base_url", "base_url: papers.example.org\n", "", "base_url"},
		{"environment checked too", "", "DIGESTD_SMTP_TLS=sometimes", `smtp.tls: "sometimes"`},
		{"environment type", "", "DIGESTD_DIGEST_MAX_PAPERS=lots", `"digest.max_papers"`},
		{"trusted proxy not a CIDR", "web:\n  trusted_proxies: [127.0.0.1/32, localhost]\n", "",
			`web.trusted_proxies: "localhost": want an address or a CIDR`},
		{"trusted proxy from the environment", "", "DIGESTD_WEB_TRUSTED_PROXIES=10.0.0.0/33", `web.trusted_proxies: "10.0.0.0/33"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.yaml")
			yaml := "database: " + filepath.Join(dir, "digest.db") + "\n" + tt.yaml
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			if k, v, ok := strings.Cut(tt.env, "="); ok {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := execute(context.Background(), []string{"--config", path, "subscribers", "list"}, &out, &errb)
			if code != exitUsage {
				t.Errorf("exit status: got %d, want %d (stderr %q)", code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", errb.String(), tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "digest.db")); err == nil {
				t.Errorf("a database was created although the config is bad")
			}
		})
	}
}

// TestConfigExampleDocumentsDefaults checks that config.example.yaml, which
// `make run` uses, sets every key to its built-in default.
func TestConfigExampleDocumentsDefaults(t *testing.T) {
	const example = "../../config.example.yaml"
	got, _, err := loadConfig(example)
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.yaml:\ngot  %+v\nwant %+v", got, want)
	}
	v := viper.New()
	v.SetConfigFile(example)
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	defaults := viper.New()
	setDefaults(defaults, "", reflect.ValueOf(defaultConfig()))
	for _, key := range defaults.AllKeys() {
		if !v.InConfig(key) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

// TestConfigEnvironmentOverrides checks DIGESTD_* variables over the file.
func TestConfigEnvironmentOverrides(t *testing.T) {
	t.Setenv("DIGESTD_SMTP_HOST", "smtp.example.org")
	t.Setenv("DIGESTD_SOURCES_ARXIV_CATEGORIES", "cs.IR,stat.ML")
	t.Setenv("DIGESTD_LOG_LEVEL", "debug")
	c, _, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "smtp.example.org" || c.Log.Level != "debug" {
		t.Errorf("got smtp.host %q, log.level %q, want smtp.example.org, debug", c.SMTP.Host, c.Log.Level)
	}
	if want := []string{"cs.IR", "stat.ML"}; !reflect.DeepEqual(c.Sources.Arxiv.Categories, want) {
		t.Errorf("sources.arxiv.categories: got %q, want %q", c.Sources.Arxiv.Categories, want)
	}
	t.Setenv("DIGESTD_WEB_TRUSTED_PROXIES", "127.0.0.1/32,::1")
	c, _, err = loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	proxies, err := trustedProxies(c.Web.TrustedProxies)
	if got := fmt.Sprint(proxies); err != nil || got != "[127.0.0.1/32 ::1/128]" {
		t.Errorf("web.trusted_proxies: got %s (%v), want [127.0.0.1/32 ::1/128]", got, err)
	}
}
