package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest/sqlite"
)

func newDoctorCommand(configPath *string) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the config, database, SMTP relay and sources; print one line per check",
		Long: `Check what digestd needs and print one pass or fail line per check, with a
hint for each failure: the config file, the database's integrity and schema
version, the SMTP relay (connect, EHLO, TLS and AUTH, sending nothing) and
the DKIM key and, where DNS answers, its TXT record, and each enabled source
(one small request). It changes nothing: the database is
opened read-only. It exits with status 1 when a check fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := &doctor{w: cmd.OutOrStdout(), lookupTXT: net.DefaultResolver.LookupTXT}
			d.run(cmd.Context(), *configPath)
			if d.failed > 0 {
				return fmt.Errorf("%s failed", count(d.failed, "check"))
			}
			return nil
		},
	}
}

// doctor runs the checks and prints their lines.
type doctor struct {
	w      io.Writer
	failed int
	// lookupTXT asks DNS for TXT records; tests answer it themselves.
	lookupTXT func(ctx context.Context, name string) ([]string, error)
}

func (d *doctor) pass(name, format string, args ...any) {
	fmt.Fprintf(d.w, "ok    %s: %s\n", name, fmt.Sprintf(format, args...))
}

// warn reports something that works but should not stay so; it fails
// nothing.
func (d *doctor) warn(name, msg, hint string) {
	fmt.Fprintf(d.w, "WARN  %s: %s (hint: %s)\n", name, msg, hint)
}

func (d *doctor) fail(name string, err error, hint string) {
	d.failed++
	fmt.Fprintf(d.w, "FAIL  %s: %s (hint: %s)\n", name, oneLine(err.Error(), 200), hint)
}

func (d *doctor) run(ctx context.Context, configPath string) {
	cfg, file, err := loadConfig(configPath)
	if err != nil {
		// The other checks need the config to know what to check.
		d.fail("config", err, "fix the key named above; config.example.yaml documents every key")
		return
	}
	d.pass("config", "%s", orDefaults(file))
	d.checkDatabase(ctx, cfg.Database)
	d.checkSMTP(ctx, cfg)
	d.checkDKIM(ctx, cfg)
	d.checkSources(ctx, cfg)
}

func (d *doctor) checkDatabase(ctx context.Context, path string) {
	const name = "database"
	db, err := sqlite.OpenReadOnly(ctx, path)
	if errors.Is(err, os.ErrNotExist) {
		d.pass(name, "%s does not exist yet: digestd creates it at first start", path)
		return
	}
	if err != nil {
		d.fail(name, err, "check the database key and that this user may read the file and its folder")
		return
	}
	defer db.Close()
	have, want, err := sqlite.SchemaVersion(ctx, db)
	if err != nil {
		d.fail(name, err, "the file may not be a digestd database: check the database key")
		return
	}
	if have > want {
		d.fail(name, fmt.Errorf("%s: schema version %d is newer than this digestd's %d", path, have, want),
			"a newer digestd has migrated it: run that version, or restore the backup taken before the upgrade")
		return
	}
	if err := sqlite.CheckIntegrity(ctx, db); err != nil {
		d.fail(name, fmt.Errorf("%s: %w", path, err),
			"stop digestd and restore the last backup (docs/OPERATIONS.md, Backups)")
		return
	}
	pending := ""
	if have < want {
		pending = fmt.Sprintf(", %d migrations to apply at next start", want-have)
	}
	d.pass(name, "%s: schema version %d of %d%s, integrity ok", path, have, want, pending)
}

func (d *doctor) checkSMTP(ctx context.Context, cfg Config) {
	if cfg.SMTP.Host == "" {
		d.pass("smtp", "no smtp.host: mail is written as .eml files to %s",
			filepath.Join(filepath.Dir(cfg.Database), "outbox"))
		if beyondLoopback(cfg.Listen) {
			d.warn("web", fmt.Sprintf("%s (listen %s)", outboxExposed, cfg.Listen),
				"set smtp.host to send mail, or listen on 127.0.0.1 (docs/SECURITY.md)")
		}
		return
	}
	name := fmt.Sprintf("smtp %s:%d", cfg.SMTP.Host, cfg.SMTP.Port)
	res, err := probeSMTP(ctx, cfg)
	if err != nil {
		d.fail(name, err, smtpHint(err, cfg))
		return
	}
	d.pass(name, "%s", res)
}

// dnsTimeout bounds the DKIM record lookup: a resolver that does not answer
// is reported, not waited for.
const dnsTimeout = 5 * time.Second

// checkDKIM loads the DKIM key and, where DNS answers, compares it with the
// TXT record receivers verify signatures against. A missing or different
// record fails; a resolver that cannot be reached (an offline server) only
// leaves the record unchecked.
func (d *doctor) checkDKIM(ctx context.Context, cfg Config) {
	if cfg.DKIM.Domain == "" {
		d.pass("dkim", "not configured: digests go out unsigned (docs/OPERATIONS.md explains DKIM)")
		return
	}
	s, err := newDKIM(cfg)
	if err != nil {
		d.fail("dkim", err, "set dkim.private_key_file to a PEM RSA or Ed25519 private key digestd can read")
		return
	}
	name := "dkim " + s.DNSName()
	publish := "publish a TXT record at " + s.DNSName() + " with the value: " + s.Record()
	ctx, cancel := context.WithTimeout(ctx, dnsTimeout)
	defer cancel()
	txts, err := d.lookupTXT(ctx, s.DNSName())
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		d.fail(name, err, publish)
	case err != nil:
		d.pass(name, "key %s loaded; TXT record not checked, DNS did not answer: %v", s.KeyType(), err)
	default:
		if err := s.CheckRecord(txts); err != nil {
			d.fail(name, err, publish)
			return
		}
		d.pass(name, "key %s matches the published TXT record", s.KeyType())
	}
}
