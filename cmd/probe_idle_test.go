package cmd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/nginxtest"
	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/testserver"
)

// TestProbeFindsNginxIdleTimeout runs the built binary against the test
// server behind nginx with proxy_read_timeout 3s.
func TestProbeFindsNginxIdleTimeout(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	px := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr(), ReadTimeout: 3 * time.Second})
	r := wsbench(t, 60*time.Second, "probe", px.URL("/echo"), "--find-idle-timeout", "--max", "20s")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"idle timeout 3", "a connection with a ping every", "advice: send a heartbeat at least every"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := wsbench(t, 5*time.Second, "probe", px.URL("/echo"), "--find-idle-timeout", "--hold", "1m"); r.code != 2 {
		t.Errorf("--hold with --find-idle-timeout: exit %d", r.code)
	}
	if r := wsbench(t, 5*time.Second, "probe", px.URL("/echo"), "--max", "1m"); r.code != 2 {
		t.Errorf("--max without --find-idle-timeout: exit %d", r.code)
	}
}
