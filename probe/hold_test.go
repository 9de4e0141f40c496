package probe_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/probe"
	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/testserver"
)

// holding returns options that hold a connection for up to d, with a
// fast heartbeat, and call fault once the hold has started.
func holding(url string, d time.Duration, fault func()) probe.Options {
	o := quick(url)
	o.Hold = d
	o.PingInterval = 50 * time.Millisecond
	o.PingTimeout = 300 * time.Millisecond
	o.OnEvent = func(e probe.Event) {
		if e.Kind == probe.KindHold && fault != nil {
			fault()
		}
	}
	return o
}

func TestHoldEndsWithACloseFrame(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	for _, tt := range []struct {
		code   int
		reason string
	}{
		{1001, "going away for a deploy"},
		{1008, "policy"},
		{1009, "message too big"},
		{1011, "boom"},
		{4401, "token expired"},
	} {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			start := time.Now()
			res, text := run(t, holding(srv.URL("/echo"), time.Minute, func() { srv.CloseFraction(1, tt.code, tt.reason) }))
			e := res.End
			if e == nil || e.How != probe.EndServerClose || e.Code != tt.code || e.Reason != tt.reason {
				t.Fatalf("end %+v", e)
			}
			meaning := report.CloseCodeMeaning(tt.code)
			if e.Meaning != meaning || time.Since(start) > 10*time.Second {
				t.Errorf("meaning %q, want %q; took %v", e.Meaning, meaning, time.Since(start))
			}
			if e.SinceReceived == nil || e.SinceSent == nil || e.AfterOpen <= 0 || e.At <= e.AfterOpen {
				t.Errorf("times: %+v", e)
			}
			wantLines(t, text,
				"holding the connection for 1m: heartbeat ping every 50ms, pong timeout 300ms",
				"ended: closed by the server with "+strconv.Itoa(tt.code)+": "+meaning+`; reason "`+tt.reason+`"`,
				"after ", " open (at +", "last frame received ", " before the end, last sent ",
				"ended: server_close "+strconv.Itoa(tt.code)+" after ")
		})
	}
}

func TestHoldEndsWithAReset(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	res, text := run(t, holding(srv.URL("/echo"), time.Minute, func() { srv.ResetFraction(1) }))
	if res.End == nil || res.End.How != probe.EndReset || res.End.Code != 0 {
		t.Fatalf("end %+v", res.End)
	}
	wantLines(t, text, "ended: TCP reset by the peer", "meaning: the TCP connection was reset (RST)")
}

func TestHoldEndsWithoutACloseFrame(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	o := holding(srv.URL("/echo"), time.Minute, nil)
	o.Pings, o.PingInterval = -1, -1 // nothing unread on the server's side, so it closes with a FIN
	var wg sync.WaitGroup
	defer wg.Wait()
	o.OnEvent = func(e probe.Event) {
		if e.Kind == probe.KindHold {
			wg.Add(1)
			go func() { defer wg.Done(); srv.Close() }()
		}
	}
	res, text := run(t, o)
	if res.End == nil || res.End.How != probe.EndEOF {
		t.Fatalf("end %+v", res.End)
	}
	wantLines(t, text, "holding the connection for 1m: no heartbeat", "ended: ended without a close frame (EOF)", "meaning: the connection ended without a close frame (1006)")
}

func TestHeartbeatFindsSilentDeath(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	srv.SetIgnorePings(true)
	o := holding(srv.URL("/echo"), time.Minute, nil)
	o.Pings = 1
	start := time.Now()
	res, text := run(t, o)
	if res.End == nil || res.End.How != probe.EndHeartbeat {
		t.Fatalf("end %+v", res.End)
	}
	if res.Pings[0].RTT != nil || time.Since(start) > 5*time.Second {
		t.Errorf("pings %+v; took %v", res.Pings, time.Since(start))
	}
	wantLines(t, text,
		"ping 1: no pong within 300ms",
		"the server answered none of 1 pings", "heartbeat with an application message",
		"heartbeat 1: no pong within 300ms of the ping sent at +",
		"ended: silent death, found by the heartbeat; connection dropped",
		"meaning: no pong within the timeout: the connection was silently dead")
	if since := res.End.SinceSent; since == nil || *since < probe.Duration(300*time.Millisecond) {
		t.Errorf("the heartbeat ping was the last frame sent, at least 300ms before the end; got %v", since)
	}
}

func TestHoldOutlastedIsClosedNormally(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	res, text := run(t, holding(srv.URL("/echo"), 300*time.Millisecond, nil))
	if res.End == nil || res.End.How != probe.EndHeld || res.End.Code != 1000 {
		t.Fatalf("end %+v", res.End)
	}
	wantLines(t, text, "heartbeat 1: pong in ", "heartbeat 2: pong in ",
		"ended: still open after the 300ms hold; closed normally (1000), the server answered 1000 in ")
	if res.End.AfterOpen < probe.Duration(300*time.Millisecond) {
		t.Errorf("ended %v after open, before the hold was over", res.End.AfterOpen)
	}
}

func TestCancelEndsTheHold(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := holding(srv.URL("/echo"), time.Hour, cancel)
	start := time.Now()
	res, text := runCtx(t, ctx, o)
	if !res.Opened || res.End == nil || res.End.How != probe.EndInterrupted || time.Since(start) > 5*time.Second {
		t.Fatalf("end %+v after %v", res.End, time.Since(start))
	}
	wantLines(t, text, "ended: interrupted; closed normally (1000), the server answered 1000")
	if strings.Count(text, "ended:") != 2 { // the line and the summary
		t.Errorf("the ending is reported %d times", strings.Count(text, "ended:"))
	}
}
