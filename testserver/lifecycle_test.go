package testserver

import (
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestCloseIsIdempotentAndLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	s := New(Config{
		Faults: Faults{
			Delay: Delay{Min: 200 * time.Millisecond, Max: 300 * time.Millisecond}, // writers sleeping at Close
			Close: CloseFault{Every: time.Hour},                                    // a schedule goroutine
		},
		Logf: t.Logf,
	})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("second Start succeeded")
	}
	for _, path := range []string{"/echo", "/json", "/broadcast", "/broadcast"} {
		c := dial(t, s.URL(path))
		writeText(t, c, `{"id":1}`)
	}
	eventually(t, "messages in", func() bool { return s.Stats().MessagesIn == 4 })

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Close() }()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
	if st := s.Stats(); st.Open != 0 {
		t.Fatalf("Open = %d after Close", st.Open)
	}
	if err := s.Restart(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Restart after Close = %v", err)
	}
	if err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v", err)
	}
	if _, _, err := testDialer.Dial(s.URL("/echo"), nil); err == nil {
		t.Fatal("dial succeeded after Close")
	}
}

func TestCloseWithoutStart(t *testing.T) {
	s := New(Config{})
	if s.Addr() != "" {
		t.Fatalf("Addr before Start = %q", s.Addr())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestURL(t *testing.T) {
	s := New(Config{})
	defer s.Close()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "ws://127.0.0.1:8080/echo",
		"[::]:8080":      "ws://127.0.0.1:8080/echo",
		"0.0.0.0:8080":   "ws://127.0.0.1:8080/echo",
		"[::1]:8080":     "ws://[::1]:8080/echo",
	} {
		s.mu.Lock()
		s.addr = addr
		s.mu.Unlock()
		if got := s.URL("echo"); got != want {
			t.Errorf("URL with Addr %s = %s, want %s", addr, got, want)
		}
	}
}
