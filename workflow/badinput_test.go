package workflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each bad input gives exactly one positioned diagnostic and no tree.
func TestBadInputsGiveOneDiagnostic(t *testing.T) {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	cases := map[string]struct {
		src  string
		code string
		line int
		col  int
	}{
		"empty":           {"", "empty-file", 1, 1},
		"whitespace":      {"  \n\t\n", "empty-file", 1, 1},
		"binary":          {"{\"a\":\x00}", "not-text", 1, 6},
		"invalid utf-8":   {"{\n \"a\": \"\xc3\x28\"}", "invalid-utf8", 2, 8},
		"deep arrays":     {deep, "too-deep", 1, maxDepth + 2},
		"deep objects":    {strings.Repeat(`{"a":`, 5000), "too-deep", 1, 5*(maxDepth+1) + 1},
		"bare word":       {`{"StartAt": tru}`, "json-syntax", 1, 13},
		"leading zero":    {`{"TimeoutSeconds": 012}`, "json-syntax", 1, 20},
		"newline in str":  {"{\"a\": \"x\ny\"}", "json-syntax", 1, 7},
		"two documents":   {`{} {}`, "json-syntax", 1, 4},
		"bad \\u":         {`{"a": "\u12"}`, "json-syntax", 1, 8},
		"byte order mark": {"\xef\xbb\xbf{}", "json-syntax", 1, 1},
		"bare key":        {`{${k} 1}`, "json-syntax", 1, 7},
	}
	for name, c := range cases {
		d := Load([]byte(c.src), Options{Filename: "bad.json"})
		if len(d.Diagnostics) != 1 {
			t.Errorf("%s: %d diagnostics: %v", name, len(d.Diagnostics), d.Diagnostics)
			continue
		}
		dg := d.Diagnostics[0]
		if dg.Code != c.code || dg.Range.Start.Line != c.line || dg.Range.Start.Column != c.col {
			t.Errorf("%s: got %s, want code %s at %d:%d", name, dg, c.code, c.line, c.col)
		}
		if dg.Range.Filename != "bad.json" {
			t.Errorf("%s: diagnostic names %q", name, dg.Range.Filename)
		}
	}
}

func TestLoadFileLimitsAndErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.asl.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d, err := LoadFile(big)
	if err != nil {
		t.Fatalf("a large file is a diagnostic, not an error: %v", err)
	}
	if len(d.Diagnostics) != 1 || d.Diagnostics[0].Code != "file-too-large" || !strings.Contains(d.Diagnostics[0].Message, "50.0 MiB") {
		t.Errorf("50 MB file: %v", d.Diagnostics)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file must be an error")
	}
	if _, err := LoadFile(dir); err == nil {
		t.Error("a directory must be an error")
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.json")
		os.WriteFile(locked, []byte("{}"), 0o000)
		if _, err := LoadFile(locked); err == nil {
			t.Error("an unreadable file must be an error")
		}
	}
}
