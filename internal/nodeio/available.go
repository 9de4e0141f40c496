package nodeio

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireEnv is the environment variable that turns a missing Node peer from
// a skipped test into a failed one when set to "1".
const RequireEnv = "WSBENCH_REQUIRE_NODE"

// installHint tells how to install the peer, from the repository root.
const installHint = "install Node.js 18 or later and run `npm ci --prefix interop/socketio` from the repository root"

// Available reports whether the Node peer can run: node is on PATH and
// socket.io and socket.io-client are installed in interop/socketio. The error
// names everything missing and how to install it.
func Available() error {
	_, err := peerDir()
	return err
}

// peerDir returns the absolute path of interop/socketio once everything the
// peer needs is there.
func peerDir() (string, error) {
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node is not on PATH")
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("node reference peer unavailable: %w", err)
	}
	dir := filepath.Join(root, "interop", "socketio")
	for _, pkg := range []string{"socket.io", "socket.io-client"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing = append(missing, "interop/socketio/node_modules/"+pkg+" is missing")
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("node reference peer unavailable: %s; %s", strings.Join(missing, ", "), installHint)
	}
	return dir, nil
}

// repoRoot walks up from the working directory to the one holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// requirePeer returns the peer's directory, or ends the test: a skip, or a
// failure when RequireEnv is "1".
func requirePeer(tb testing.TB) string {
	tb.Helper()
	dir, err := peerDir()
	if err == nil {
		return dir
	}
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("%v (%s=1 makes the Node interop tests mandatory)", err, RequireEnv)
	}
	tb.Skipf("%v (set %s=1 to fail instead of skipping)", err, RequireEnv)
	return ""
}
