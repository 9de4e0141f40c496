package nginxtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/proctest"
)

const (
	// readyTimeout bounds the wait for nginx to accept on its port.
	readyTimeout = 10 * time.Second
	// killGrace is how long nginx gets to exit after SIGTERM.
	killGrace = 2 * time.Second
	// bindAttempts is how many free ports Start tries: the port is picked
	// by binding and releasing it, so another process may take it first.
	bindAttempts = 5
)

// Options configure the proxy. A zero field means the documented default.
type Options struct {
	// Upstream is the host:port nginx forwards every request to, as
	// proxy_pass http://UPSTREAM. Required.
	Upstream string
	// ReadTimeout is proxy_read_timeout and proxy_send_timeout: on an
	// upgraded connection, how long nginx lets it be idle (nothing read
	// from either side) before it closes both sides. Default nginx's 60s.
	// nginx counts in milliseconds.
	ReadTimeout time.Duration
}

// Proxy is a running nginx reverse proxy listening on 127.0.0.1. It is safe
// for concurrent use.
type Proxy struct {
	// Addr is the address nginx listens on, "127.0.0.1:PORT".
	Addr string
	// Dir holds the configuration (nginx.conf), error.log, access.log, the
	// pid file and the temporary directories.
	Dir string

	p *proc
}

// URL returns "ws://" + Addr + path, for dialing through the proxy. path
// gets a leading "/" if it lacks one.
func (p *Proxy) URL(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "ws://" + p.Addr + path
}

// Stop stops nginx now (SIGTERM: every proxied connection is closed) and
// waits for it to exit; the test's cleanup would otherwise do it. Stopping
// twice is harmless.
func (p *Proxy) Stop() { p.p.stop() }

// Start runs nginx as a reverse proxy to o.Upstream on a free loopback port,
// waits until the port accepts connections, and stops nginx when tb ends,
// logging its error log if tb failed. Without nginx it skips tb, or fails it
// when WSBENCH_REQUIRE_NGINX=1; see [Available].
func Start(tb testing.TB, o Options) *Proxy {
	tb.Helper()
	bin := requireNginx(tb)
	if o.Upstream == "" {
		tb.Fatalf("nginxtest: Options.Upstream is empty")
	}
	dir := tb.TempDir()
	skip, err := missingModules(bin)
	if err != nil {
		tb.Fatalf("nginxtest: %v", err)
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("nginxtest: pick a free port: %v", err)
		}
		conf := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(conf, []byte(config(dir, port, o, skip)), 0o644); err != nil {
			tb.Fatalf("nginxtest: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := launch(bin, dir, conf, addr)
		if err == nil {
			tb.Cleanup(func() {
				p.stop()
				if tb.Failed() {
					tb.Logf("nginx output and error log:\n%s%s", p.out.String(), readLog(dir))
				}
			})
			return &Proxy{Addr: addr, Dir: dir, p: p}
		}
		if !errors.Is(err, errAddrInUse) || attempt == bindAttempts {
			tb.Fatalf("nginxtest: %v\nnginx output and error log:\n%s%s", err, p.out.String(), readLog(dir))
		}
	}
}

// config renders nginx.conf. Every path nginx writes is under dir, and the
// master process does all the work (master_process off): no worker drops
// privileges to a user that cannot read dir when tests run as root, and one
// process is all there is to stop. skip names the modules the binary lacks,
// whose temporary path directives it would reject.
func config(dir string, port int, o Options, skip map[string]bool) string {
	rt := "60s"
	if o.ReadTimeout > 0 {
		rt = strconv.FormatInt(max(1, o.ReadTimeout.Milliseconds()), 10) + "ms"
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# written by wsbench's internal/nginxtest")
	p("master_process off;")
	p("pid %s;", filepath.Join(dir, "nginx.pid"))
	p("error_log %s info;", filepath.Join(dir, "error.log"))
	p("events { worker_connections 1024; }")
	p("http {")
	p("    access_log %s;", filepath.Join(dir, "access.log"))
	p("    client_body_temp_path %s;", filepath.Join(dir, "client_body_temp"))
	for _, m := range []string{"proxy", "fastcgi", "uwsgi", "scgi"} {
		if !skip[m] {
			p("    %s_temp_path %s;", m, filepath.Join(dir, m+"_temp"))
		}
	}
	p("    server {")
	p("        listen 127.0.0.1:%d;", port)
	p("        location / {")
	p("            proxy_pass http://%s;", o.Upstream)
	p("            proxy_http_version 1.1;")
	p("            proxy_set_header Upgrade $http_upgrade;")
	p(`            proxy_set_header Connection "upgrade";`)
	p("            proxy_read_timeout %s;", rt)
	p("            proxy_send_timeout %s;", rt)
	p("        }")
	p("    }")
	p("}")
	return b.String()
}

// missingModules returns the temporary-path modules (fastcgi, uwsgi, scgi)
// that the binary was built without, from `nginx -V`.
func missingModules(bin string) (map[string]bool, error) {
	out, err := exec.Command(bin, "-V").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s -V: %v: %s", bin, err, out)
	}
	skip := make(map[string]bool)
	for _, m := range []string{"fastcgi", "uwsgi", "scgi"} {
		if bytes.Contains(out, []byte("--without-http_"+m+"_module")) {
			skip[m] = true
		}
	}
	return skip, nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// readLog returns dir's error.log, or what went wrong reading it.
func readLog(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "error.log"))
	if err != nil {
		return fmt.Sprintf("(error.log: %v)\n", err)
	}
	return string(b)
}

// errAddrInUse means nginx could not bind its port because it is taken.
var errAddrInUse = errors.New("port in use")

// proc is one running nginx. stop is safe to call more than once and from
// several goroutines.
type proc struct {
	*proctest.Proc                      // nil when nginx did not start
	out            *proctest.SyncBuffer // stdout and stderr
}

// launch starts nginx with conf and waits until addr accepts connections.
// On error the returned proc, already stopped, still holds nginx's output.
func launch(bin, dir, conf, addr string) (*proc, error) {
	p := &proc{out: &proctest.SyncBuffer{}}
	cmd := exec.Command(bin, "-p", dir+"/", "-e", filepath.Join(dir, "error.log"), "-c", conf, "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.WaitDelay = killGrace
	pp, err := proctest.Start(cmd)
	if err != nil {
		return p, fmt.Errorf("start %s: %w", bin, err)
	}
	p.Proc = pp

	deadline := time.Now().Add(readyTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.Exited():
			if strings.Contains(p.out.String()+readLog(dir), "Address already in use") {
				return p, errAddrInUse
			}
			return p, fmt.Errorf("nginx exited before listening on %s: %v", addr, p.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return p, fmt.Errorf("nginx did not accept on %s within %v", addr, readyTimeout)
		}
	}
}

// stop sends SIGTERM (nginx's fast shutdown), then SIGKILL if nginx has not
// exited after killGrace, and waits for it.
func (p *proc) stop() {
	if p.Proc != nil {
		p.Stop(killGrace)
	}
}
