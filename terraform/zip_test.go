package terraform

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func makeZip(t testing.TB, entries map[string][]byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patchCentralSizes rewrites every central-directory entry's sizes: what a
// zip bomb does to claim more than it holds.
func patchCentralSizes(data []byte, compressed, uncompressed uint32) []byte {
	out := append([]byte{}, data...)
	sig := []byte{0x50, 0x4b, 0x01, 0x02}
	for i := bytes.Index(out, sig); i >= 0; {
		binary.LittleEndian.PutUint32(out[i+20:], compressed)
		binary.LittleEndian.PutUint32(out[i+24:], uncompressed)
		j := bytes.Index(out[i+4:], sig)
		if j < 0 {
			break
		}
		i += 4 + j
	}
	return out
}

func writeBytes(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lambda.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadZipSizesFromDirectory(t *testing.T) {
	data := makeZip(t, map[string][]byte{
		"index.js":            bytes.Repeat([]byte("exports.handler = () => 1;\n"), 1000),
		"schemas/config.json": []byte(`{"type":"object"}`),
	}, zip.Deflate)
	z, err := ReadZip(writeBytes(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if z.CompressedBytes != int64(len(data)) || z.UncompressedBytes != 27000+17 || z.Entries != 2 || z.Inconsistent != "" {
		t.Errorf("got %+v", z)
	}
	if !z.Has("schemas/config.json") {
		t.Error("Has(schemas/config.json) = false")
	}
	cfg, err := z.ReadEntry("schemas/config.json", 1<<20)
	if err != nil || string(cfg) != `{"type":"object"}` {
		t.Errorf("ReadEntry = %q, %v", cfg, err)
	}
	if _, err := z.ReadEntry("index.js", 100); err == nil {
		t.Error("ReadEntry must refuse entries over its limit")
	}
}

func TestReadZipBadInput(t *testing.T) {
	stored := makeZip(t, map[string][]byte{"index.js": bytes.Repeat([]byte("x"), 1000)}, zip.Store)
	deflated := makeZip(t, map[string][]byte{"index.js": bytes.Repeat([]byte("x"), 1000)}, zip.Deflate)
	t.Run("corrupt", func(t *testing.T) {
		_, err := ReadZip(writeBytes(t, []byte("PK\x03\x04 this is not a zip")))
		if err == nil || !strings.Contains(err.Error(), "not a readable zip") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		if _, err := ReadZip(writeBytes(t, deflated[:len(deflated)/2])); err == nil {
			t.Error("a truncated zip must be an error")
		}
	})
	t.Run("stored entry claiming more than it holds", func(t *testing.T) {
		z, err := ReadZip(writeBytes(t, patchCentralSizes(stored, 1000, 4_000_000_000)))
		if err != nil {
			t.Fatal(err)
		}
		if z.UncompressedBytes != 4_000_000_000 || !strings.Contains(z.Inconsistent, "claims 4000000000 bytes") {
			t.Errorf("claimed %d, inconsistent %q", z.UncompressedBytes, z.Inconsistent)
		}
	})
	t.Run("deflate ratio beyond what DEFLATE can do", func(t *testing.T) {
		z, err := ReadZip(writeBytes(t, patchCentralSizes(deflated, 20, 4_000_000_000)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(z.Inconsistent, "more than DEFLATE can expand") {
			t.Errorf("inconsistent %q", z.Inconsistent)
		}
	})
	t.Run("compressed claims beyond the file", func(t *testing.T) {
		z, err := ReadZip(writeBytes(t, patchCentralSizes(stored, 90_000, 90_000)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(z.Inconsistent, "compressed bytes in a") {
			t.Errorf("inconsistent %q", z.Inconsistent)
		}
	})
	t.Run("folder", func(t *testing.T) {
		if _, err := ReadZip(t.TempDir()); err == nil {
			t.Error("a folder must be an error")
		}
	})
}

func TestPackageZipDiagnostics(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
resource "aws_lambda_function" "corrupt" {
  function_name = "c"
  filename      = "${path.module}/corrupt.zip"
}
resource "aws_lambda_function" "bomb" {
  function_name = "b"
  filename      = "${path.module}/bomb.zip"
}
resource "aws_lambda_function" "missing" {
  function_name = "m"
  filename      = "${path.module}/missing.zip"
}
`})
	writeFile(t, filepath.Join(dir, "corrupt.zip"), "not a zip")
	stored := makeZip(t, map[string][]byte{"index.js": bytes.Repeat([]byte("x"), 100)}, zip.Store)
	if err := os.WriteFile(filepath.Join(dir, "bomb.zip"), patchCentralSizes(stored, 100, 300_000_000), 0o644); err != nil {
		t.Fatal(err)
	}
	d := Load(dir, Options{})
	for _, name := range []string{"corrupt", "bomb", "missing"} {
		r := d.Root.Resource("aws_lambda_function." + name)
		lf := d.lambdaFacts(d.Root, r, r.Address())
		switch name {
		case "corrupt", "missing":
			if lf.Package.ZippedBytes.Known {
				t.Errorf("%s: size should be unknown", name)
			}
		case "bomb":
			if !lf.Package.UnzippedBytes.Known || lf.Package.UnzippedBytes.Value != 300_000_000 || lf.Package.Zip.Inconsistent == "" {
				t.Errorf("bomb: want the claimed size reported and flagged, got %+v", lf.Package.UnzippedBytes)
			}
		}
	}
	for summary, line := range map[string]int{"Unreadable package zip": 4, "Inconsistent zip directory": 8, "Package zip not found": 12} {
		dg := hasDiag(d, summary)
		if dg == nil || dg.Subject == nil || dg.Subject.Start.Line != line || filepath.Base(dg.Subject.Filename) != "main.tf" {
			t.Errorf("%s: want a diagnostic at main.tf:%d, got %v", summary, line, dg)
		}
	}
}

func FuzzReadZip(f *testing.F) {
	f.Add(makeZip(f, map[string][]byte{"a": []byte("hello")}, zip.Deflate))
	f.Add(makeZip(f, map[string][]byte{"a": []byte("hello"), "b/c": nil}, zip.Store))
	f.Add([]byte("PK\x05\x06"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		z, err := ReadZip(p)
		if err == nil && (z.UncompressedBytes < 0 || z.CompressedBytes != int64(len(data))) {
			t.Fatalf("sizes %+v", z)
		}
	})
}
