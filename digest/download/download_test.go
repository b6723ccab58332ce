package download

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// reply is one scripted response of a test server.
type reply struct {
	status     int
	retryAfter string
	body       string
}

// script serves replies in order, repeating the last, and counts requests.
func script(t *testing.T, replies ...reply) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		rep := replies[min(i, len(replies)-1)]
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		w.Write([]byte(rep.body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// fastClient retries without the production waits.
func fastClient() *Client {
	c := New("test")
	c.BackoffBase = time.Millisecond
	c.HTTP.Timeout = 5 * time.Second
	return c
}

func TestGet(t *testing.T) {
	tests := []struct {
		name         string
		replies      []reply
		maxBody      int64
		wantRequests int32
		wantStatus   int
		wantBody     string
		wantErr      string
	}{
		{"ok", []reply{{200, "", "hello"}}, 0, 1, 200, "hello", ""},
		{"500 then success", []reply{{500, "", "oops"}, {200, "", "hello"}}, 0, 2, 200, "hello", ""},
		{"429 without retry-after backs off", []reply{{429, "", ""}, {200, "", "hello"}}, 0, 2, 200, "hello", ""},
		{"503 until attempts run out", []reply{{503, "", "down"}}, 0, 4, 503, "down",
			"503 Service Unavailable: giving up after 4 attempts"},
		{"retry-after over the cap", []reply{{429, "3600", "slow down"}}, 0, 1, 429, "slow down",
			"429 Too Many Requests: retry-after 1h0m0s exceeds the 5m0s cap, giving up"},
		{"404 is final", []reply{{404, "", "no such day"}}, 0, 1, 404, "no such day", "404 Not Found"},
		{"400 is final with its body", []reply{{400, "", "<feed/>"}}, 0, 1, 400, "<feed/>", "400 Bad Request"},
		{"body over the limit", []reply{{200, "", "0123456789"}}, 8, 1, 200, "", "response body too large: limit 8 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := script(t, tt.replies...)
			c := fastClient()
			if tt.maxBody > 0 {
				c.MaxBodyBytes = tt.maxBody
			}
			body, status, err := c.Get(t.Context(), srv.URL+"/x")
			if got := n.Load(); got != tt.wantRequests {
				t.Errorf("requests: got %d, want %d", got, tt.wantRequests)
			}
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), srv.URL+"/x"):
				t.Errorf("got error %v, want it to name the URL", err)
			}
		})
	}
}

func TestGetSendsUserAgent(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("User-Agent")
	}))
	defer srv.Close()
	if _, _, err := New("1.2.3").Get(t.Context(), srv.URL); err != nil {
		t.Fatal(err)
	}
	if want := "digestd/1.2.3 (+https://github.com/digestd/digestd)"; got != want {
		t.Errorf("got User-Agent %q, want %q", got, want)
	}
}

func TestGetRedactsPassword(t *testing.T) {
	srv, _ := script(t, reply{status: 404})
	_, _, err := fastClient().Get(t.Context(), strings.Replace(srv.URL, "://", "://user:secret@", 1))
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "user:xxxxx@") {
		t.Errorf("got error %v, want the URL with its password redacted", err)
	}
	var serr *StatusError
	if !errors.As(err, &serr) || serr.Status != 404 {
		t.Errorf("got %#v, want a *StatusError with status 404", err)
	}
}

func TestGetHonoursRetryAfter(t *testing.T) {
	// With a 1 ms backoff, only honouring "Retry-After: 1" keeps the second
	// request from arriving before a 300 ms deadline.
	srv, n := script(t, reply{429, "1", ""}, reply{200, "", "hello"})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, _, err := fastClient().Get(ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || n.Load() != 1 {
		t.Fatalf("got %v after %d requests, want a deadline error after 1", err, n.Load())
	}

	srv, n = script(t, reply{429, "1", ""}, reply{200, "", "hello"})
	body, _, err := fastClient().Get(t.Context(), srv.URL)
	if err != nil || string(body) != "hello" || n.Load() != 2 {
		t.Errorf("got %q, %v after %d requests, want \"hello\" after 2", body, err, n.Load())
	}
}

func TestGetCancelStopsWaiting(t *testing.T) {
	srv, n := script(t, reply{503, "60", ""})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := fastClient().Get(ctx, srv.URL)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if waited := time.Since(start); waited > 30*time.Second || n.Load() != 1 {
		t.Errorf("got %d requests in %v, want 1 and no 60 s wait", n.Load(), waited)
	}
}

func TestGetTimeout(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := fastClient()
	c.HTTP.Timeout = 50 * time.Millisecond
	c.MaxAttempts = 2
	_, _, err := c.Get(t.Context(), srv.URL)
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Errorf("got %v, want a timeout", err)
	}
	if err == nil || !strings.Contains(err.Error(), "giving up after 2 attempts") || n.Load() != 2 {
		t.Errorf("got %v after %d requests, want giving up after 2", err, n.Load())
	}
}

func TestMinIntervalSerialises(t *testing.T) {
	var (
		mu             sync.Mutex
		inFlight, most int
		n              atomic.Int32
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	defer srv.Close()
	c := fastClient()
	c.MinInterval = 5 * time.Millisecond
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, _, err := c.Get(t.Context(), srv.URL); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n.Load() != 5 || most != 1 {
		t.Errorf("got %d requests with at most %d in flight, want 5 with 1", n.Load(), most)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 7, 13, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", "2", 2 * time.Second, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"absent", "", 0, false},
		{"negative", "-1", 0, false},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.header, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
