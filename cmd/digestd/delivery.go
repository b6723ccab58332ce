package main

import (
	"fmt"
	"time"

	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/pipeline"
)

// validateDelivery checks the delivery engine's keys and the DKIM key.
func (c Config) validateDelivery() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.SMTP.Concurrency < 1 || c.SMTP.Concurrency > 32 {
		bad("smtp.concurrency", "%d: want 1 to 32", c.SMTP.Concurrency)
	}
	if c.SMTP.RatePerSecond < 0 {
		bad("smtp.rate_per_second", "%g: want 0 (no limit) or more", c.SMTP.RatePerSecond)
	}
	if c.SMTP.MaxPerHour < 0 {
		bad("smtp.max_per_hour", "%d: want 0 (no limit) or more", c.SMTP.MaxPerHour)
	}
	if c.SMTP.RetryAttempts < 1 || c.SMTP.RetryAttempts > 10 {
		bad("smtp.retry_attempts", "%d: want 1 to 10", c.SMTP.RetryAttempts)
	}
	if c.SMTP.RetryBackoff <= 0 {
		bad("smtp.retry_backoff", "%s: want a positive duration such as 2s", c.SMTP.RetryBackoff)
	}
	if c.SMTP.HardBounceLimit < 1 {
		bad("smtp.hard_bounce_limit", "%d: want 1 or more", c.SMTP.HardBounceLimit)
	}
	if c.SMTP.DataTimeout < time.Second || c.SMTP.DataTimeout > time.Hour {
		bad("smtp.data_timeout", "%s: want 1s to 1h (RFC 5321 asks for 10m)", c.SMTP.DataTimeout)
	}
	if c.Schedule.PassLease < 2*time.Second || c.Schedule.PassLease > time.Hour {
		bad("schedule.pass_lease", "%s: want 2s to 1h", c.Schedule.PassLease)
	}
	d := c.DKIM
	set := 0
	for _, v := range []string{d.Domain, d.Selector, d.PrivateKeyFile} {
		if v != "" {
			set++
		}
	}
	switch {
	case set != 0 && set != 3:
		bad("dkim", "set all of domain, selector and private_key_file, or none")
	case set == 3:
		if _, err := email.NewDKIMSigner(d.Domain, d.Selector, d.PrivateKeyFile); err != nil {
			bad("dkim.private_key_file", "%v", err)
		}
	}
	return errs
}

// newDKIM loads the DKIM signer; nil when dkim is not configured.
func newDKIM(cfg Config) (*email.DKIMSigner, error) {
	if cfg.DKIM.Domain == "" {
		return nil, nil
	}
	return email.NewDKIMSigner(cfg.DKIM.Domain, cfg.DKIM.Selector, cfg.DKIM.PrivateKeyFile)
}

// addWorkers opens the relay connections of delivery workers beyond the
// first, which uses the app's own mailer: smtp.concurrency in all. Each
// connects on its first message.
func (a *app) addWorkers() error {
	for range a.cfg.SMTP.Concurrency - 1 {
		s, err := mailer.NewSMTP(a.smtpConfig())
		if err != nil {
			return err
		}
		a.workers = append(a.workers, s)
	}
	return nil
}

// deliveryMailers returns one mailer per delivery worker. The outbox
// folder gets one worker: concurrency buys nothing when writing files.
func (a *app) deliveryMailers() []pipeline.Mailer {
	mailers := []pipeline.Mailer{a.mailer}
	for _, s := range a.workers {
		mailers = append(mailers, s)
	}
	return mailers
}

func (a *app) smtpConfig() mailer.SMTPConfig {
	return mailer.SMTPConfig{
		Host:        a.cfg.SMTP.Host,
		Port:        a.cfg.SMTP.Port,
		Username:    a.cfg.SMTP.Username,
		Password:    a.cfg.SMTP.Password,
		TLS:         a.cfg.SMTP.TLS,
		Timeout:     a.cfg.SMTP.Timeout,
		DataTimeout: a.cfg.SMTP.DataTimeout,
	}
}
