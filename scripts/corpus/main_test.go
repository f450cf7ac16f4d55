package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

func manifestPath() string {
	return filepath.Join(standin.ModuleRoot(), "testdata", "corpus-manifest.tsv")
}

func readManifest(t *testing.T) []Entry {
	t.Helper()
	src, err := os.ReadFile(manifestPath())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseManifest("corpus-manifest.tsv", bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// upstreamServer serves files the way raw.githubusercontent.com does
// (/OWNER/REPO/COMMIT/PATH): files maps that URL path to the bytes served;
// anything else is a 404.
func upstreamServer(t *testing.T, files map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func urlPath(t *testing.T, e Entry) string {
	t.Helper()
	return strings.TrimPrefix(e.URL("http://x"), "http://x")
}

// TestManifestMatchesCorpus: the manifest lists every file of the corpus
// (../shared/corpus in CI) with its right hash and no file the corpus does
// not have, so the manifest cannot drift from what CI tests with; and the
// files kept in this repository (testdata/corpus-local) are the same.
func TestManifestMatchesCorpus(t *testing.T) {
	entries := readManifest(t)
	for _, e := range entries {
		if e.Repo != LocalSource {
			continue
		}
		b, err := os.ReadFile(filepath.Join(standin.ModuleRoot(), filepath.FromSlash(e.Upstream)))
		if err != nil || sha256Hex(b) != e.SHA256 {
			t.Errorf("local file %s (manifest line %d) is missing or differs from its hash: %v", e.Upstream, e.Line, err)
		}
	}
	dir := standin.CorpusDir(t)
	for _, p := range Verify(entries, dir) {
		t.Error(p)
	}
}

// TestDownloadWholeCorpus downloads the whole manifest from a local server
// serving the corpus at the upstream URLs, and gets exactly the corpus.
func TestDownloadWholeCorpus(t *testing.T) {
	dir := standin.CorpusDir(t)
	entries := readManifest(t)
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.Path)))
		if err != nil {
			t.Fatal(err)
		}
		files[urlPath(t, e)] = b
	}
	srv := upstreamServer(t, files)
	out := filepath.Join(t.TempDir(), "corpus")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-manifest", manifestPath(), "-out", out, "-base-url", srv.URL, "-root", standin.ModuleRoot()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, p := range Verify(entries, out) {
		t.Error(p)
	}
	if t.Failed() {
		return
	}
	// The downloaded folder is a corpus the tests find.
	t.Setenv("STEPSHIFT_CORPUS", out)
	if found, err := standin.FindCorpus(); err != nil || found != out {
		t.Errorf("FindCorpus with STEPSHIFT_CORPUS=%s: %q, %v", out, found, err)
	}
	// A second run finds everything in place and downloads nothing.
	srv.Close()
	stdout.Reset()
	if code := run([]string{"-manifest", manifestPath(), "-out", out, "-base-url", srv.URL, "-root", standin.ModuleRoot()}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "already holds") {
		t.Errorf("second run: exit %d, %q %q", code, stdout.String(), stderr.String())
	}
}

// smallManifest is a three-file manifest with the bytes each file must have.
func smallManifest(t *testing.T) ([]Entry, map[string][]byte) {
	t.Helper()
	const commit = "0123456789abcdef0123456789abcdef01234567"
	content := map[string][]byte{
		"a/one.json":    []byte(`{"one": 1}`),
		"a/two.json":    []byte(`{"two": 2}`),
		"b/LICENSE":     []byte("Apache-2.0\n"),
		"b/deep/x.json": []byte(`{}`),
	}
	var entries []Entry
	for i, p := range []string{"a/one.json", "a/two.json", "b/LICENSE", "b/deep/x.json"} {
		entries = append(entries, Entry{Path: p, Repo: "owner/repo", Commit: commit, Upstream: "up/" + p, SHA256: sha256Hex(content[p]), Line: i + 1})
	}
	served := map[string][]byte{}
	for _, e := range entries {
		served[urlPath(t, e)] = content[e.Path]
	}
	return entries, served
}

func TestDownloadSmall(t *testing.T) {
	entries, served := smallManifest(t)
	srv := upstreamServer(t, served)
	out := filepath.Join(t.TempDir(), "corpus")
	if err := Download(context.Background(), entries, &Fetcher{BaseURL: srv.URL}, out); err != nil {
		t.Fatal(err)
	}
	if p := Verify(entries, out); len(p) > 0 {
		t.Errorf("%v", p)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "b", "deep", "x.json")); string(b) != "{}" {
		t.Errorf("b/deep/x.json holds %q", b)
	}
}

// failedDownload runs Download into a folder that already holds an older
// corpus and checks that it is refused with want in the message, the old
// folder untouched and no temporary folder left behind.
func failedDownload(t *testing.T, entries []Entry, served map[string][]byte, want ...string) {
	t.Helper()
	srv := upstreamServer(t, served)
	parent := t.TempDir()
	out := filepath.Join(parent, "corpus")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "old.json"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Download(context.Background(), entries, &Fetcher{BaseURL: srv.URL}, out)
	if err == nil {
		t.Fatal("the download succeeded")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not say %q:\n%v", w, err)
		}
	}
	left, _ := os.ReadDir(parent)
	if len(left) != 1 || left[0].Name() != "corpus" {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("after a failed download %s holds %v, want only the old corpus", parent, names)
	}
	got, _ := os.ReadDir(out)
	if len(got) != 1 || got[0].Name() != "old.json" {
		t.Errorf("a failed download changed the old corpus: %v", got)
	}
}

func TestDownloadRefusesHashMismatch(t *testing.T) {
	entries, served := smallManifest(t)
	tampered := urlPath(t, entries[1])
	served[tampered] = []byte(`{"two": 3}`)
	failedDownload(t, entries, served, "a/two.json", "sha256 "+sha256Hex(served[tampered]), entries[1].SHA256, "1 of 4 files failed")
}

func TestDownloadRefusesMissingFile(t *testing.T) {
	entries, served := smallManifest(t)
	delete(served, urlPath(t, entries[2]))
	failedDownload(t, entries, served, "b/LICENSE", "404 Not Found", "/owner/repo/0123456789abcdef0123456789abcdef01234567/up/b/LICENSE")
}

func TestDownloadRefusesUnreachableServer(t *testing.T) {
	entries, _ := smallManifest(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there now
	out := filepath.Join(t.TempDir(), "corpus")
	if err := Download(context.Background(), entries[:1], &Fetcher{BaseURL: base}, out); err == nil || !strings.Contains(err.Error(), "a/one.json") {
		t.Errorf("download from a closed server: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed download created the corpus folder")
	}
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("a.json\towner/repo\tmain\tup/a.json\t"+strings.Repeat("ab", 32)+"\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-manifest", bad, "-out", filepath.Join(dir, "out")}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "bad.tsv:1:") || !strings.Contains(stderr.String(), "40-digit commit") {
		t.Errorf("bad manifest: exit %d, %s", code, stderr.String())
	}
	entries, served := smallManifest(t)
	delete(served, urlPath(t, entries[0]))
	srv := upstreamServer(t, served)
	var m strings.Builder
	for _, e := range entries {
		m.WriteString(strings.Join([]string{e.Path, e.Repo, e.Commit, e.Upstream, e.SHA256}, "\t") + "\n")
	}
	good := filepath.Join(dir, "m.tsv")
	os.WriteFile(good, []byte(m.String()), 0o644)
	stderr.Reset()
	if code := run([]string{"-manifest", good, "-out", filepath.Join(dir, "out"), "-base-url", srv.URL}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "404") {
		t.Errorf("a missing upstream file: exit %d, %s", code, stderr.String())
	}
	t.Setenv("STEPSHIFT_CORPUS_BASE_URL", srv.URL)
	stderr.Reset()
	if code := run([]string{"-manifest", good, "-out", filepath.Join(dir, "out")}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), srv.URL) {
		t.Errorf("STEPSHIFT_CORPUS_BASE_URL is not used: exit %d, %s", code, stderr.String())
	}
}

func TestParseManifestRejects(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	hash := strings.Repeat("ab", 32)
	for name, line := range map[string]string{
		"four fields":      "a.json\towner/repo\t" + commit + "\tup/a.json",
		"escaping path":    "../a.json\towner/repo\t" + commit + "\tup/a.json\t" + hash,
		"absolute path":    "/a.json\towner/repo\t" + commit + "\tup/a.json\t" + hash,
		"branch not sha":   "a.json\towner/repo\tmain\tup/a.json\t" + hash,
		"short hash":       "a.json\towner/repo\t" + commit + "\tup/a.json\tabc",
		"upper-case hash":  "a.json\towner/repo\t" + commit + "\tup/a.json\t" + strings.ToUpper(hash),
		"repo not OWNER/X": "a.json\trepo\t" + commit + "\tup/a.json\t" + hash,
		"duplicate":        "a.json\towner/repo\t" + commit + "\tup/a.json\t" + hash + "\na.json\towner/repo\t" + commit + "\tup/b.json\t" + hash,
	} {
		if _, err := ParseManifest("m.tsv", strings.NewReader(line)); err == nil || !strings.Contains(err.Error(), "m.tsv:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
