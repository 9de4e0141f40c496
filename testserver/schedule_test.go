package testserver

import (
	"errors"
	"net/http"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const ms = time.Millisecond

func TestPlanFaults(t *testing.T) {
	cases := []struct {
		name string
		f    Faults
		want []series
	}{
		{"zero is off", Faults{Delay: Delay{Min: ms}, IgnorePings: true}, nil},
		{"close every", Faults{Close: CloseFault{Every: 100 * ms}}, []series{{kindClose, 100 * ms, 100 * ms}}},
		{"reset every", Faults{Reset: ResetFault{Every: 50 * ms, Fraction: 0.5}}, []series{{kindReset, 50 * ms, 50 * ms}}},
		{"refuse once", Faults{Refuse: RefuseFault{Status: 503, After: 10 * ms, For: 20 * ms}}, []series{{kindRefuse, 10 * ms, 0}}},
		{"refuse repeating from the start", Faults{Refuse: RefuseFault{Status: 429, For: 20 * ms, Every: 100 * ms}}, []series{{kindRefuse, 0, 100 * ms}}},
		{"refuse without For is off", Faults{Refuse: RefuseFault{Status: 503, After: 10 * ms}}, nil},
		{"refuse without Status is off", Faults{Refuse: RefuseFault{For: 10 * ms}}, nil},
		{"restart once", Faults{Restart: RestartFault{After: 200 * ms, Down: ms}}, []series{{kindRestart, 200 * ms, 0}}},
		{"restart after then every", Faults{Restart: RestartFault{After: 200 * ms, Every: time.Second}}, []series{{kindRestart, 200 * ms, time.Second}}},
		{"restart every", Faults{Restart: RestartFault{Every: time.Second}}, []series{{kindRestart, time.Second, time.Second}}},
		{"restart down only is off", Faults{Restart: RestartFault{Down: time.Second}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := planFaults(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("planFaults = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSeriesNextAfter(t *testing.T) {
	every := series{kindClose, 100 * ms, 100 * ms}
	once := series{kindRefuse, 10 * ms, 0}
	cases := []struct {
		name     string
		s        series
		n        int
		elapsed  time.Duration
		wantNext int
		wantOK   bool
	}{
		{"on time", every, 0, 100 * ms, 1, true},
		{"a little late", every, 1, 230 * ms, 2, true},
		{"missed two, skipped", every, 0, 350 * ms, 3, true},
		{"exactly on a missed one, skipped", every, 0, 200 * ms, 2, true},
		{"once has no next", once, 0, 10 * ms, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next, ok := tc.s.nextAfter(tc.n, tc.elapsed)
			if next != tc.wantNext || ok != tc.wantOK {
				t.Fatalf("nextAfter(%d, %v) = %d, %v; want %d, %v", tc.n, tc.elapsed, next, ok, tc.wantNext, tc.wantOK)
			}
			if ok && tc.s.due(next) < tc.elapsed {
				t.Fatalf("next firing %v is in the past at %v", tc.s.due(next), tc.elapsed)
			}
		})
	}
	if got := every.due(3); got != 400*ms {
		t.Fatalf("due(3) = %v, want 400ms", got)
	}
}

func TestScheduledClose(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Close: CloseFault{Every: 100 * ms, Code: 4001, Reason: "scheduled"}}})
	c := dial(t, s.URL("/echo"))
	wantCloseCode(t, readErr(t, c), 4001, "scheduled")
	if st := s.Stats(); st.FaultCloses < 1 {
		t.Fatalf("FaultCloses = %d", st.FaultCloses)
	}
}

func TestScheduledCloseDefaults(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Close: CloseFault{Every: 50 * ms}}})
	c := dial(t, s.URL("/echo"))
	wantCloseCode(t, readErr(t, c), websocket.CloseGoingAway, "")
}

func TestScheduledReset(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Reset: ResetFault{Every: 100 * ms}}})
	c := dial(t, s.URL("/echo"))
	if err := readErr(t, c); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read error = %v, want ECONNRESET", err)
	}
	if st := s.Stats(); st.FaultResets < 1 {
		t.Fatalf("FaultResets = %d", st.FaultResets)
	}
}

func TestScheduledRefuse(t *testing.T) {
	// Windows of 150ms every 300ms from the start: a slow test machine
	// misses one window, not the test.
	s := startServer(t, Config{Faults: Faults{Refuse: RefuseFault{Status: 429, For: 150 * ms, Every: 300 * ms}}})
	var refused, accepted bool
	eventually(t, "a refused and an accepted upgrade", func() bool {
		c, resp, err := testDialer.Dial(s.URL("/echo"), nil)
		switch {
		case err == nil:
			c.Close()
			accepted = true
		case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("429 without Retry-After: 1")
			}
			refused = true
		default:
			t.Fatalf("dial: err %v, response %s; want success or 429", err, status(resp))
		}
		return refused && accepted
	})
	if st := s.Stats(); st.Refused == 0 {
		t.Fatal("Refused = 0")
	}
}

func TestScheduledRestart(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Restart: RestartFault{After: 100 * ms, Down: 50 * ms}}})
	c := dial(t, s.URL("/echo"))
	wantNoCloseFrame(t, readErr(t, c))
	eventually(t, "reconnect after the scheduled restart", func() bool {
		c, _, err := testDialer.Dial(s.URL("/echo"), nil)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if st := s.Stats(); st.Restarts != 1 {
		t.Fatalf("Restarts = %d, want 1", st.Restarts)
	}
}
