package runner

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
	"github.com/wsbench/wsbench/transport/ws"
)

// Embedded is the in-process test server of target embedded.
type Embedded = testserver.Server

// resolveTarget returns the URL to dial, starting the embedded server on
// 127.0.0.1:0 for target embedded or embedded/<path>.
func resolveTarget(sc *scenario.Scenario) (string, *Embedded, error) {
	t := sc.Target
	if t != scenario.Embedded && !strings.HasPrefix(t, scenario.Embedded+"/") {
		return t, nil, nil
	}
	path := strings.TrimPrefix(t, scenario.Embedded)
	if path == "" || path == "/" {
		path = "/echo"
	}
	cfg := testserver.Config{Faults: faults(sc.Server)}
	sio := sc.Protocol == scenario.ProtocolSocketIO
	sv := sc.Server
	if sio {
		cfg.SocketIO = testserver.SocketIO{Enabled: true, Path: sc.SocketIO.Path}
		if sv != nil {
			cfg.SocketIO.PingInterval, cfg.SocketIO.PingTimeout = sv.PingInterval.D(), sv.PingTimeout.D()
		}
	} else if sv != nil {
		cfg.PingInterval, cfg.PingTimeout = sv.PingInterval.D(), sv.PingTimeout.D()
	}
	if sv != nil && sv.Broadcast != nil {
		cfg.Broadcast = testserver.Broadcast{Every: sv.Broadcast.Every.D(), Event: sv.Broadcast.Event}
	}
	srv := testserver.New(cfg)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start the embedded test server: %w", err)
	}
	if sio {
		return "http://" + srv.Addr(), srv, nil
	}
	return srv.URL(path), srv, nil
}

// faults maps the scenario's server block to the test server's faults.
func faults(s *scenario.Server) testserver.Faults {
	var f testserver.Faults
	if s == nil {
		return f
	}
	if s.Delay != nil {
		f.Delay = testserver.Delay{Min: s.Delay.Min.D(), Max: s.Delay.Max.D()}
	}
	if c := s.Close; c != nil {
		f.Close = testserver.CloseFault{Every: c.Every.D(), Fraction: c.Fraction, Code: c.Code, Reason: c.Reason}
	}
	if r := s.Reset; r != nil {
		f.Reset = testserver.ResetFault{Every: r.Every.D(), Fraction: r.Fraction}
	}
	if r := s.Refuse; r != nil {
		f.Refuse = testserver.RefuseFault{Status: r.Status, After: r.After.D(), For: r.For.D(), Every: r.Every.D()}
	}
	if r := s.Restart; r != nil {
		f.Restart = testserver.RestartFault{After: r.After.D(), Every: r.Every.D(), Down: r.Down.D()}
	}
	f.IgnorePings = s.IgnorePings
	return f
}

// newDialer builds the WebSocket or Socket.IO dialer client block c (the
// scenario's, or a profile's) asks for.
func newDialer(sc *scenario.Scenario, c *scenario.Client) (transport.Dialer, error) {
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	tc, err := tlsConfig(sc, c)
	if err != nil {
		return nil, err
	}
	netDial := sourceDialer(sc.SourceIPs())
	if sc.Protocol == scenario.ProtocolSocketIO {
		return socketIODialer(sc, c, h, tc, netDial), nil
	}
	return ws.NewDialer(ws.Options{
		NetDial:          netDial,
		Header:           h,
		Subprotocols:     c.Subprotocols,
		TLS:              tc,
		Compression:      c.Compression,
		MaxMessageSize:   int64(c.MaxMessageSize),
		HandshakeTimeout: c.HandshakeTimeout.D(),
		WriteTimeout:     c.WriteTimeout.D(),
	}), nil
}

// sourceDialer dials from the given local addresses in turn, nil (the
// system's choice) when there are none.
func sourceDialer(ips []netip.Addr) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(ips) == 0 {
		return nil
	}
	dialers := make([]*net.Dialer, len(ips))
	for i, ip := range ips {
		dialers[i] = &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip.AsSlice()}, Control: bindNoPort}
	}
	var next atomic.Uint64
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := dialers[(next.Add(1)-1)%uint64(len(dialers))]
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("from %s: %w", d.LocalAddr, err)
		}
		return c, nil
	}
}

func socketIODialer(sc *scenario.Scenario, c *scenario.Client, h http.Header, tc *tls.Config, netDial func(context.Context, string, string) (net.Conn, error)) transport.Dialer {
	sio := &sc.SocketIO
	q := url.Values{}
	for k, v := range sio.Query {
		q.Set(k, v)
	}
	var auth json.RawMessage
	if sio.Auth != nil {
		auth = sio.Auth.Raw
	}
	return socketio.NewDialer(socketio.Options{
		NetDial:          netDial,
		Path:             sio.Path,
		Namespaces:       sc.Namespaces(),
		Auth:             auth,
		Query:            q,
		Transports:       sio.Transports,
		Header:           h,
		TLS:              tc,
		HandshakeTimeout: c.HandshakeTimeout.D(),
		WriteTimeout:     c.WriteTimeout.D(),
		MaxMessageSize:   int64(c.MaxMessageSize),
		IgnorePings:      sio.AnswerPings != nil && !*sio.AnswerPings,
	})
}

// tlsConfig is the TLS configuration for wss:// and https:// targets, nil
// for others.
func tlsConfig(sc *scenario.Scenario, c *scenario.Client) (*tls.Config, error) {
	var tc *tls.Config
	if strings.HasPrefix(sc.Target, "wss://") || strings.HasPrefix(sc.Target, "https://") {
		tc = &tls.Config{
			InsecureSkipVerify: c.TLS.InsecureSkipVerify, // explicit in the scenario and printed by the CLI
			ServerName:         c.TLS.ServerName,
			ClientSessionCache: tls.NewLRUClientSessionCache(1024),
		}
		if c.TLS.CAFile != "" {
			pem, err := os.ReadFile(c.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read client.tls.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("client.tls.ca_file %s holds no PEM certificate", c.TLS.CAFile)
			}
			tc.RootCAs = pool
		}
	}
	return tc, nil
}
