package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/testserver"
)

type serveFlags struct {
	addr        string
	delay       string
	ignorePings bool
	close       testserver.CloseFault
	reset       testserver.ResetFault
	refuse      testserver.RefuseFault
	restart     testserver.RestartFault
	socketIO    testserver.SocketIO
	wsPing      struct{ interval, timeout time.Duration }
	broadcast   testserver.Broadcast
	workers     int
	reusePort   bool
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded WebSocket (and Socket.IO) test server, with optional fault injection",
		Long: `Run the test server that target embedded starts in-process, so that load
and server run in separate processes, or to try a client against faults.

Endpoints: /echo (and /) echo every message; /json replies to a JSON object
with {"id":<its id>,"type":"reply","ts":...,"size":...}; /broadcast sends
every message to every connected client; GET /stats returns counters and
per-client sequence checks as JSON.

With --socketio it also serves Socket.IO (Engine.IO v4, Socket.IO v5;
websocket, polling and upgrade) at /socket.io/: namespaces / and /chat
with the events echo (acknowledged with its arguments), echo-event,
broadcast, join, to-room, xor, push and kick, and /admin, which refuses
a CONNECT unless auth is {"token":"secret"}. The faults apply to it too:
close = kick ("io server disconnect"), reset = drop the transport,
ignore-pings = stop sending pings ("ping timeout"), refuse = refuse the
handshake, restart.

With --workers N, N processes share the port (SO_REUSEPORT) and the kernel
spreads new connections over them: one process may hold only as many
connections as its open-file limit allows. Each applies the faults to its
own connections, and GET /stats answers for the process that accepts it.

Faults: close or reset a fraction of connections periodically, stop
answering pings, delay replies, refuse upgrades with an HTTP status for a
period, or restart (drop everything, listener down for a while).

For clients that come and go (mobile network flaps, apps in the
background): --ws-ping-interval makes the server ping every WebSocket
connection and abort (TCP RST) one that has not answered within
--ws-ping-timeout, the way a server finds dead peers (Socket.IO sessions
use --ping-interval and --ping-timeout). --broadcast-every makes it send
every WebSocket connection {"sender":"server","seq":N,"sent_at":<unix ms>}
and emit --broadcast-event with that object to every Socket.IO socket of
"/", N = 1, 2, 3, ... for the whole server, so a client can count what it
missed while away. /stats counts pings_sent, ping_timeouts,
broadcast_seq and broadcasts_out.`,
		Example: `  # A plain echo server
  wsbench serve --addr 127.0.0.1:8080

  # Replies 10-30 ms late; every 10 s, 5% of connections closed with 1001
  wsbench serve --delay 10ms-30ms --close-every 10s --close-fraction 0.05 --close-code 1001

  # Refuse upgrades with 503 for 5 s after 20 s; restart every minute, down 2 s
  wsbench serve --refuse-status 503 --refuse-after 20s --refuse-for 5s --restart-every 1m --restart-down 2s

  # 100,000 connections need more than one process's 20,000 open files
  wsbench serve --addr 127.0.0.1:8080 --workers 6

  # Socket.IO too, pinging every 5 s; kick 10% of sockets every 30 s
  wsbench serve --socketio --ping-interval 5s --close-every 30s

  # Drop WebSocket clients silent for 10+5 s; a numbered tick to everyone every 100 ms
  wsbench serve --socketio --ws-ping-interval 10s --ws-ping-timeout 5s --broadcast-every 100ms --broadcast-event tick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd, f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fl.StringVar(&f.delay, "delay", "", "delay every reply: a duration (20ms) or a uniform range (10ms-50ms)")
	fl.BoolVar(&f.ignorePings, "ignore-pings", false, "stop answering ping frames (clients' heartbeats time out)")
	fl.DurationVar(&f.close.Every, "close-every", 0, "close a fraction of connections with a close frame this often")
	fl.Float64Var(&f.close.Fraction, "close-fraction", 0.1, "share of open connections closed each time (0-1]")
	fl.IntVar(&f.close.Code, "close-code", 1001, "close code sent (1000-4999)")
	fl.StringVar(&f.close.Reason, "close-reason", "fault injection", "close reason sent")
	fl.DurationVar(&f.reset.Every, "reset-every", 0, "abort a fraction of connections with a TCP reset, no close frame, this often")
	fl.Float64Var(&f.reset.Fraction, "reset-fraction", 0.1, "share of open connections reset each time (0-1]")
	fl.IntVar(&f.refuse.Status, "refuse-status", 0, "answer upgrades with this HTTP status (e.g. 503) during the refuse period")
	fl.DurationVar(&f.refuse.After, "refuse-after", 0, "start refusing this long after the server starts")
	fl.DurationVar(&f.refuse.For, "refuse-for", 0, "refuse for this long")
	fl.DurationVar(&f.refuse.Every, "refuse-every", 0, "repeat the refuse period this often (0 = once)")
	fl.DurationVar(&f.restart.After, "restart-after", 0, "first restart this long after the start")
	fl.DurationVar(&f.restart.Every, "restart-every", 0, "restart this often")
	fl.DurationVar(&f.restart.Down, "restart-down", time.Second, "how long the listener stays down at a restart")
	fl.IntVar(&f.workers, "workers", 1, "serve from N processes sharing the port (SO_REUSEPORT), past one process's open-file limit; each applies the faults to its own connections")
	fl.BoolVar(&f.reusePort, "reuse-port", false, "listen with SO_REUSEPORT (what each --workers process does)")
	fl.BoolVar(&f.socketIO.Enabled, "socketio", false, "also serve Socket.IO at --socketio-path")
	fl.StringVar(&f.socketIO.Path, "socketio-path", "/socket.io/", "the Engine.IO path")
	fl.DurationVar(&f.socketIO.PingInterval, "ping-interval", 25*time.Second, "Socket.IO: how often the server pings (pingInterval)")
	fl.DurationVar(&f.socketIO.PingTimeout, "ping-timeout", 20*time.Second, "Socket.IO: how long the server waits for a pong (pingTimeout)")
	fl.DurationVar(&f.wsPing.interval, "ws-ping-interval", 0, "WebSocket: ping every connection this often (0 = never); see --ws-ping-timeout")
	fl.DurationVar(&f.wsPing.timeout, "ws-ping-timeout", 0, "WebSocket: abort (TCP RST) a connection whose pong is this late (0 = --ws-ping-interval)")
	fl.DurationVar(&f.broadcast.Every, "broadcast-every", 0, `send every connection and Socket.IO socket of "/" a numbered {"sender":"server","seq":N,"sent_at":ms} this often (0 = never)`)
	fl.StringVar(&f.broadcast.Event, "broadcast-event", testserver.DefaultBroadcastEvent, "Socket.IO event name of --broadcast-every")
	return c
}

func serve(cmd *cobra.Command, f serveFlags) error {
	faults, err := f.faults()
	if err != nil {
		return usageErr(err)
	}
	if f.socketIO.PingInterval <= 0 || f.socketIO.PingTimeout <= 0 {
		return usageErr(errors.New("--ping-interval and --ping-timeout must be positive, e.g. 25s and 20s"))
	}
	if !strings.HasPrefix(f.socketIO.Path, "/") {
		return usageErr(errors.New("--socketio-path must start with /, e.g. /socket.io/"))
	}
	if f.workers < 1 {
		return usageErr(errors.New("--workers must be 1 or more"))
	}
	if err := f.checkHeartbeatAndBroadcast(); err != nil {
		return usageErr(err)
	}
	tuneGC()
	srv := testserver.New(testserver.Config{
		Faults:       faults,
		SocketIO:     f.socketIO,
		PingInterval: f.wsPing.interval,
		PingTimeout:  f.wsPing.timeout,
		Broadcast:    f.broadcast,
		ReusePort:    f.reusePort || f.workers > 1,
	})
	if err := srv.Start(f.addr); err != nil {
		return runErr(fmt.Errorf("listen on %s: %w (is another server using the port? try --addr 127.0.0.1:0)", f.addr, err))
	}
	defer srv.Close()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "wsbench test server listening on %s\n", srv.Addr())
	workers, err := startServeWorkers(srv.Addr(), f.workers)
	if err != nil {
		return runErr(err)
	}
	defer stopServeWorkers(workers)
	for i, w := range workers {
		fmt.Fprintf(out, "  worker %d pid %d shares the port (SO_REUSEPORT)\n", i+2, w.Process.Pid)
	}
	for _, p := range []string{"/echo", "/json", "/broadcast"} {
		fmt.Fprintf(out, "  %s\n", srv.URL(p))
	}
	if f.socketIO.Enabled {
		fmt.Fprintf(out, "  http://%s%s (Socket.IO: target http://%s, namespaces /, /chat, /admin)\n", srv.Addr(), f.socketIO.Path, srv.Addr())
	}
	if f.wsPing.interval > 0 {
		timeout := f.wsPing.timeout
		if timeout == 0 {
			timeout = f.wsPing.interval
		}
		fmt.Fprintf(out, "  WebSocket pings every %v; no pong within %v aborts the connection\n", f.wsPing.interval, timeout)
	}
	if f.broadcast.Every > 0 {
		fmt.Fprintf(out, "  numbered broadcast every %v (Socket.IO event %q to /)\n", f.broadcast.Every, f.broadcast.Event)
	}
	fmt.Fprintf(out, "  http://%s/stats\nPress Ctrl-C to stop.\n", srv.Addr())

	ctx, stop := gracefulSignals(cmd.ErrOrStderr())
	defer stop()
	<-ctx.Done()
	st, _ := json.MarshalIndent(srv.Stats(), "", "  ")
	fmt.Fprintf(out, "final stats: %s\n", st)
	return nil
}

// checkHeartbeatAndBroadcast reports the first problem with the
// --ws-ping-* and --broadcast-* flags.
func (f serveFlags) checkHeartbeatAndBroadcast() error {
	switch {
	case f.wsPing.interval < 0 || f.wsPing.timeout < 0:
		return errors.New("--ws-ping-interval and --ws-ping-timeout must not be negative, e.g. 10s and 5s")
	case f.wsPing.timeout > 0 && f.wsPing.interval == 0:
		return errors.New("--ws-ping-timeout needs --ws-ping-interval, how often to ping (e.g. 10s)")
	case f.broadcast.Every < 0:
		return errors.New("--broadcast-every must not be negative, e.g. 100ms")
	case f.broadcast.Event == "":
		return errors.New("--broadcast-event must not be empty, e.g. tick")
	case f.broadcast.Event != testserver.DefaultBroadcastEvent && f.broadcast.Every == 0:
		return errors.New("--broadcast-event needs --broadcast-every, how often to send (e.g. 100ms)")
	}
	return nil
}

func (f serveFlags) faults() (testserver.Faults, error) {
	fs := testserver.Faults{IgnorePings: f.ignorePings}
	if f.delay != "" {
		lo, hi, ok := strings.Cut(f.delay, "-")
		min, err := time.ParseDuration(lo)
		if err != nil {
			return fs, fmt.Errorf("--delay %q: write a duration like 20ms or a range like 10ms-50ms", f.delay)
		}
		max := min
		if ok {
			if max, err = time.ParseDuration(hi); err != nil || max < min {
				return fs, fmt.Errorf("--delay %q: the range must be MIN-MAX with MIN <= MAX, like 10ms-50ms", f.delay)
			}
		}
		fs.Delay = testserver.Delay{Min: min, Max: max}
	}
	if f.close.Every > 0 {
		if f.close.Fraction <= 0 || f.close.Fraction > 1 {
			return fs, errors.New("--close-fraction must be in (0, 1]")
		}
		if c := f.close.Code; c < 1000 || c > 4999 || (c >= 1004 && c <= 1006) || (c >= 1015 && c <= 2999) {
			return fs, errors.New("--close-code must be one a close frame may carry: 1000-1003, 1007-1014 or 3000-4999")
		}
		fs.Close = f.close
	}
	if f.reset.Every > 0 {
		if f.reset.Fraction <= 0 || f.reset.Fraction > 1 {
			return fs, errors.New("--reset-fraction must be in (0, 1]")
		}
		fs.Reset = f.reset
	}
	if f.refuse.Status != 0 {
		if f.refuse.Status < 400 || f.refuse.Status > 599 {
			return fs, errors.New("--refuse-status must be an HTTP error status from 400 to 599")
		}
		if f.refuse.For <= 0 {
			return fs, errors.New("--refuse-status needs --refuse-for, how long to refuse (e.g. 10s)")
		}
		if f.refuse.Every > 0 && f.refuse.Every <= f.refuse.For {
			return fs, errors.New("--refuse-every must be longer than --refuse-for, or the server refuses for good")
		}
		fs.Refuse = f.refuse
	} else if f.refuse.For > 0 || f.refuse.After > 0 || f.refuse.Every > 0 {
		return fs, errors.New("--refuse-after, --refuse-for and --refuse-every need --refuse-status (e.g. 503)")
	}
	if f.restart.After > 0 || f.restart.Every > 0 {
		if f.restart.Down <= 0 {
			return fs, errors.New("--restart-down must be positive")
		}
		if f.restart.Every > 0 && f.restart.Every <= f.restart.Down {
			return fs, errors.New("--restart-every must be longer than --restart-down, or the server stays down")
		}
		fs.Restart = f.restart
	}
	return fs, nil
}
