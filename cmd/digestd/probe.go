package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/digestd/digestd/digest/download"
)

// probeTimeout bounds each of doctor's network checks: it answers in
// seconds, whatever the configured timeouts of the nightly work.
const probeTimeout = 10 * time.Second

// probeSMTP connects to the relay as a delivery pass would — EHLO, STARTTLS
// or implicit TLS, AUTH — then says QUIT without sending anything. It
// reports what the session used.
func probeSMTP(ctx context.Context, cfg Config) (string, error) {
	s := cfg.SMTP
	policy := map[string]mail.TLSPolicy{"starttls": mail.TLSMandatory, "opportunistic": mail.TLSOpportunistic,
		"tls": mail.TLSOpportunistic, "none": mail.NoTLS}[s.TLS]
	opts := []mail.Option{
		mail.WithPort(s.Port), mail.WithTimeout(min(s.Timeout, probeTimeout)), mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}),
	}
	if s.TLS == "tls" {
		opts = append(opts, mail.WithSSL())
	}
	if s.Username != "" {
		// As the sender does: the strongest mechanism offered, and PLAIN
		// only without TLS, which go-mail allows toward localhost alone.
		auth := mail.SMTPAuthAutoDiscover
		if s.TLS == "none" {
			auth = mail.SMTPAuthPlain
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	client, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return "", err
	}
	session, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return "", err
	}
	defer client.CloseWithSMTPClient(session)
	report := []string{"EHLO ok"}
	if st, ok := session.TLSConnectionState(); ok {
		report = append(report, tls.VersionName(st.Version))
	} else {
		report = append(report, "no TLS")
	}
	if s.Username != "" {
		report = append(report, "AUTH ok as "+s.Username)
	} else {
		report = append(report, "no AUTH configured")
	}
	return strings.Join(report, ", ") + "; nothing sent", nil
}

// smtpHint guesses which keys to look at from how the probe failed.
func smtpHint(err error, cfg Config) string {
	var opErr *net.OpError
	msg := strings.ToLower(err.Error())
	switch {
	case errors.As(err, &opErr) || errors.Is(err, context.DeadlineExceeded):
		return "check smtp.host and smtp.port, and that no firewall blocks the way out: many hosts block port 25"
	case strings.Contains(msg, "tls") || strings.Contains(msg, "certificate") || strings.Contains(msg, "x509"):
		return fmt.Sprintf("check smtp.tls (%s): starttls needs a relay offering STARTTLS, tls needs implicit TLS, usually port 465", cfg.SMTP.TLS)
	case strings.Contains(msg, "auth") || strings.Contains(msg, "535") || strings.Contains(msg, "credentials"):
		return "check smtp.username and smtp.password, and that the relay allows AUTH for this account"
	}
	return "read the relay's reply above; docs/OPERATIONS.md says what a relay needs"
}

// checkSources sends one small request to each enabled source.
func (d *doctor) checkSources(ctx context.Context, cfg Config) {
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	type probe struct{ name, base, key string }
	var probes []probe
	if c := cfg.Sources.HuggingFace; c.Enabled {
		probes = append(probes, probe{"huggingface", c.URL + "?" + url.Values{"date": {yesterday}, "limit": {"1"}}.Encode(),
			"sources.huggingface.url"})
	}
	if c := cfg.Sources.Arxiv; c.Enabled {
		q := url.Values{"search_query": {"cat:" + c.Categories[0]}, "max_results": {"1"}}
		probes = append(probes, probe{"arxiv", c.URL + "?" + q.Encode(), "sources.arxiv.url"})
	}
	for _, p := range probes {
		client := download.New(version)
		client.HTTP.Timeout = min(cfg.Sources.Timeout, probeTimeout)
		client.MaxAttempts = 1
		start := time.Now()
		_, status, err := client.Get(ctx, p.base)
		name := "source " + p.name
		if err != nil {
			d.fail(name, err, "check "+p.key+" and that this host can reach it; when the source itself is down, the next scheduled fetch catches up")
			continue
		}
		d.pass(name, "%s answered %d in %s", p.base, status, time.Since(start).Round(time.Millisecond))
	}
	if len(probes) == 0 {
		d.pass("sources", "none enabled: no papers will be fetched")
	}
}
