package cmd_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/testserver"
)

// probeFast keeps a probe short.
var probeFast = []string{"--first-message", "50ms", "--pings", "1"}

func probeArgs(url string, more ...string) []string {
	return append(append([]string{"probe", url}, probeFast...), more...)
}

func wantAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func TestProbeOpens(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	r := wsbench(t, 20*time.Second, probeArgs(srv.URL("/echo")+"?token=tok-123", "--header", "Authorization: Bearer sekrit")...)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stdout", r.stdout, "wsbench probe ws://"+srv.Addr()+"/echo?token=xxxxx",
		"DNS skipped: 127.0.0.1 is an IP address", "TCP connected to "+srv.Addr(),
		"GET /echo?token=xxxxx HTTP/1.1", "Authorization: Bearer xxxxx",
		"HTTP/1.1 101 Switching Protocols", "first message: none within 50ms", "ping 1: pong in ", "OPENED in ")
	if strings.Contains(r.stdout+r.stderr, "sekrit") || strings.Contains(r.stdout+r.stderr, "tok-123") {
		t.Error("the output shows a secret")
	}
}

func TestProbeRefusedExitsWith1(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	srv.RefuseFor(401, time.Minute)
	r := wsbench(t, 20*time.Second, probeArgs(srv.URL("/echo"))...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stdout", r.stdout, "upgrade refused: 401 Unauthorized", "wsbench test server: upgrade refused with 401",
		"usually: check the token or Authorization header", "NOT OPENED (refused)")
	wantAll(t, "stderr", r.stderr, "could not open ws://"+srv.Addr()+"/echo (refused): check the token")
}

func TestProbeUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "accepts 1 arg"},
		{[]string{"probe", "http://127.0.0.1:1/"}, "add --socketio"},
		{[]string{"probe", "ws://127.0.0.1:1/", "--header", "Bearer abc"}, `--header number 1 is not "Name: value"`},
		{[]string{"probe", "ws://127.0.0.1:1/", "--ca", "/nonexistent/ca.pem"}, "--ca: open /nonexistent/ca.pem"},
		{[]string{"probe", "ws://127.0.0.1:1/", "--namespace", "/chat"}, "--namespace is for Socket.IO: add --socketio"},
		{[]string{"probe", "ws://127.0.0.1:1/", "--pings", "-1"}, "must not be negative"},
		{[]string{"probe", "ws://127.0.0.1:1/", "--socketio", "--auth", "[1]"}, "auth must be a JSON object"},
	} {
		r := wsbench(t, 10*time.Second, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
		if strings.Contains(r.stderr, "abc") {
			t.Errorf("%v: the error echoes the header value: %s", tt.args, r.stderr)
		}
	}
}

func TestProbeJSONLines(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	r := wsbench(t, 20*time.Second, probeArgs(srv.URL("/echo"), "--json")...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	var types []string
	var last map[string]any
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		types = append(types, line["type"].(string))
		last = line
	}
	if len(types) < 6 || types[0] != "event" || types[len(types)-1] != "result" || last["opened"] != true {
		t.Fatalf("line types %v, last %v", types, last)
	}
}

func TestProbeHoldReportsTheCloseCode(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	cmd, stdout, _ := start(t, probeArgs(srv.URL("/echo"), "--hold", "1m", "--ping-interval", "100ms")...)
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "holding the connection for 1m") })
	srv.CloseFraction(1, 4401, "token expired")
	if code := waitExit(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout.String())
	}
	wantAll(t, "stdout", stdout.String(),
		`ended: closed by the server with 4401: application-defined (private use range 4000-4999); reason "token expired"`,
		"ended: server_close 4401 after ")
}

func TestProbeHoldEndsOnCtrlC(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	srv := servertest.Start(t, testserver.Config{})
	cmd, stdout, stderr := start(t, probeArgs(srv.URL("/echo"), "--hold", "1h")...)
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "holding the connection for 1h") })
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT\n%s%s", code, stdout.String(), stderr.String())
	}
	wantAll(t, "stdout", stdout.String(), "ended: interrupted; closed normally (1000), the server answered 1000", "ended: interrupted after ")
}

func TestProbeTLSAndCAFile(t *testing.T) {
	certPEM, pair := probeSelfSigned(t)
	srv := testserver.New(testserver.Config{})
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected certificates are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() })
	url := "wss://" + ts.Listener.Addr().String() + "/echo"

	r := wsbench(t, 20*time.Second, probeArgs(url)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stdout", r.stdout, "TLS handshake done in ", "the certificate is self-signed", "--ca FILE", "NOT OPENED (tls)")

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	r = wsbench(t, 20*time.Second, probeArgs(url, "--ca", ca)...)
	if r.code != 0 {
		t.Fatalf("with --ca: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stdout", r.stdout, "verified for 127.0.0.1", "101 Switching Protocols")

	r = wsbench(t, 20*time.Second, probeArgs(url, "--insecure")...)
	if r.code != 0 {
		t.Fatalf("with --insecure: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stderr", r.stderr, "TLS certificate verification is OFF (--insecure)")
	wantAll(t, "stdout", r.stdout, "it would have failed:", "the certificate is self-signed")
}

func TestProbeSocketIO(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{SocketIO: testserver.SocketIO{Enabled: true}})
	r := wsbench(t, 20*time.Second, "probe", "http://"+srv.Addr(), "--socketio", "--namespace", "/admin")
	if r.code != 1 || !strings.Contains(r.stdout, `CONNECT_ERROR: message "not authorized"`) {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = wsbench(t, 20*time.Second, "probe", "ws://"+srv.Addr(), "--socketio", "--namespace", "/admin", "--auth", `{"token":"secret"}`, "--first-message", "1s")
	if r.code != 0 {
		t.Fatalf("with the token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, "stdout", r.stdout, "Engine.IO open over websocket", "namespace /admin connected", `first event `)
}

// probeSelfSigned makes a certificate for 127.0.0.1, valid now.
func probeSelfSigned(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "wsbench probe test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
