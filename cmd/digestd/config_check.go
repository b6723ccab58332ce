package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// validate checks the values a type cannot: ports, modes, URLs, schedules.
func (c Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.Database) == "" {
		bad("database", "empty: want a file path such as ./data/digest.db")
	}
	if err := checkHostPort(c.Listen); err != nil {
		bad("listen", "%q: %v", c.Listen, err)
	}
	if err := checkURL(c.BaseURL); err != nil {
		bad("base_url", "%q: %v", c.BaseURL, err)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format", "%q: want text or json", c.Log.Format)
	}
	if c.Sources.HuggingFace.Enabled {
		if err := checkURL(c.Sources.HuggingFace.URL); err != nil {
			bad("sources.huggingface.url", "%q: %v", c.Sources.HuggingFace.URL, err)
		}
	}
	if c.Sources.Arxiv.Enabled {
		if err := checkURL(c.Sources.Arxiv.URL); err != nil {
			bad("sources.arxiv.url", "%q: %v", c.Sources.Arxiv.URL, err)
		}
		if c.Sources.Arxiv.Interval < 0 || (c.Sources.Arxiv.Interval < 3*time.Second && isArxivHost(c.Sources.Arxiv.URL)) {
			bad("sources.arxiv.interval", "%s: arXiv's terms ask for at least 3s between requests", c.Sources.Arxiv.Interval)
		}
		if len(c.Sources.Arxiv.Categories) == 0 {
			bad("sources.arxiv.categories", "empty: name at least one arXiv category such as cs.CL")
		}
		for _, cat := range c.Sources.Arxiv.Categories {
			if !arxivCategory.MatchString(cat) {
				bad("sources.arxiv.categories", "%q is not an arXiv category such as cs.CL or hep-th", cat)
			}
		}
	}
	if c.Sources.Days < 1 || c.Sources.Days > 30 {
		bad("sources.days", "%d: want 1 to 30", c.Sources.Days)
	}
	if c.Sources.Timeout <= 0 {
		bad("sources.timeout", "%s: want a positive duration such as 30s", c.Sources.Timeout)
	}
	for key, spec := range map[string]string{"schedule.fetch": c.Schedule.Fetch, "schedule.deliver": c.Schedule.Deliver} {
		if _, err := cron.ParseStandard(spec); err != nil {
			bad(key, "%q: %v", spec, err)
		}
	}
	if _, err := time.LoadLocation(c.Schedule.Timezone); err != nil || c.Schedule.Timezone == "" || c.Schedule.Timezone == "Local" {
		bad("schedule.timezone", "%q: unknown time zone (want an IANA name such as Europe/Berlin)", c.Schedule.Timezone)
	}
	if c.SMTP.Host != "" && (c.SMTP.Port < 1 || c.SMTP.Port > 65535) {
		bad("smtp.port", "%d: want 1 to 65535", c.SMTP.Port)
	}
	if !slices.Contains([]string{"starttls", "opportunistic", "tls", "none"}, c.SMTP.TLS) {
		bad("smtp.tls", "%q: want starttls, opportunistic, tls or none", c.SMTP.TLS)
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		bad("smtp.from", "%q: %v", c.SMTP.From, err)
	}
	if c.SMTP.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.SMTP.ReplyTo); err != nil {
			bad("smtp.reply_to", "%q: %v", c.SMTP.ReplyTo, err)
		}
	}
	if c.SMTP.Timeout <= 0 {
		bad("smtp.timeout", "%s: want a positive duration such as 30s", c.SMTP.Timeout)
	}
	if c.Digest.MaxPapers < 1 || c.Digest.MaxPapers > 50 {
		bad("digest.max_papers", "%d: want 1 to 50", c.Digest.MaxPapers)
	}
	if c.Health.MaxFetchAge <= 0 {
		bad("health.max_fetch_age", "%s: want a positive duration such as 26h", c.Health.MaxFetchAge)
	}
	if _, err := trustedProxies(c.Web.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateDelivery()...)
	return errors.Join(errs...)
}

// trustedProxies reads web.trusted_proxies: CIDRs, or single addresses.
func trustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			ip, ierr := netip.ParseAddr(s)
			if ierr != nil {
				return nil, fmt.Errorf("web.trusted_proxies: %q: want an address or a CIDR such as 127.0.0.1/32", s)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// outboxExposed is what serve and doctor say when outbox mode listens
// beyond loopback: its messages hold readers' addresses and secret links.
const outboxExposed = "outbox mode listens beyond loopback: /outbox answers only loopback clients that came through no proxy, " +
	"but a reverse proxy that adds no X-Forwarded-For would pass it on"

// beyondLoopback reports whether a listen address takes connections from
// other hosts: a wildcard, a non-loopback address, or a name other than
// localhost (which this cannot tell).
func beyondLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.IsLoopback()
}

var arxivCategory = regexp.MustCompile(`^[a-z]+(-[a-z]+)?(\.[A-Za-z]{2,})?$`)

func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q: want 1 to 65535", port)
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL")
	}
	return nil
}
