package cmd

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/probe"
)

type probeFlags struct {
	headers      []string
	subprotocols []string
	compression  bool
	insecure     bool
	ca           string
	timeout      time.Duration
	json         bool
	firstMessage time.Duration
	pings        int
	hold         time.Duration
	pingInterval time.Duration
	pingTimeout  time.Duration
	socketIO     bool
	path         string
	namespace    string
	auth         string
	findIdle     bool
	idleMax      time.Duration
}

func newProbeCmd() *cobra.Command {
	var f probeFlags
	c := &cobra.Command{
		Use:   "probe URL",
		Short: "Open one connection and print a timeline of it; with --hold, report how it ended",
		Long: `Open one WebSocket (or, with --socketio, Socket.IO) connection step by
step and print a timeline, each line timed from the start: DNS answers,
the TCP connect, the TLS handshake and certificate (with a plain reason
when verification fails), the HTTP upgrade request and response (secrets
redacted), the first message the server sends, and ping round trips.
A refused upgrade shows its status, headers, body and what usually
causes it.

With --hold the connection stays open, with a ping heartbeat, and the
end is reported: a close frame and what its code means, a TCP reset, an
EOF without a close frame, or silent death found by the heartbeat, with
how long after open and when the last frame went each way. Ctrl-C ends
the hold early and still prints the report.

Exit codes: 0 the connection opened (with --hold, whatever the ending);
1 it could not be opened (the timeline says why); 2 usage error.
See docs/probe.md.`,
		Example: `  # Against the embedded test server (wsbench serve)
  wsbench probe ws://127.0.0.1:8080/echo

  # With a token; the timeline shows "Authorization: Bearer xxxxx"
  wsbench probe wss://api.example.com/ws --header "Authorization: Bearer $TOKEN"

  # A private CA, or a self-signed certificate
  wsbench probe wss://localhost:8443/ws --ca ./ca.pem

  # Keep it open 5 minutes with a 10 s heartbeat: who drops it, and how?
  wsbench probe ws://127.0.0.1:8080/echo --hold 5m

  # A Socket.IO server and namespace, as JSON lines
  wsbench probe http://127.0.0.1:8080 --socketio --namespace /chat --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runProbe(cmd, args[0], f) },
	}
	fl := c.Flags()
	fl.StringArrayVarP(&f.headers, "header", "H", nil, `a header for the upgrade request, "Name: value"; repeatable`)
	fl.StringArrayVar(&f.subprotocols, "subprotocol", nil, "a subprotocol to offer (Sec-WebSocket-Protocol); repeatable, in order of preference")
	fl.BoolVar(&f.compression, "compression", false, "offer permessage-deflate, as browsers do")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify the TLS certificate (it is still shown, with what verification would say)")
	fl.StringVar(&f.ca, "ca", "", "PEM file with CA certificates (or a self-signed server certificate) to trust besides the system roots")
	fl.DurationVar(&f.timeout, "timeout", probe.DefaultHandshakeTimeout, "bound for DNS, TCP connect, TLS and the upgrade")
	fl.BoolVar(&f.json, "json", false, "print the timeline and the result as JSON lines (docs/probe.md)")
	fl.DurationVar(&f.firstMessage, "first-message", probe.DefaultFirstMessage, "how long to wait for a message the server sends unasked (0 = do not wait)")
	fl.IntVar(&f.pings, "pings", probe.DefaultPings, "ping frames to send after open, 200 ms apart, to measure round trips (0 = none)")
	fl.DurationVar(&f.hold, "hold", 0, "keep the connection open this long (e.g. 5m) and report how it ends")
	fl.DurationVar(&f.pingInterval, "ping-interval", probe.DefaultPingInterval, "heartbeat ping interval while holding (0 = no heartbeat)")
	fl.DurationVar(&f.pingTimeout, "ping-timeout", probe.DefaultPingTimeout, "how long a pong may take before the connection counts as dead")
	fl.BoolVar(&f.socketIO, "socketio", false, "probe a Socket.IO server (URL http://, https://, ws:// or wss://)")
	fl.StringVar(&f.path, "path", probe.DefaultSocketIOPath, "Socket.IO: the Engine.IO path")
	fl.StringVar(&f.namespace, "namespace", "/", "Socket.IO: the namespace to connect")
	fl.BoolVar(&f.findIdle, "find-idle-timeout", false, "find how long an idle connection survives (a proxy's or load balancer's idle timeout) to ±1 s, and confirm a heartbeat below it keeps it open")
	fl.DurationVar(&f.idleMax, "max", probe.IdleDefaultMax, "with --find-idle-timeout: give up after this much idleness")
	fl.StringVar(&f.auth, "auth", "", `Socket.IO: the CONNECT payload, a JSON object such as '{"token":"..."}'`)
	return c
}

func runProbe(cmd *cobra.Command, url string, f probeFlags) error {
	if f.findIdle {
		return findIdleTimeout(cmd, url, f)
	}
	if cmd.Flags().Changed("max") {
		return usageErr(errors.New("--max goes with --find-idle-timeout"))
	}
	o, err := f.options(cmd, url)
	if err != nil {
		return usageErr(err)
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.insecure {
		fmt.Fprintln(stderr, "wsbench: TLS certificate verification is OFF (--insecure)")
	}
	var werr error
	o.OnEvent = func(e probe.Event) {
		write := probe.WriteEventText
		if f.json {
			write = probe.WriteEventJSON
		}
		if err := write(stdout, e); err != nil && werr == nil {
			werr = err
		}
	}
	ctx, stop := gracefulSignals(stderr)
	defer stop()
	if !f.json {
		fmt.Fprintf(stdout, "wsbench probe %s\n", probe.RedactURL(url))
	}
	res, err := probe.Run(ctx, o)
	if err != nil {
		return usageErr(err)
	}
	write := probe.WriteResultText
	if f.json {
		write = probe.WriteResultJSON
	}
	if err := write(stdout, res); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		return runErr(fmt.Errorf("write the timeline: %w", werr))
	}
	if !res.Opened {
		return runErr(fmt.Errorf("could not open %s (%s): %s", res.URL, res.Failure.Stage, res.Failure.Reason))
	}
	return nil
}

// options turns the flags into probe options; every problem is reported.
func (f probeFlags) options(cmd *cobra.Command, url string) (probe.Options, error) {
	o := probe.Options{
		URL:              url,
		SocketIO:         f.socketIO,
		Path:             f.path,
		Namespace:        f.namespace,
		Subprotocols:     f.subprotocols,
		Compression:      f.compression,
		Insecure:         f.insecure,
		HandshakeTimeout: f.timeout,
		FirstMessage:     f.firstMessage,
		Pings:            f.pings,
		Hold:             f.hold,
		PingInterval:     f.pingInterval,
		PingTimeout:      f.pingTimeout,
	}
	var errs []error
	// Zero on the command line means "none"; in Options it means the
	// default, and negative means none.
	if f.firstMessage == 0 {
		o.FirstMessage = -1
	}
	if f.pings == 0 {
		o.Pings = -1
	}
	if f.pingInterval == 0 {
		o.PingInterval = -1
	}
	if f.firstMessage < 0 || f.pings < 0 || f.pingInterval < 0 || f.timeout <= 0 || f.pingTimeout <= 0 {
		errs = append(errs, errors.New("--first-message, --pings and --ping-interval must not be negative; --timeout and --ping-timeout must be positive"))
	}
	if len(f.headers) > 0 {
		o.Header = http.Header{}
		for i, h := range f.headers {
			k, v, ok := strings.Cut(h, ":")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				// The value is not echoed: it may be a token.
				errs = append(errs, fmt.Errorf("--header number %d is not \"Name: value\"", i+1))
				continue
			}
			o.Header.Add(k, strings.TrimSpace(v))
		}
	}
	if f.auth != "" {
		o.Auth = json.RawMessage(f.auth)
	}
	if f.ca != "" {
		pool, err := probe.LoadCA(f.ca)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ca: %w", err))
		}
		o.RootCAs = pool
	}
	if !f.socketIO {
		for _, name := range []string{"path", "namespace"} {
			if cmd.Flags().Changed(name) {
				errs = append(errs, fmt.Errorf("--%s is for Socket.IO: add --socketio", name))
			}
		}
	} else {
		for _, name := range []string{"pings", "ping-interval", "ping-timeout", "subprotocol", "compression"} {
			if cmd.Flags().Changed(name) {
				errs = append(errs, fmt.Errorf("--%s is for plain WebSocket probes, not --socketio (there the server pings and the client answers)", name))
			}
		}
	}
	if err := o.Validate(); err != nil {
		errs = append(errs, err)
	}
	return o, errors.Join(errs...)
}

// findIdleTimeout runs wsbench probe --find-idle-timeout.
func findIdleTimeout(cmd *cobra.Command, url string, f probeFlags) error {
	for _, name := range []string{"socketio", "hold", "pings", "json", "first-message", "subprotocol", "compression", "path", "namespace", "auth"} {
		if cmd.Flags().Changed(name) {
			return usageErr(fmt.Errorf("--%s does not go with --find-idle-timeout (a plain WebSocket search)", name))
		}
	}
	if f.idleMax <= 0 || f.timeout <= 0 {
		return usageErr(errors.New("--max and --timeout must be positive"))
	}
	o, err := f.options(cmd, url) // headers, TLS and the URL checked as for a probe
	if err != nil {
		return usageErr(err)
	}
	tc := &tls.Config{InsecureSkipVerify: f.insecure, RootCAs: o.RootCAs} // --insecure is printed below
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.insecure {
		fmt.Fprintln(stderr, "wsbench: TLS certificate verification is OFF (--insecure)")
	}
	fmt.Fprintf(stdout, "wsbench probe %s --find-idle-timeout (up to %s of idleness)\n", probe.RedactURL(url), f.idleMax)
	ctx, stop := gracefulSignals(stderr)
	defer stop()
	res, err := probe.FindIdleTimeout(ctx, probe.IdleOptions{
		URL: url, Header: o.Header, TLS: tc, Max: f.idleMax, HandshakeTimeout: f.timeout, Progress: stdout,
	})
	if err != nil {
		return runErr(fmt.Errorf("find the idle timeout of %s: %w", probe.RedactURL(url), err))
	}
	switch {
	case res.NoTimeout:
		fmt.Fprintf(stdout, "no idle timeout: every connection survived %s of idleness\n", f.idleMax)
	default:
		fmt.Fprintf(stdout, "idle timeout %s (between %s and %s); idle connections ended by %s\n",
			res.Timeout.Round(100*time.Millisecond), res.Lower.Round(100*time.Millisecond), res.Upper.Round(100*time.Millisecond), res.How)
		if res.HeartbeatConfirmed {
			fmt.Fprintf(stdout, "a connection with a ping every %s stayed open\n", res.HeartbeatInterval)
		}
	}
	if res.Advice != "" {
		fmt.Fprintf(stdout, "advice: %s\n", res.Advice)
	}
	return nil
}
