package scenario

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// maxCAFile bounds how much of ca_file is read: a CA bundle is a few
// hundred KB; a larger file is the wrong file.
const maxCAFile = 8 << 20

// checkTLS resolves ca_file against the scenario file's directory, stores
// the resolved path, and checks that it holds at least one PEM certificate.
// p is the path of ca_file.
func (d *decoder) checkTLS(t *TLS, p string) {
	if t.CAFile == "" {
		return
	}
	path := t.CAFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.file), path)
	}
	name := quoteResolved(t.CAFile, path)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.problem(p, "ca_file %s does not exist (relative paths start at the scenario file's directory)", name)
		return
	case err != nil:
		d.problem(p, "cannot read ca_file %s: %v", name, err)
		return
	case !fi.Mode().IsRegular():
		d.problem(p, "ca_file %s is not a regular file", name)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		d.problem(p, "cannot read ca_file %s: %v", name, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCAFile))
	if err != nil {
		d.problem(p, "cannot read ca_file %s: %v", name, err)
		return
	}
	if !hasCertificate(data) {
		d.problem(p, "ca_file %s contains no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)", name)
		return
	}
	t.CAFile = path
}

func quoteResolved(written, resolved string) string {
	if written == resolved {
		return strconv.Quote(written)
	}
	return strconv.Quote(written) + " (" + resolved + ")"
}

func hasCertificate(data []byte) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(b.Bytes); err == nil {
				return true
			}
		}
	}
}
