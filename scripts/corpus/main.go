// Command corpus downloads the external test corpora (`make corpus`): every
// file the committed manifest testdata/corpus-manifest.tsv lists, from its
// upstream repository at its pinned commit, into testdata/corpus. Every
// file's SHA-256 must match the manifest; on any mismatch or failed download
// nothing is written (the files land in a temporary folder that replaces
// the target only when all of them check out).
//
// Usage:
//
//	go run ./scripts/corpus [-manifest FILE] [-out DIR] [-base-url URL]
//
// The base URL (default https://raw.githubusercontent.com, or
// $STEPSHIFT_CORPUS_BASE_URL) is followed by /OWNER/REPO/COMMIT/PATH, the
// layout of raw.githubusercontent.com and of any mirror of it. Files the
// manifest lists as "local" (written for the corpus, not taken from a
// project) are copied from the module's testdata/corpus-local instead.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL serves raw files of public GitHub repositories.
const DefaultBaseURL = "https://raw.githubusercontent.com"

// LocalSource is the repository column of files kept in this module
// (testdata/corpus-local) rather than downloaded.
const LocalSource = "local"

// maxFileBytes bounds one download: the largest corpus file is ~40 KB, so
// anything near this is not the file the manifest means.
const maxFileBytes = 16 << 20

// Entry is one manifest line: a corpus file and where it comes from.
type Entry struct {
	Path     string // where it goes, relative to the corpus folder (slash-separated)
	Repo     string // OWNER/NAME on GitHub, or LocalSource
	Commit   string // the pinned commit ("-" for local files)
	Upstream string // its path in Repo at Commit (in this module for local files)
	SHA256   string // lower-case hex
	Line     int    // its line in the manifest, for messages
}

// ParseManifest reads a manifest: tab-separated path, repository, commit,
// upstream path and SHA-256 per line; blank lines and #-comments are skipped.
func ParseManifest(name string, r io.Reader) ([]Entry, error) {
	var entries []Entry
	var problems []string
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			problems = append(problems, fmt.Sprintf("%s:%d: want 5 tab-separated fields (path, repository, commit, upstream path, sha256), got %d", name, n, len(f)))
			continue
		}
		e := Entry{Path: f[0], Repo: f[1], Commit: f[2], Upstream: f[3], SHA256: f[4], Line: n}
		if err := e.check(); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %v", name, n, err))
			continue
		}
		if prev, dup := seen[e.Path]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is already listed on line %d", name, n, e.Path, prev))
			continue
		}
		seen[e.Path] = n
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no files listed", name)
	}
	return entries, nil
}

func (e Entry) check() error {
	if !safeRelative(e.Path) {
		return fmt.Errorf("path %q must be a relative slash-separated path inside the corpus folder", e.Path)
	}
	if !safeRelative(e.Upstream) {
		return fmt.Errorf("upstream path %q must be a relative slash-separated path", e.Upstream)
	}
	if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != sha256.Size || strings.ToLower(e.SHA256) != e.SHA256 {
		return fmt.Errorf("sha256 %q is not 64 lower-case hex digits", e.SHA256)
	}
	if e.Repo == LocalSource {
		return nil
	}
	owner, name, ok := strings.Cut(e.Repo, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/ ") {
		return fmt.Errorf("repository %q is not OWNER/NAME (or %q)", e.Repo, LocalSource)
	}
	if c, err := hex.DecodeString(e.Commit); err != nil || len(c) != 20 {
		return fmt.Errorf("commit %q is not a full 40-digit commit hash (a branch or tag could move)", e.Commit)
	}
	return nil
}

func safeRelative(p string) bool {
	return p != "" && !strings.Contains(p, `\`) && !path.IsAbs(p) && path.Clean(p) == p && p != "." && !strings.HasPrefix(p, "../") && p != ".."
}

// URL is where e is downloaded from under base.
func (e Entry) URL(base string) string {
	segs := strings.Split(e.Repo+"/"+e.Commit+"/"+e.Upstream, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(base, "/") + "/" + strings.Join(segs, "/")
}

// Fetcher gets the bytes of one manifest entry.
type Fetcher struct {
	BaseURL   string       // see DefaultBaseURL
	LocalRoot string       // the folder local Upstream paths are relative to (the module root)
	Client    *http.Client // nil: a client with a 60 s timeout
}

func (f *Fetcher) fetch(ctx context.Context, e Entry) ([]byte, error) {
	if e.Repo == LocalSource {
		return os.ReadFile(filepath.Join(f.LocalRoot, filepath.FromSlash(e.Upstream)))
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	u := e.URL(f.BaseURL)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			lastErr = &unreachableError{err} // a network error may pass; try again
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes+1))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			lastErr = fmt.Errorf("GET %s: %s", u, resp.Status) // the server's trouble may pass
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		case err != nil:
			lastErr = fmt.Errorf("GET %s: %w", u, err)
			continue
		case len(body) > maxFileBytes:
			return nil, fmt.Errorf("GET %s: larger than %d bytes", u, maxFileBytes)
		}
		return body, nil
	}
	return nil, lastErr
}

// unreachableError is a failure to talk to the server at all (no network,
// no such host): every other file would fail the same way, so Download stops.
type unreachableError struct{ error }

func (e *unreachableError) Unwrap() error { return e.error }

// maxListed bounds the failures Download lists one by one.
const maxListed = 10

// Download fetches every entry into a new folder beside out, checks every
// hash, and only when all are right puts that folder in out's place. On
// any failure out is left as it was and the error lists every file that
// failed.
func Download(ctx context.Context, entries []Entry, f *Fetcher, out string) error {
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".corpus-download-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	notTried := 0
	work := make(chan Entry)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				if ctx.Err() != nil {
					mu.Lock()
					notTried++
					mu.Unlock()
					continue
				}
				if err := fetchOne(ctx, f, e, tmp); err != nil {
					var unreachable *unreachableError
					if errors.As(err, &unreachable) {
						cancel()
					}
					mu.Lock()
					problems = append(problems, fmt.Sprintf("%s: %v", e.Path, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, e := range entries {
		work <- e
	}
	close(work)
	wg.Wait()
	if len(problems) > 0 {
		sort.Strings(problems)
		summary := fmt.Sprintf("%d of %d files failed", len(problems), len(entries))
		if notTried > 0 {
			summary += fmt.Sprintf(" and %d were not tried after the server could not be reached", notTried)
		}
		if len(problems) > maxListed {
			problems = append(problems[:maxListed], fmt.Sprintf("... and %d more", len(problems)-maxListed))
		}
		return fmt.Errorf("%s; %s left unchanged:\n  %s", summary, out, strings.Join(problems, "\n  "))
	}

	// Swap in the new folder: the old one (if any) is moved aside first and
	// removed only once the new one is in place.
	var old string
	if _, err := os.Lstat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("moving the previous %s aside: %w", out, err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			_ = os.Rename(old, out)
		}
		return fmt.Errorf("putting the download in place: %w", err)
	}
	done = true
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

func fetchOne(ctx context.Context, f *Fetcher, e Entry, dir string) error {
	body, err := f.fetch(ctx, e)
	if err != nil {
		return err
	}
	if got := sha256Hex(body); got != e.SHA256 {
		where := e.URL(f.BaseURL)
		if e.Repo == LocalSource {
			where = e.Upstream
		}
		return fmt.Errorf("sha256 %s, but the manifest (line %d) says %s: %s is not the pinned file", got, e.Line, e.SHA256, where)
	}
	dst := filepath.Join(dir, filepath.FromSlash(e.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, body, 0o644)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Verify compares the folder dir with the manifest: every listed file
// present with its hash, and no other file. It returns one line per difference.
func Verify(entries []Entry, dir string) []string {
	var problems []string
	listed := map[string]bool{}
	for _, e := range entries {
		listed[e.Path] = true
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.Path)))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: listed on manifest line %d but %v", e.Path, e.Line, err))
		case sha256Hex(b) != e.SHA256:
			problems = append(problems, fmt.Sprintf("%s: sha256 %s, manifest line %d says %s", e.Path, sha256Hex(b), e.Line, e.SHA256))
		}
	}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !listed[filepath.ToSlash(rel)] {
			problems = append(problems, fmt.Sprintf("%s: in %s but not in the manifest", filepath.ToSlash(rel), dir))
		}
		return nil
	})
	return problems
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main with its exit code: 0 done, 1 a download or hash failed
// (nothing written), 2 bad usage or manifest.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("corpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifest := fs.String("manifest", filepath.Join("testdata", "corpus-manifest.tsv"), "the manifest of pinned files")
	out := fs.String("out", filepath.Join("testdata", "corpus"), "the folder to fill (replaced as a whole)")
	base := fs.String("base-url", envOr("STEPSHIFT_CORPUS_BASE_URL", DefaultBaseURL), "where OWNER/REPO/COMMIT/PATH is served ($STEPSHIFT_CORPUS_BASE_URL)")
	root := fs.String("root", ".", "the module root, which local files are relative to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "corpus: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	src, err := os.ReadFile(*manifest)
	if err != nil {
		fmt.Fprintf(stderr, "corpus: %v\n", err)
		return 2
	}
	entries, err := ParseManifest(*manifest, bytes.NewReader(src))
	if err != nil {
		fmt.Fprintf(stderr, "corpus: %v\n", err)
		return 2
	}
	if _, err := os.Stat(*out); err == nil && len(Verify(entries, *out)) == 0 {
		fmt.Fprintf(stdout, "corpus: %s already holds the %d pinned files\n", *out, len(entries))
		return 0
	}
	f := &Fetcher{BaseURL: *base, LocalRoot: *root}
	if err := Download(context.Background(), entries, f, *out); err != nil {
		fmt.Fprintf(stderr, "corpus: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "corpus: %d files from %s checked and written to %s\n", len(entries), *base, *out)
	return 0
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
