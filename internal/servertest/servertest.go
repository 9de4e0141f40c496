// Package servertest starts the embedded test server inside a test, on
// 127.0.0.1:0, closed when the test ends. It is for tests only: it imports
// package testing, which the wsbench binary must not link.
package servertest

import (
	"testing"

	"github.com/wsbench/wsbench/testserver"
)

// Start starts a test server with cfg on a free loopback port and closes
// it (and every connection it tracks) when tb ends.
func Start(tb testing.TB, cfg testserver.Config) *testserver.Server {
	tb.Helper()
	srv := testserver.New(cfg)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		tb.Fatalf("start the test server: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}
