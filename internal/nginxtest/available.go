package nginxtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing nginx from a
// skipped test into a failed one when set to "1".
const RequireEnv = "WSBENCH_REQUIRE_NGINX"

// installHint tells how to install nginx.
const installHint = "install it with `apt-get install nginx` (Debian, Ubuntu) or your system's package manager"

// sbinNginx is where Debian installs nginx; /usr/sbin is often not on a
// non-root user's PATH.
const sbinNginx = "/usr/sbin/nginx"

// Available reports whether nginx can run: it is on PATH or at
// /usr/sbin/nginx. The error says how to install it.
func Available() error {
	_, err := binary()
	return err
}

// binary returns the path of the nginx executable.
func binary() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat(sbinNginx); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return sbinNginx, nil
	}
	return "", fmt.Errorf("nginx unavailable: %w; %s", errNotFound, installHint)
}

var errNotFound = errors.New("nginx is neither on PATH nor at " + sbinNginx)

// requireNginx returns the nginx executable, or ends the test: a skip, or a
// failure when RequireEnv is "1".
func requireNginx(tb testing.TB) string {
	tb.Helper()
	bin, err := binary()
	if err == nil {
		return bin
	}
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("%v (%s=1 makes the nginx tests mandatory)", err, RequireEnv)
	}
	tb.Skipf("%v (set %s=1 to fail instead of skipping)", err, RequireEnv)
	return ""
}
