package main

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/pipeline"
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
		Fetch     string        `mapstructure:"fetch"`
		Deliver   string        `mapstructure:"deliver"`
		Timezone  string        `mapstructure:"timezone"`
		PassLease time.Duration `mapstructure:"pass_lease"`
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
		// DataTimeout bounds the wait for the reply to a message's final dot.
		DataTimeout time.Duration `mapstructure:"data_timeout"`
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
	Web struct {
		TrustedProxies []string `mapstructure:"trusted_proxies"`
	} `mapstructure:"web"`
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
	c.Schedule.PassLease = pipeline.DefaultLease
	c.SMTP.Port = 587
	c.SMTP.TLS = "starttls"
	c.SMTP.From = "digestd <digestd@localhost>"
	c.SMTP.Timeout = 30 * time.Second
	c.SMTP.DataTimeout = 10 * time.Minute
	c.SMTP.Concurrency = 3
	c.SMTP.RetryAttempts = 3
	c.SMTP.RetryBackoff = 2 * time.Second
	c.SMTP.HardBounceLimit = 1
	c.Digest.MaxPapers = 20
	c.Digest.Subject = email.DefaultSubject
	c.Health.MaxFetchAge = 26 * time.Hour
	c.Web.TrustedProxies = []string{}
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
