package chromiumtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing Chromium from
// a skipped test into a failed one when set to "1".
const RequireEnv = "WSBENCH_REQUIRE_CHROMIUM"

// BinaryEnv names a Chromium (or Chrome) executable to use instead of the
// one found on PATH.
const BinaryEnv = "WSBENCH_CHROMIUM"

// installHint tells how to install Chromium on Debian, where CI runs.
const installHint = "install it with `apt-get install -y --no-install-recommends chromium` (Debian, Ubuntu) or set " + BinaryEnv

// debianChromium is where Debian's chromium package puts its launcher.
const debianChromium = "/usr/bin/chromium"

// Find returns the Chromium executable: the one BinaryEnv names, else
// chromium or chromium-browser on PATH, else Debian's /usr/bin/chromium.
// The error says how to install it.
func Find() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("chromium unavailable: %s=%s is not an executable file", BinaryEnv, p)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if isExecutable(debianChromium) {
		return debianChromium, nil
	}
	return "", fmt.Errorf("chromium unavailable: %w; %s", errNotFound, installHint)
}

var errNotFound = errors.New("neither chromium nor chromium-browser is on PATH, nor at " + debianChromium)

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Require returns the Chromium executable, or ends the test: a skip with
// the reason, or a failure when RequireEnv is "1".
func Require(tb testing.TB) string {
	tb.Helper()
	bin, err := Find()
	if err == nil {
		return bin
	}
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("%v (%s=1 makes the Chromium tests mandatory)", err, RequireEnv)
	}
	tb.Skipf("%v (set %s=1 to fail instead of skipping)", err, RequireEnv)
	return ""
}
