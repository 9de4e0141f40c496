package probe_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/probe"
	"github.com/wsbench/wsbench/testserver"
)

// certSpec describes a test certificate; a nil parent makes it
// self-signed.
type certSpec struct {
	cn                  string
	dns                 []string
	ips                 []net.IP
	notBefore, notAfter time.Time
	ca                  bool
	parent              *x509.Certificate
	parentKey           crypto.Signer
}

type testCert struct {
	cert *x509.Certificate
	key  crypto.Signer
	pair tls.Certificate // with the parent, if any, in the chain
}

var serial int64

func makeCert(t *testing.T, s certSpec) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{"wsbench probe test"}},
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  s.ca || s.parent == nil,
	}
	parent, pkey := tmpl, crypto.Signer(key)
	if s.parent != nil {
		parent, pkey = s.parent, s.parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), pkey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pair := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	if s.parent != nil {
		pair.Certificate = append(pair.Certificate, s.parent.Raw)
	}
	return testCert{cert: cert, key: key, pair: pair}
}

// localCert is valid now for 127.0.0.1 and probe.test, self-signed.
func localCert(t *testing.T) testCert {
	return makeCert(t, certSpec{cn: "probe.test", dns: []string{"probe.test"}, ips: []net.IP{net.ParseIP("127.0.0.1")},
		notBefore: time.Now().Add(-time.Hour), notAfter: time.Now().Add(90 * 24 * time.Hour)})
}

// tlsServer serves the test server's endpoints over TLS with cert, on
// 127.0.0.1, and returns its wss:// URL for path.
func tlsServer(t *testing.T, cert tls.Certificate, path string) string {
	t.Helper()
	return tlsServerWith(t, testserver.Config{}, cert, path)
}

func tlsServerWith(t *testing.T, cfg testserver.Config, cert tls.Certificate, path string) string {
	t.Helper()
	srv := testserver.New(cfg)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected certificates are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() }) // first: httptest does not close hijacked connections
	return "wss://" + ts.Listener.Addr().String() + path
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestTLSVerified(t *testing.T) {
	noLeaks(t)
	c := localCert(t)
	o := quick(tlsServer(t, c.pair, "/echo"))
	o.RootCAs = pool(c.cert)
	res, text := run(t, o)
	if !res.Opened || res.TLS == nil || !res.TLS.Verified || res.TLS.ALPN != "http/1.1" || res.Timings.TLS <= 0 {
		t.Fatalf("opened %v, tls %+v, failure %+v", res.Opened, res.TLS, res.Failure)
	}
	if res.TLS.DaysLeft < 88 || res.TLS.DaysLeft > 90 || strings.Join(res.TLS.SANs, ",") != "probe.test,127.0.0.1" {
		t.Errorf("days left %d, SANs %v", res.TLS.DaysLeft, res.TLS.SANs)
	}
	wantLines(t, text, "TLS handshake done in ", ": TLS 1.3, TLS_", "ALPN http/1.1",
		"certificate: CN=probe.test,O=wsbench probe test", "issuer: CN=probe.test", "names (SANs): probe.test, 127.0.0.1",
		"valid until ", "days left)", "verified for 127.0.0.1",
		"HTTP upgrade request sent", "101 Switching Protocols", "TLS ")
}

func TestTLSFailuresInPlainWords(t *testing.T) {
	noLeaks(t)
	now := time.Now()
	ca := makeCert(t, certSpec{cn: "Probe Test CA", ca: true, notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour * 24 * 365)})
	self := localCert(t)
	expired := makeCert(t, certSpec{cn: "expired", ips: []net.IP{net.ParseIP("127.0.0.1")},
		notBefore: now.Add(-60 * 24 * time.Hour), notAfter: now.Add(-3*24*time.Hour - time.Hour)})
	otherName := makeCert(t, certSpec{cn: "elsewhere", dns: []string{"api.example.com", "www.example.com"},
		notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour * 24)})
	private := makeCert(t, certSpec{cn: "leaf", ips: []net.IP{net.ParseIP("127.0.0.1")},
		notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour * 24), parent: ca.cert, parentKey: ca.key})

	for _, tt := range []struct {
		name  string
		cert  testCert
		roots *x509.CertPool
		want  []string
	}{
		{"self-signed", self, nil, []string{"the certificate is self-signed: no trusted authority vouches for it",
			"fix: trust the CA (or the self-signed certificate) with --ca FILE; --insecure skips verification"}},
		{"unknown authority", private, nil, []string{"the certificate is signed by an unknown authority (CN=Probe Test CA,O=wsbench probe test)",
			"fix: trust the CA (or the self-signed certificate) with --ca FILE"}},
		{"expired", expired, pool(expired.cert), []string{"expired " + expired.cert.NotAfter.UTC().Format("2006-01-02"),
			"the certificate expired on " + expired.cert.NotAfter.UTC().Format("2006-01-02 15:04 UTC") + " (3 days ago)",
			"fix: renew the server's certificate; --insecure"}},
		{"wrong host", otherName, pool(otherName.cert), []string{
			"the certificate is for api.example.com, www.example.com, not 127.0.0.1",
			"fix: connect with a name the certificate covers"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := quick(tlsServer(t, tt.cert.pair, "/echo"))
			o.RootCAs = tt.roots
			res, text := run(t, o)
			if res.Opened || res.Failure == nil || res.Failure.Stage != probe.StageTLS || res.TLS == nil || res.TLS.Verified {
				t.Fatalf("opened %v, failure %+v, tls %+v", res.Opened, res.Failure, res.TLS)
			}
			if strings.Contains(text, "HTTP upgrade request sent") {
				t.Error("the upgrade request went out over a rejected certificate")
			}
			wantLines(t, text, append([]string{"TLS handshake done in "}, tt.want...)...)

			// --insecure goes on, and still says what was wrong.
			o.Insecure = true
			res, text = run(t, o)
			if !res.Opened || res.TLS.Verified || len(res.TLS.Problems) == 0 {
				t.Fatalf("insecure: opened %v, tls %+v", res.Opened, res.TLS)
			}
			wantLines(t, text, "verification is OFF (--insecure); it would have failed:", "101 Switching Protocols")
		})
	}
}

func TestCAFileTrustsASelfSignedCertificate(t *testing.T) {
	noLeaks(t)
	c := localCert(t)
	url := tlsServer(t, c.pair, "/echo")
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots, err := probe.LoadCA(path)
	if err != nil {
		t.Fatal(err)
	}
	o := quick(url)
	o.RootCAs = roots
	if res, _ := run(t, o); !res.Opened || !res.TLS.Verified {
		t.Fatalf("opened %v, failure %+v", res.Opened, res.Failure)
	}
	if _, err := probe.LoadCA(filepath.Join(t.TempDir(), "none.pem")); err == nil {
		t.Error("LoadCA of a missing file: no error")
	}
	os.WriteFile(path, []byte("not a certificate"), 0o600)
	if _, err := probe.LoadCA(path); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("LoadCA of a file without PEM: %v", err)
	}
}

func TestWSSToAPlainPort(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	res, text := run(t, quick("wss://"+srv.Addr()+"/echo"))
	if res.Opened || res.Failure.Stage != probe.StageTLS {
		t.Fatalf("failure %+v", res.Failure)
	}
	wantLines(t, text, "the server did not answer with TLS", "fix: use ws://")
}

func TestSocketIOOverTLS(t *testing.T) {
	noLeaks(t)
	c := localCert(t)
	url := strings.Replace(tlsServerWith(t, testserver.Config{SocketIO: testserver.SocketIO{Enabled: true}}, c.pair, ""), "wss://", "https://", 1)
	o := probe.Options{URL: url, SocketIO: true, FirstMessage: -1}
	res, text := run(t, o)
	if res.Opened || res.Failure == nil || res.Failure.Stage != probe.StageTLS {
		t.Fatalf("opened %v, failure %+v", res.Opened, res.Failure)
	}
	wantLines(t, text, "TLS handshake done in ", "the certificate is self-signed", "fix: trust the CA")

	o.RootCAs = pool(c.cert)
	res, text = run(t, o)
	if !res.Opened || !res.TLS.Verified || res.Timings.TLS <= 0 {
		t.Fatalf("opened %v, failure %+v, tls %+v", res.Opened, res.Failure, res.TLS)
	}
	wantLines(t, text, "TLS handshake done in ", "verified for 127.0.0.1", "Engine.IO open over websocket", "namespace / connected")
}
