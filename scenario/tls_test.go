package scenario

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeCA(t *testing.T, path string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wsbench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCAFile(t *testing.T) {
	dir := t.TempDir()
	writeCA(t, filepath.Join(dir, "ca.pem"))
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.yaml")
	parse := func(ca string) (*Scenario, error) {
		y := "target: wss://127.0.0.1:8443/ws\nclients: {count: 1}\nduration: 1s\nsteps: [connect]\nclient:\n  tls: {ca_file: " + ca + "}\n"
		return Parse(file, []byte(y), Overrides{})
	}

	s, err := parse("ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "ca.pem"); s.Client.TLS.CAFile != want {
		t.Errorf("ca_file resolved to %q, want %q", s.Client.TLS.CAFile, want)
	}

	tests := []struct{ ca, want string }{
		{"missing.pem", file + `:6:18: client.tls.ca_file: ca_file "missing.pem" (` + filepath.Join(dir, "missing.pem") + `) does not exist (relative paths start at the scenario file's directory)`},
		{"key.pem", file + `:6:18: client.tls.ca_file: ca_file "key.pem" (` + filepath.Join(dir, "key.pem") + `) contains no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)`},
		{".", file + `:6:18: client.tls.ca_file: ca_file "." (` + dir + `) is not a regular file`},
	}
	for _, tt := range tests {
		if _, err := parse(tt.ca); err == nil || err.Error() != tt.want {
			t.Errorf("ca_file %s: error\n%v\nwant\n%s", tt.ca, err, tt.want)
		}
	}
}
