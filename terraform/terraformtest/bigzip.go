// Package terraformtest provides test support for code that loads the
// deployment fixtures: the package zips too big to commit.
package terraformtest

import (
	"archive/zip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// BigZipPayload is the size of the random, stored (uncompressed) entry of the
// generated big zip: 2 MiB over Lambda's 50 MB direct-upload limit, so the
// zip on disk is too.
const BigZipPayload = 52 << 20

// BigZipPath is where fixture (a) expects its over-limit package, relative to
// the module root (matched by .gitignore, never committed).
const BigZipPath = "fixtures/deployments/cumulus-tf/tasks/discover-granules/dist/big-lambda.zip"

// WriteBigZip writes a zip holding one stored entry of payload random bytes
// (incompressible, so the file is as big as the payload). The bytes come from
// a fixed seed: the same call always writes the same file.
func WriteBigZip(path string, payload int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".big-zip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	hdr := &zip.FileHeader{Name: "index.js", Method: zip.Store}
	hdr.SetMode(0o644)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		tmp.Close()
		return err
	}
	rng := rand.NewChaCha8([32]byte{'s', 't', 'e', 'p', 's', 'h', 'i', 'f', 't'})
	buf := make([]byte, 1<<20)
	for left := payload; left > 0; {
		n := int64(len(buf))
		if left < n {
			n = left
		}
		rng.Read(buf[:n])
		if _, err := w.Write(buf[:n]); err != nil {
			tmp.Close()
			return err
		}
		left -= n
	}
	if err := zw.Close(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// EnsureBigZip writes fixture (a)'s big package zip unless it is already there
// with the expected content size, and returns its path.
func EnsureBigZip(t testing.TB) string {
	t.Helper()
	path := filepath.Join(standin.ModuleRoot(), filepath.FromSlash(BigZipPath))
	if r, err := zip.OpenReader(path); err == nil {
		ok := len(r.File) == 1 && r.File[0].UncompressedSize64 == BigZipPayload
		r.Close()
		if ok {
			return path
		}
	}
	if err := WriteBigZip(path, BigZipPayload); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	return path
}

// Describe says how to produce the zip by hand, for READMEs and skip messages.
func Describe() string {
	return fmt.Sprintf("go test ./terraform -run TestFixtureGolden writes %s (%d random bytes, stored)", BigZipPath, BigZipPayload)
}
