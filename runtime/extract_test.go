package runtime

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func extractBytes(t testing.TB, z []byte, root string, budget int64) (ExtractStats, error) {
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		return ExtractStats{}, err
	}
	return ExtractZip(zr, root, budget)
}

func TestExtractKeepsModesAndInsideSymlinks(t *testing.T) {
	root := t.TempDir()
	z := makeZip(t,
		zipEntry{Name: "bin/", Dir: true},
		zipEntry{Name: "bin/run", Body: []byte("#!/bin/sh\n"), Mode: 0o755},
		zipEntry{Name: "lib/data.json", Body: []byte(`{}`), Mode: 0o600},
		zipEntry{Name: "current", Body: []byte("lib"), Mode: os.ModeSymlink | 0o777},
		zipEntry{Name: "lib/up", Body: []byte("../bin/run"), Mode: os.ModeSymlink | 0o777},
		zipEntry{Name: "./dot/./x.txt", Body: []byte("x")},
	)
	stats, err := extractBytes(t, z, root, MaxUnzippedBytes)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Files != 3 || stats.Symlinks != 2 || stats.Bytes != int64(len("#!/bin/sh\n{}x")) {
		t.Errorf("stats %+v", stats)
	}
	if fi, _ := os.Stat(filepath.Join(root, "bin/run")); fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/run mode %v, want 0755 kept", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(root, "lib/data.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("lib/data.json mode %v", fi.Mode())
	}
	if target, _ := os.Readlink(filepath.Join(root, "lib/up")); target != "../bin/run" {
		t.Errorf("symlink target %q", target)
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	cases := map[string][]zipEntry{
		"dot-dot":          {{Name: "../x", Body: []byte("x")}},
		"nested dot-dot":   {{Name: "a/../../x", Body: []byte("x")}},
		"absolute":         {{Name: "/etc/x", Body: []byte("x")}},
		"backslash":        {{Name: `..\x`, Body: []byte("x")}},
		"drive":            {{Name: `C:\x`, Body: []byte("x")}},
		"link up":          {{Name: "l", Body: []byte(".."), Mode: os.ModeSymlink | 0o777}},
		"link deep up":     {{Name: "a/b/l", Body: []byte("../../../x"), Mode: os.ModeSymlink | 0o777}},
		"link absolute":    {{Name: "l", Body: []byte("/tmp"), Mode: os.ModeSymlink | 0o777}},
		"link down and up": {{Name: "l", Body: []byte("a/../../x"), Mode: os.ModeSymlink | 0o777}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			os.Mkdir(root, 0o755)
			_, err := extractBytes(t, makeZip(t, entries...), root, MaxUnzippedBytes)
			var xe *ExtractError
			if !errors.As(err, &xe) {
				t.Fatalf("error %v, want an ExtractError", err)
			}
			assertOnly(t, base, "root")
		})
	}
}

// assertOnly checks dir holds only the named entries.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		ok := false
		for _, n := range names {
			ok = ok || e.Name() == n
		}
		if !ok {
			t.Errorf("written outside the root: %s", e.Name())
		}
	}
}

func TestExtractCountsBytesNotHeaders(t *testing.T) {
	root := t.TempDir()
	body := bytes.Repeat([]byte("a"), 200_000)
	// Over budget, honest headers, highly compressible: a classic bomb.
	_, err := extractBytes(t, makeZip(t, zipEntry{Name: "bomb", Body: body}), root, 100_000)
	var xe *ExtractError
	if !errors.As(err, &xe) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("bomb: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, "bomb")); err == nil && fi.Size() > 100_001 {
		t.Errorf("wrote %d bytes past a 100000-byte budget", fi.Size())
	}
	// Headers claiming a tiny size do not let more through.
	_, err = extractBytes(t, makeZip(t, zipEntry{Name: "liar", Body: body, LieSize: 10}), t.TempDir(), 100_000)
	if err == nil {
		t.Errorf("an entry lying about its size was extracted")
	}
	// The budget is shared across entries.
	_, err = extractBytes(t, makeZip(t, zipEntry{Name: "a", Body: body[:60_000]}, zipEntry{Name: "b", Body: body[:60_000]}), t.TempDir(), 100_000)
	if !errors.As(err, &xe) {
		t.Errorf("two entries over a shared budget: %v", err)
	}
}

func TestExtractLaterEntriesReplaceSymlinksInsteadOfWritingThrough(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(root, "target.txt"), []byte("original"), 0o644)
	z := makeZip(t,
		zipEntry{Name: "link.txt", Body: []byte("target.txt"), Mode: os.ModeSymlink | 0o777},
		zipEntry{Name: "link.txt", Body: []byte("replaced")},
	)
	if _, err := extractBytes(t, z, root, MaxUnzippedBytes); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "target.txt")); string(b) != "original" {
		t.Errorf("a file entry wrote through an earlier symlink: target.txt = %q", b)
	}
	if fi, _ := os.Lstat(filepath.Join(root, "link.txt")); !fi.Mode().IsRegular() {
		t.Errorf("link.txt is %v, want a regular file", fi.Mode())
	}
}

// FuzzExtractZip: whatever the archive, extraction never writes outside its
// root and never panics.
func FuzzExtractZip(f *testing.F) {
	f.Add(makeZip(f, zipEntry{Name: "a/b.txt", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "../x", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "l", Body: []byte("../.."), Mode: os.ModeSymlink | 0o777}, zipEntry{Name: "l/x", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "l", Body: []byte("."), Mode: os.ModeSymlink | 0o777}, zipEntry{Name: "l/x", Body: []byte("x")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		base := t.TempDir()
		root := filepath.Join(base, "root")
		os.Mkdir(root, 0o755)
		ExtractZip(zr, root, 1<<20)
		assertOnly(t, base, "root")
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode()&os.ModeSymlink != 0 {
				target, _ := filepath.EvalSymlinks(p)
				if target != "" && !strings.HasPrefix(target, root) {
					t.Errorf("symlink %s resolves outside the root to %s", p, target)
				}
			}
			return nil
		})
	})
}

func TestTruncateCauseProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabet := []rune("abc \"\\\n\tüñ中🙂<>&")
	for i := 0; i < 200; i++ {
		msg := make([]rune, r.IntN(60_000))
		for j := range msg {
			msg[j] = alphabet[r.IntN(len(alphabet))]
		}
		stack := make([]string, r.IntN(500))
		for j := range stack {
			stack[j] = strings.Repeat("frame ", r.IntN(20))
		}
		cause, _ := json.Marshal(map[string]any{"errorMessage": string(msg), "errorType": "E", "stackTrace": stack})
		got := truncateCause(cause, MaxCauseChars)
		if n := len([]rune(got)); n > MaxCauseChars {
			t.Fatalf("case %d: %d characters", i, n)
		}
		if !json.Valid([]byte(got)) {
			t.Fatalf("case %d: truncated cause is not JSON", i)
		}
		if len([]rune(string(cause))) <= MaxCauseChars && got != string(cause) {
			t.Fatalf("case %d: a cause within the limit was changed", i)
		}
	}
	if got := truncateChars("ééé", 2); got != "éé" {
		t.Errorf("truncateChars split a character: %q", got)
	}
}

func TestReportLineMatchesLambda(t *testing.T) {
	got := ReportLine("3604209a-e9a3-11e6-939a-754dd98c7be3", 12340*time.Microsecond, 1024, 57)
	want := "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB\tMax Memory Used: 57 MB\t"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
