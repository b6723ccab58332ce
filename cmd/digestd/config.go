package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/go-viper/mapstructure/v2"
	"github.com/robfig/cron/v3"
	"github.com/spf13/viper"
)

// Config is digestd's whole configuration. defaultConfig holds every default;
// the YAML file and DIGESTD_* variables override them. It is loaded once in
// main and handed down as plain values.
type Config struct {
	Database string    `mapstructure:"database"`
	Listen   string    `mapstructure:"listen"`
	BaseURL  string    `mapstructure:"base_url"`
	Log      LogConfig `mapstructure:"log"`
	Sources  struct {
		HuggingFace struct {
			Enabled bool   `mapstructure:"enabled"`
			URL     string `mapstructure:"url"`
		} `mapstructure:"huggingface"`
		Arxiv struct {
			Enabled    bool          `mapstructure:"enabled"`
			URL        string        `mapstructure:"url"`
			Categories []string      `mapstructure:"categories"`
			Query      string        `mapstructure:"query"`
			Interval   time.Duration `mapstructure:"interval"`
		} `mapstructure:"arxiv"`
		Days    int           `mapstructure:"days"`
		Timeout time.Duration `mapstructure:"timeout"`
	} `mapstructure:"sources"`
	Schedule struct {
		Fetch    string `mapstructure:"fetch"`
		Deliver  string `mapstructure:"deliver"`
		Timezone string `mapstructure:"timezone"`
	} `mapstructure:"schedule"`
	SMTP struct {
		Host     string        `mapstructure:"host"`
		Port     int           `mapstructure:"port"`
		Username string        `mapstructure:"username"`
		Password string        `mapstructure:"password"`
		TLS      string        `mapstructure:"tls"`
		From     string        `mapstructure:"from"`
		ReplyTo  string        `mapstructure:"reply_to"`
		Timeout  time.Duration `mapstructure:"timeout"`
		// The delivery engine: see config.example.yaml.
		Concurrency     int           `mapstructure:"concurrency"`
		RatePerSecond   float64       `mapstructure:"rate_per_second"`
		MaxPerHour      int           `mapstructure:"max_per_hour"`
		RetryAttempts   int           `mapstructure:"retry_attempts"`
		RetryBackoff    time.Duration `mapstructure:"retry_backoff"`
		HardBounceLimit int           `mapstructure:"hard_bounce_limit"`
	} `mapstructure:"smtp"`
	DKIM struct {
		Domain         string `mapstructure:"domain"`
		Selector       string `mapstructure:"selector"`
		PrivateKeyFile string `mapstructure:"private_key_file"`
	} `mapstructure:"dkim"`
	Digest struct {
		MaxPapers      int    `mapstructure:"max_papers"`
		Subject        string `mapstructure:"subject"`
		HeaderMarkdown string `mapstructure:"header_markdown"`
		FooterMarkdown string `mapstructure:"footer_markdown"`
	} `mapstructure:"digest"`
	Health struct {
		MaxFetchAge time.Duration `mapstructure:"max_fetch_age"`
	} `mapstructure:"health"`
}

// LogConfig sets up slog.
type LogConfig struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

func defaultConfig() Config {
	var c Config
	c.Database = "./data/digest.db"
	c.Listen = "127.0.0.1:8080"
	c.BaseURL = "http://127.0.0.1:8080"
	c.Log = LogConfig{Level: "info", Format: "text"}
	c.Sources.HuggingFace.Enabled = true
	c.Sources.HuggingFace.URL = "https://huggingface.co/api/daily_papers"
	c.Sources.Arxiv.Enabled = true
	c.Sources.Arxiv.URL = "https://export.arxiv.org/api/query"
	c.Sources.Arxiv.Categories = []string{"cs.CL", "cs.LG", "cs.AI"}
	c.Sources.Arxiv.Interval = 3 * time.Second
	c.Sources.Days = 3
	c.Sources.Timeout = 30 * time.Second
	c.Schedule.Fetch = "15 */3 * * *"
	c.Schedule.Deliver = "*/10 * * * *"
	c.Schedule.Timezone = "UTC"
	c.SMTP.Port = 587
	c.SMTP.TLS = "starttls"
	c.SMTP.From = "digestd <digestd@localhost>"
	c.SMTP.Timeout = 30 * time.Second
	c.SMTP.Concurrency = 3
	c.SMTP.RetryAttempts = 3
	c.SMTP.RetryBackoff = 2 * time.Second
	c.SMTP.HardBounceLimit = 1
	c.Digest.MaxPapers = 20
	c.Digest.Subject = digest.DefaultSubject
	c.Health.MaxFetchAge = 26 * time.Hour
	return c
}

// configSearchPath is where digestd looks for a config file when --config
// is not given; with none found it runs on the defaults.
var configSearchPath = []string{"config.yaml", "/etc/digestd/config.yaml"}

// loadConfig reads the config file (path, or the first of configSearchPath
// that exists), applies DIGESTD_* environment variables over it and checks
// the result. It returns the file used ("" for none).
func loadConfig(path string) (Config, string, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	v.SetEnvPrefix("DIGESTD")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	setDefaults(v, "", reflect.ValueOf(defaultConfig()))
	if path == "" {
		for _, p := range configSearchPath {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return Config{}, path, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := v.ReadConfig(f); err != nil {
			return Config{}, path, fmt.Errorf("config %s: %w", path, err)
		}
	}
	var c Config
	err := v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToTimeDurationHookFunc(), mapstructure.StringToSliceHookFunc(","))))
	if err != nil {
		return Config{}, path, fmt.Errorf("config %s: %s", orDefaults(path), decodeError(err))
	}
	if err := c.validate(); err != nil {
		return Config{}, path, fmt.Errorf("config %s: %w", orDefaults(path), err)
	}
	return c, path, nil
}

func orDefaults(path string) string {
	if path == "" {
		return "(defaults and environment)"
	}
	return path
}

// setDefaults registers every key of the default config with viper, so that
// each one can also be set from its DIGESTD_* variable.
func setDefaults(v *viper.Viper, prefix string, val reflect.Value) {
	for i := range val.NumField() {
		key := prefix + val.Type().Field(i).Tag.Get("mapstructure")
		if f := val.Field(i); f.Kind() == reflect.Struct {
			setDefaults(v, key+".", f)
		} else {
			v.SetDefault(key, f.Interface())
		}
	}
}

var (
	unknownKeys = regexp.MustCompile(`'([^']*)' has invalid keys: (.*)`)
	badValue    = regexp.MustCompile(`^'([^']+)' (.*)`)
)

// decodeError turns mapstructure's report into one line per culprit key.
func decodeError(err error) string {
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if m := unknownKeys.FindStringSubmatch(line); m != nil {
			for _, k := range strings.Split(m[2], ", ") {
				if m[1] != "" {
					k = m[1] + "." + k
				}
				lines = append(lines, fmt.Sprintf("unknown key %q", k))
			}
		} else if m := badValue.FindStringSubmatch(line); m != nil {
			lines = append(lines, fmt.Sprintf("key %q: wrong type or format: %s", m[1], m[2]))
		}
	}
	if len(lines) == 0 {
		return err.Error()
	}
	return strings.Join(lines, "; ")
}

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
	errs = append(errs, c.validateDelivery()...)
	return errors.Join(errs...)
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
