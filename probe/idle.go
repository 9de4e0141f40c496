package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/ws"
)

// IdleOptions configure FindIdleTimeout. Zero fields mean the documented
// defaults; FindIdleTimeout works on its own copy and only reads what the
// fields point to.
type IdleOptions struct {
	// URL is the endpoint: ws:// or wss://.
	URL string
	// Header is sent with every opening handshake.
	Header http.Header
	// TLS configures wss:// targets; nil uses the system roots.
	TLS *tls.Config
	// Max is the longest idleness looked at: if every connection survives
	// it, there is no timeout to find. Default IdleDefaultMax (10m).
	Max time.Duration
	// Connections is how many connections each round opens at once.
	// Default IdleDefaultConnections (8).
	Connections int
	// HandshakeTimeout bounds each connection's TCP connect, TLS and
	// upgrade. Default IdleDefaultHandshakeTimeout (10s).
	HandshakeTimeout time.Duration
	// Progress, if set, gets one line per finding as it happens. It is
	// written from one goroutine at a time.
	Progress io.Writer
}

// Defaults of IdleOptions.
const (
	IdleDefaultMax              = 10 * time.Minute
	IdleDefaultConnections      = 8
	IdleDefaultHandshakeTimeout = 10 * time.Second
)

// IdleResult is what FindIdleTimeout found. Durations are idleness: the
// time since the last frame went either way.
type IdleResult struct {
	// Timeout is how long an idle connection survived: the middle of
	// [Lower, Upper]. It is 0 when none ended within Max.
	Timeout time.Duration
	// Lower and Upper bracket the timeout (Upper-Lower <= 2s once found).
	// With NoTimeout, Lower is the longest idleness seen survived and
	// Upper is 0.
	Lower, Upper time.Duration
	// How says how idle connections ended: "close frame 1001 (going
	// away)", "TCP FIN without a close frame", "TCP reset", or, for a
	// peer that drops them silently, "silent: no answer to a ping after
	// 3.2s idle".
	How string
	// NoTimeout is true when every connection survived Max.
	NoTimeout bool
	// HeartbeatConfirmed is true when a connection pinging every
	// HeartbeatInterval stayed open, answering its last ping, for longer
	// than Timeout plus a margin.
	HeartbeatConfirmed bool
	// HeartbeatInterval is the ping interval advised and tried:
	// Timeout minus a margin of max(1s, Timeout/4).
	HeartbeatInterval time.Duration
	// Advice is one line saying what a client should do.
	Advice string
}

const (
	idleBracket     = 2 * time.Second        // the bracket width aimed at
	idleGrace       = time.Second            // how long after the first idle end the others may follow
	idleMaxRounds   = 8                      // bounds the refinement when pings are lost at random
	idleMinPongWait = time.Second            // least time a ping is given for its pong
	idleCloseWait   = 250 * time.Millisecond // how long a closing connection waits for the close reply
	idleHoldExtra   = 2 * time.Second        // the heartbeat connection outlives Upper by at least this
	idleMinInterval = 50 * time.Millisecond  // the heartbeat never pings faster
)

// FindIdleTimeout finds how long a connection to o.URL may stay idle before
// something on the way (a load balancer, a reverse proxy, a NAT) or the
// server ends it, to within a second either way, and whether a heartbeat
// keeps it open.
//
// A round opens o.Connections connections at once; each stays idle for an
// age of its own, spread over [0, Max], then pings. A peer that closes idle
// connections (nginx closes both sides after proxy_read_timeout) ends the
// connections still idle at the timeout, which gives it directly, so the
// search takes about the timeout itself. A peer that forgets connections
// silently shows up as pings without a pong: the first unanswered age and
// the last answered one bracket the timeout, and further rounds spread
// their ages over the bracket until it is at most 2s wide. Finally one
// connection pings every Timeout minus a margin for longer than the
// timeout, to confirm the advice.
//
// It closes every connection it opens and returns once all of its
// goroutines have ended. When ctx ends first (Ctrl-C) it returns ctx's
// error, with the timeout if it was found before the confirmation was cut
// short. Invalid options are reported all at once, before any connection
// opens; a round in which no connection opens is an error too.
func FindIdleTimeout(ctx context.Context, o IdleOptions) (IdleResult, error) {
	o, err := o.idleValidated()
	if err != nil {
		return IdleResult{}, err
	}
	f := &idleFinder{o: o, d: ws.NewDialer(ws.Options{Header: o.Header, TLS: o.TLS, HandshakeTimeout: o.HandshakeTimeout})}
	return f.run(ctx)
}

// idleValidated returns o with its defaults filled, or every problem.
func (o IdleOptions) idleValidated() (IdleOptions, error) {
	var errs []error
	if u, err := url.Parse(o.URL); err != nil {
		errs = append(errs, fmt.Errorf("idle timeout: URL: %w", err))
	} else if (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		errs = append(errs, fmt.Errorf("idle timeout: URL %q: want ws://HOST/PATH or wss://HOST/PATH", o.URL))
	}
	if o.Max < 0 {
		errs = append(errs, fmt.Errorf("idle timeout: Max %v is negative", o.Max))
	}
	if o.Connections < 0 {
		errs = append(errs, fmt.Errorf("idle timeout: Connections %d is negative", o.Connections))
	}
	if o.HandshakeTimeout < 0 {
		errs = append(errs, fmt.Errorf("idle timeout: HandshakeTimeout %v is negative", o.HandshakeTimeout))
	}
	if o.Max == 0 {
		o.Max = IdleDefaultMax
	}
	if o.Connections == 0 {
		o.Connections = IdleDefaultConnections
	}
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = IdleDefaultHandshakeTimeout
	}
	return o, errors.Join(errs...)
}

// idleFinder runs one search. Only its run goroutine touches it.
type idleFinder struct {
	o IdleOptions
	d transport.Dialer
}

func (f *idleFinder) progressf(format string, args ...any) {
	if f.o.Progress != nil {
		_, _ = fmt.Fprintf(f.o.Progress, format+"\n", args...)
	}
}

func (f *idleFinder) run(ctx context.Context) (IdleResult, error) {
	var res IdleResult
	pings := idleFirstGrid(f.o.Max, f.o.Connections)
	var lo, hi time.Duration // the silent bracket (lo, hi]; hi == 0 until a ping goes unanswered
	var how string
	for round := 1; ; round++ {
		f.progressf("round %d: %d idle connections to %s, pinging after %s", round, len(pings), f.o.URL, idleList(pings))
		rr, err := f.round(ctx, pings)
		if err != nil {
			return res, err
		}
		if rr.opened == 0 {
			return res, fmt.Errorf("idle timeout: no connection to %s opened: %w", f.o.URL, rr.dialErr)
		}
		if len(rr.ends) > 0 { // the peer ends idle connections itself: the ages are the answer
			res.Lower, res.Upper, res.How = rr.ends[0].lo, rr.ends[0].hi, rr.ends[0].how
			for _, e := range rr.ends[1:] {
				res.Lower, res.Upper = min(res.Lower, e.lo), max(res.Upper, e.hi)
			}
			break
		}
		lo = max(lo, rr.alive)
		if rr.dead > 0 && (hi == 0 || rr.dead < hi) {
			hi, how = rr.dead, rr.deadHow
		}
		if hi == 0 { // every ping answered, the last ones after Max
			res.NoTimeout, res.Lower = true, lo
			res.Advice = fmt.Sprintf("no idle timeout within %s: connections idle that long stayed open (raise the maximum to look further)", idleFmt(f.o.Max))
			f.progressf("%s", res.Advice)
			return res, nil
		}
		lo = min(lo, hi)
		if hi-lo <= idleBracket || round == idleMaxRounds {
			res.Lower, res.Upper, res.How = lo, hi, how
			break
		}
		f.progressf("round %d: the timeout is between %s and %s idle; narrowing it", round, idleFmt(lo), idleFmt(hi))
		pings = idleGrid(lo, hi, f.o.Connections)
	}
	res.Timeout = res.Lower + (res.Upper-res.Lower)/2
	f.progressf("idle timeout %s: %s", idleFmtBracket(res), res.How)

	interval, hold := idleHeartbeatPlan(res)
	res.HeartbeatInterval = interval
	f.progressf("confirming: one connection pinging every %s for %s", idleFmt(res.HeartbeatInterval), idleFmt(hold))
	failure, err := f.heartbeat(ctx, res.HeartbeatInterval, hold)
	if err != nil {
		return res, err
	}
	res.HeartbeatConfirmed = failure == ""
	if res.HeartbeatConfirmed {
		res.Advice = fmt.Sprintf("send a heartbeat at least every %s (the idle timeout is %s)", idleFmt(res.HeartbeatInterval), idleFmtBracket(res))
	} else {
		res.Advice = fmt.Sprintf("a ping every %s did not keep the connection open (%s): something besides idleness ends connections, such as a limit on their lifetime; idle ones lasted %s",
			idleFmt(res.HeartbeatInterval), failure, idleFmtBracket(res))
	}
	f.progressf("%s", res.Advice)
	return res, nil
}

// idleHeartbeatPlan returns the advised ping interval, Timeout minus a
// margin of max(1s, Timeout/4) but at least Timeout/2, and how long the
// heartbeat connection must stay open to confirm it.
func idleHeartbeatPlan(r IdleResult) (interval, hold time.Duration) {
	margin := max(time.Second, r.Timeout/4)
	interval = max(r.Timeout-margin, r.Timeout/2)
	if interval >= time.Second {
		interval = interval.Truncate(100 * time.Millisecond) // so that idleFmt shows it exactly
	} else {
		interval = interval.Truncate(time.Millisecond)
	}
	return max(interval, idleMinInterval), r.Upper + max(margin, idleHoldExtra)
}

// idleFirstGrid returns the idle ages of the first round's n connections:
// a quarter of them (at least one) wait the whole limit, the others are
// spread evenly below it.
func idleFirstGrid(limit time.Duration, n int) []time.Duration {
	watchers := (n + 3) / 4
	pings := idleGrid(0, limit, n-watchers)
	for range watchers {
		pings = append(pings, limit)
	}
	return pings
}

// idleGrid returns n ages spread evenly inside (lo, hi), to the millisecond.
func idleGrid(lo, hi time.Duration, n int) []time.Duration {
	pings := make([]time.Duration, n)
	for k := range pings {
		pings[k] = (lo + (hi-lo)*time.Duration(k+1)/time.Duration(n+1)).Truncate(time.Millisecond)
	}
	return pings
}

// idleKind is what an idleReport says.
type idleKind int

const (
	idleDialFailed idleKind = iota // the connection did not open
	idleEnded                      // it ended on its own while idle, after lo..hi of idleness
	idleAnswered                   // its ping after lo of idleness got a pong
	idleUnanswered                 // its ping after up to hi of idleness got no pong, or ended it
)

// idleReport is the one finding a probe connection sends its round.
type idleReport struct {
	id     int
	kind   idleKind
	lo, hi time.Duration // ended: idleness in [lo, hi]; answered: lo; unanswered: hi
	how    string
	err    error
}

// idleRoundResult sums up one round's reports.
type idleRoundResult struct {
	opened  int
	dialErr error        // the first dial error
	ends    []idleReport // idleEnded reports
	alive   time.Duration
	dead    time.Duration // the smallest unanswered age, 0 for none
	deadHow string
}

// add records r.
func (rr *idleRoundResult) add(r idleReport) {
	switch r.kind {
	case idleDialFailed:
		if rr.dialErr == nil {
			rr.dialErr = r.err
		}
		return
	case idleEnded:
		rr.ends = append(rr.ends, r)
	case idleAnswered:
		rr.alive = max(rr.alive, r.lo)
	case idleUnanswered:
		if rr.dead == 0 || r.hi < rr.dead {
			rr.dead, rr.deadHow = r.hi, r.how
		}
	}
	rr.opened++
}

// idleSettled reports whether a round has found what it can, given which
// connections have reported (resolved). When connections end on their own,
// the first after an idleness of a, it waits for the others still idle at
// a, which end at about the same time (those that pinged earlier were
// reset and will not). Otherwise, once a ping has gone unanswered, it
// waits for the connections due to ping earlier.
func idleSettled(pings []time.Duration, resolved []bool, rr *idleRoundResult) bool {
	for i, g := range pings {
		switch {
		case resolved[i]:
		case len(rr.ends) > 0:
			if g > rr.ends[0].lo {
				return false
			}
		case rr.dead == 0 || g < rr.dead:
			return false
		}
	}
	return true
}

// round runs one connection per age in pings and returns when they have
// all reported, when the round has settled (see idleSettled), or at the
// latest idleGrace after the first connection ended on its own. Every
// connection is closed and every goroutine has ended when it returns.
func (f *idleFinder) round(ctx context.Context, pings []time.Duration) (idleRoundResult, error) {
	rctx, cancel := context.WithCancel(ctx)
	reports := make(chan idleReport)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i, g := range pings {
		wg.Go(func() { f.probe(rctx, i, g, reports) })
	}
	var rr idleRoundResult
	resolved := make([]bool, len(pings))
	var grace <-chan time.Time
	for pending := len(pings); pending > 0; pending-- {
		select {
		case <-ctx.Done():
			return rr, ctx.Err()
		case <-grace:
			return rr, nil
		case r := <-reports:
			rr.add(r)
			resolved[r.id] = true
			f.progressf("  connection %d: %s", r.id+1, idleDescribe(r))
			if r.kind == idleEnded && grace == nil {
				grace = time.After(idleGrace)
			}
			if idleSettled(pings, resolved, &rr) {
				return rr, nil
			}
		}
	}
	return rr, nil
}

// idleDescribe is a report's progress line.
func idleDescribe(r idleReport) string {
	switch r.kind {
	case idleDialFailed:
		return "did not open: " + r.err.Error()
	case idleEnded:
		return fmt.Sprintf("ended after %s idle: %s", idleFmt(r.lo), r.how)
	case idleAnswered:
		return fmt.Sprintf("answered a ping after %s idle", idleFmt(r.lo))
	}
	return r.how
}
