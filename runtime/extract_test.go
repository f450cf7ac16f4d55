package runtime

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// link is a symlink entry for test archives.
func link(name, target string) zipEntry {
	return zipEntry{Name: name, Body: []byte(target), Mode: os.ModeSymlink | 0o777}
}

func TestExtractRefusesEscapes(t *testing.T) {
	chain := []zipEntry{}
	for i := range 300 {
		target := "."
		if i > 0 {
			target = fmt.Sprintf("c%d", i-1)
		}
		chain = append(chain, link(fmt.Sprintf("c%d", i), target))
	}
	cases := map[string]struct {
		entries []zipEntry
		entry   string // the entry the error must name
		reason  string // and a word of its reason
	}{
		"dot-dot":          {[]zipEntry{{Name: "../x", Body: []byte("x")}}, "../x", "leaves"},
		"nested dot-dot":   {[]zipEntry{{Name: "a/../../x", Body: []byte("x")}}, "a/../../x", "leaves"},
		"absolute":         {[]zipEntry{{Name: "/etc/x", Body: []byte("x")}}, "/etc/x", "absolute"},
		"backslash":        {[]zipEntry{{Name: `..\x`, Body: []byte("x")}}, `..\x`, "leaves"},
		"drive":            {[]zipEntry{{Name: `C:\x`, Body: []byte("x")}}, `C:\x`, "absolute"},
		"link up":          {[]zipEntry{link("l", "..")}, "l", "outside the root"},
		"link deep up":     {[]zipEntry{link("a/b/l", "../../../x")}, "a/b/l", "outside the root"},
		"link absolute":    {[]zipEntry{link("l", "/tmp")}, "l", "outside the root"},
		"link down and up": {[]zipEntry{link("l", "a/../../x")}, "l", "outside the root"},
		// Each target alone stays inside; through the links before it, it
		// does not.
		"chain: dot then dot/..": {[]zipEntry{link("dot", "."), link("esc", "dot/..")}, "esc", "outside the root"},
		"chain: repeated to /": {[]zipEntry{link("dot", "."), link("esc", "dot/.."), link("esc2", "esc/.."),
			link("esc3", "esc2/.."), link("esc4", "esc3/..")}, "esc", "outside the root"},
		"deeper chain":                 {[]zipEntry{link("a", "."), link("b", "a/a/a"), link("c", "b/a/..")}, "c", "outside the root"},
		"link to a link up, then ..":   {[]zipEntry{{Name: "sub/", Dir: true}, link("sub/up", ".."), link("esc", "sub/up/..")}, "esc", "outside the root"},
		"links to links":               {[]zipEntry{link("sub/up", ".."), link("l1", "sub/up"), link("l2", "l1"), link("l3", "l2/..")}, "l3", "outside the root"},
		".. through a link to a dir":   {[]zipEntry{{Name: "x/y/z/", Dir: true}, link("x/y/z/top", "../../.."), link("esc", "x/y/z/top/..")}, "esc", "outside the root"},
		"link placed through a link":   {[]zipEntry{link("dot", "."), link("dot/dot/esc", "dot/..")}, "dot/dot/esc", "outside the root"},
		"later entry turns a link out": {[]zipEntry{link("esc", "d/.."), link("d", ".")}, "esc", "outside the root"},
		"folder replaced by a link":    {[]zipEntry{{Name: "d/x", Body: []byte("x")}, link("esc", "d/.."), link("d", ".")}, "esc", "outside the root"},
		"chain deeper than 255 links":  {chain, "c255", "nested more than 255"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			os.Mkdir(root, 0o755)
			_, err := extractBytes(t, makeZip(t, tc.entries...), root, MaxUnzippedBytes)
			var xe *ExtractError
			if !errors.As(err, &xe) {
				t.Fatalf("error %v, want an ExtractError", err)
			}
			if xe.Entry != tc.entry || !strings.Contains(xe.Reason, tc.reason) {
				t.Errorf("error %q, want one naming entry %q and saying %q", err, tc.entry, tc.reason)
			}
			assertOnly(t, base, "root")
			assertResolveInside(t, root)
		})
	}
}

// assertResolveInside checks that every path under root, symlinks followed,
// stays inside root.
func assertResolveInside(t testing.TB, root string) {
	t.Helper()
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		resolved, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil // dangling, a loop: leads nowhere
		}
		if rel, err := filepath.Rel(realRoot, resolved); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			target, _ := os.Readlink(p)
			t.Errorf("%s (-> %q) resolves outside the root, to %s", p, target, resolved)
		}
		return nil
	})
}

// TestExtractChecksLinksAcrossLayers: layers stack in one root, so a later
// archive can turn an earlier one's link outward; links already in the root
// count too.
func TestExtractChecksLinksAcrossLayers(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "opt")
	os.Mkdir(root, 0o755)
	if _, err := extractBytes(t, makeZip(t, link("esc", "d/..")), root, MaxUnzippedBytes); err != nil {
		t.Fatalf("first layer: %v", err) // d does not exist: "d/.." is the root
	}
	_, err := extractBytes(t, makeZip(t, link("d", ".")), root, MaxUnzippedBytes)
	var xe *ExtractError
	if !errors.As(err, &xe) || xe.Entry != "esc" || !strings.Contains(xe.Reason, "already in the root") {
		t.Fatalf("second layer: %v, want an ExtractError naming the first layer's esc", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "esc")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link leading outside was left in the root: %v", err)
	}
	assertResolveInside(t, root)

	// A link already in the root that points outside, and one to it.
	root2 := filepath.Join(base, "opt2")
	os.Mkdir(root2, 0o755)
	os.Symlink("/etc", filepath.Join(root2, "pre"))
	_, err = extractBytes(t, makeZip(t, zipEntry{Name: "ok.txt", Body: []byte("x")}, link("l", "pre/passwd")), root2, MaxUnzippedBytes)
	if !errors.As(err, &xe) || xe.Entry != "l" || !strings.Contains(xe.Reason, `symlink pre -> "/etc"`) {
		t.Fatalf("link through an absolute link: %v", err)
	}
	assertResolveInside(t, root2)
	assertOnly(t, base, "opt", "opt2")
}

// TestExtractKeepsLinkChainsThatStayInside: chains, links to links and loops
// that never leave the root are extracted as they are.
func TestExtractKeepsLinkChainsThatStayInside(t *testing.T) {
	root := t.TempDir()
	z := makeZip(t,
		zipEntry{Name: "lib/v1/x.txt", Body: []byte("x")},
		link("dot", "."),
		link("cur", "dot/lib/v1"),
		link("lib/up", ".."),
		link("via", "lib/up/lib/up/cur/x.txt"),
		link("loop-a", "loop-b"),
		link("loop-b", "loop-a"),
		link("self", "self/x"),
		link("dangling", "missing/../lib"),
		link("later", "d2/.."),
		zipEntry{Name: "d2/y", Body: []byte("y")},
	)
	stats, err := extractBytes(t, z, root, MaxUnzippedBytes)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Symlinks != 9 {
		t.Errorf("stats %+v", stats)
	}
	if b, err := os.ReadFile(filepath.Join(root, "via")); err != nil || string(b) != "x" {
		t.Errorf("via: %q %v", b, err)
	}
	assertResolveInside(t, root)
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
// root, never leaves a path that resolves outside it, and never panics.
func FuzzExtractZip(f *testing.F) {
	f.Add(makeZip(f, zipEntry{Name: "a/b.txt", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "../x", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "l", Body: []byte("../.."), Mode: os.ModeSymlink | 0o777}, zipEntry{Name: "l/x", Body: []byte("x")}))
	f.Add(makeZip(f, zipEntry{Name: "l", Body: []byte("."), Mode: os.ModeSymlink | 0o777}, zipEntry{Name: "l/x", Body: []byte("x")}))
	f.Add(makeZip(f, link("dot", "."), link("esc", "dot/.."), link("esc2", "esc/..")))
	f.Add(makeZip(f, link("a", "."), link("b", "a/a/a"), link("c", "b/a/..")))
	f.Add(makeZip(f, link("sub/up", ".."), link("l1", "sub/up"), link("l2", "l1"), link("l3", "l2/..")))
	f.Add(makeZip(f, link("x/y/z/top", "../../.."), link("esc", "x/y/z/top/..")))
	f.Add(makeZip(f, link("esc", "d/.."), zipEntry{Name: "d/x", Body: []byte("x")}, link("d", ".")))
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
		// Whether extraction succeeded or stopped on an error, every entry
		// it left resolves (EvalSymlinks) inside the root.
		assertResolveInside(t, root)
	})
}

func TestTruncateCauseProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabet := []rune("abc \"\\\n\tüñ中🙂<>&")
	// 60 cases cover causes under and over the limit, with and without a
	// stack trace to drop; each is a few 60,000-character JSON encodings.
	for i := 0; i < 60; i++ {
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
