package runner

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport"
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
	srv := testserver.New(testserver.Config{Faults: faults(sc.Server)})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start the embedded test server: %w", err)
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

// newDialer builds the WebSocket dialer the scenario's client block asks for.
func newDialer(sc *scenario.Scenario) (transport.Dialer, error) {
	c := &sc.Client
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	var tc *tls.Config
	if strings.HasPrefix(sc.Target, "wss://") {
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
	return ws.NewDialer(ws.Options{
		Header:           h,
		Subprotocols:     c.Subprotocols,
		TLS:              tc,
		Compression:      c.Compression,
		MaxMessageSize:   int64(c.MaxMessageSize),
		HandshakeTimeout: c.HandshakeTimeout.D(),
		WriteTimeout:     c.WriteTimeout.D(),
	}), nil
}
