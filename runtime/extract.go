package runtime

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// MaxUnzippedBytes is Lambda's limit on a function's code plus its layers,
// unzipped (250 MB); extraction refuses anything larger.
const MaxUnzippedBytes int64 = 250 * 1024 * 1024

// maxZipEntries bounds the number of entries so a zip of millions of empty
// files cannot exhaust inodes while staying under the byte limit.
const maxZipEntries = 200_000

// ExtractError is a problem with the archive itself (not I/O on our side):
// an entry that would leave the root, a symlink pointing outside it, a size
// over the limit, a corrupt entry. Entry names the offending member.
type ExtractError struct {
	Entry  string
	Reason string
}

// Error says what is wrong with the archive and, when known, which entry.
func (e *ExtractError) Error() string {
	if e.Entry == "" {
		return "unsafe or invalid zip: " + e.Reason
	}
	return fmt.Sprintf("unsafe or invalid zip entry %q: %s", e.Entry, e.Reason)
}

// ExtractStats says what an extraction wrote.
type ExtractStats struct {
	Files, Dirs, Symlinks int
	Bytes                 int64 // file bytes actually written (counted, not read from headers)
}

// ExtractZip writes every entry of zr under root, which must exist. Budget is
// the number of unzipped bytes still allowed (Lambda's 250 MB is shared by the
// function and its layers); sizes are counted while writing, so a zip whose
// headers lie cannot exceed it. Every write goes through os.Root, so neither a
// "../" name nor a symlink planted by an earlier entry can reach outside root;
// symlinks are kept but must resolve inside root. Later entries overwrite
// earlier files, which is how layers stack.
//
// A symlink's target is only text, and what it means depends on the links
// around it (dot -> ".", then esc -> "dot/.." is the root's parent), which
// later entries or layers can still change. So once the entries are written
// (or extraction stopped early), every symlink under root, from this archive
// or an earlier one, is resolved through the links as they now are, with root
// as the boundary; one that resolves outside root is removed and the archive
// is refused with an ExtractError naming it.
func ExtractZip(zr *zip.Reader, root string, budget int64) (stats ExtractStats, err error) {
	if len(zr.File) > maxZipEntries {
		return stats, &ExtractError{Reason: fmt.Sprintf("%d entries, more than %d", len(zr.File), maxZipEntries)}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return stats, err
	}
	defer r.Close()
	var links []linkEntry // this archive's symlinks, in archive order
	defer func() {
		// Also after a failed extraction: what was written stays on disk.
		if cerr := checkLinks(r, links); cerr != nil && err == nil {
			err = cerr
		}
	}()
	remaining := budget
	for _, f := range zr.File {
		name, err := entryPath(f.Name)
		if err != nil {
			return stats, err
		}
		if name == "" {
			continue // "./" or "/" alone: the root itself
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := r.MkdirAll(name, 0o755); err != nil {
				return stats, fmt.Errorf("extract %s: %w", f.Name, err)
			}
			_ = r.Chmod(name, dirPerm(mode))
			stats.Dirs++
		case mode&fs.ModeSymlink != 0:
			if err := extractSymlink(r, f, name); err != nil {
				return stats, err
			}
			links = append(links, linkEntry{zipName: f.Name, name: name})
			stats.Symlinks++
		case mode.IsRegular():
			n, err := extractFile(r, f, name, remaining)
			stats.Bytes += n
			remaining -= n
			if err != nil {
				return stats, err
			}
			stats.Files++
		default:
			return stats, &ExtractError{Entry: f.Name, Reason: "not a file, directory or symlink (" + mode.Type().String() + ")"}
		}
	}
	return stats, nil
}

// entryPath turns a zip member name into a clean slash path relative to the
// root, or says why it may not be extracted.
func entryPath(raw string) (string, error) {
	n := strings.ReplaceAll(raw, "\\", "/")
	if strings.ContainsRune(n, 0) {
		return "", &ExtractError{Entry: raw, Reason: "NUL in name"}
	}
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", &ExtractError{Entry: raw, Reason: "absolute path"}
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", &ExtractError{Entry: raw, Reason: "path leaves the extraction root"}
		}
	}
	c := path.Clean(n)
	if c == "." {
		return "", nil
	}
	return c, nil
}

// dirPerm keeps a directory's permission bits but never locks the owner out.
func dirPerm(m fs.FileMode) fs.FileMode {
	p := m.Perm() | 0o700
	if m.Perm() == 0 {
		p = 0o755
	}
	return p
}

// filePerm keeps a file's bits (the exec bit matters for bootstrap) but never
// makes it unreadable to its owner; zips made on Windows carry no bits at all.
func filePerm(m fs.FileMode) fs.FileMode {
	if m.Perm() == 0 {
		return 0o644
	}
	return m.Perm() | 0o400
}

func extractFile(r *os.Root, f *zip.File, name string, remaining int64) (int64, error) {
	if dir := path.Dir(name); dir != "." {
		if err := r.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("extract %s: %w", f.Name, err)
		}
	}
	// A previous entry (or layer) may have left a symlink here; replacing it
	// instead of writing through it keeps writes where the name says.
	if fi, err := r.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		if err := r.RemoveAll(name); err != nil {
			return 0, fmt.Errorf("extract %s: %w", f.Name, err)
		}
	}
	rc, err := f.Open()
	if err != nil {
		return 0, &ExtractError{Entry: f.Name, Reason: err.Error()}
	}
	defer rc.Close()
	out, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm(f.Mode()))
	if err != nil {
		return 0, fmt.Errorf("extract %s: %w", f.Name, err)
	}
	n, copyErr := io.Copy(out, io.LimitReader(rc, remaining+1))
	closeErr := out.Close()
	if n > remaining {
		return n, &ExtractError{Entry: f.Name, Reason: fmt.Sprintf("unzipped size exceeds the %d MB limit", MaxUnzippedBytes>>20)}
	}
	if copyErr != nil {
		if errors.Is(copyErr, zip.ErrChecksum) || errors.Is(copyErr, zip.ErrFormat) || errors.Is(copyErr, io.ErrUnexpectedEOF) || strings.Contains(copyErr.Error(), "flate") {
			return n, &ExtractError{Entry: f.Name, Reason: copyErr.Error()}
		}
		return n, fmt.Errorf("extract %s: %w", f.Name, copyErr)
	}
	if closeErr != nil {
		return n, fmt.Errorf("extract %s: %w", f.Name, closeErr)
	}
	// OpenFile's mode only applies to new files and is masked by umask.
	_ = r.Chmod(name, filePerm(f.Mode()))
	return n, nil
}

// maxLinkTarget bounds what is read from a symlink entry's body.
const maxLinkTarget = 4096

func extractSymlink(r *os.Root, f *zip.File, name string) error {
	rc, err := f.Open()
	if err != nil {
		return &ExtractError{Entry: f.Name, Reason: err.Error()}
	}
	body, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	rc.Close()
	if err != nil {
		return &ExtractError{Entry: f.Name, Reason: err.Error()}
	}
	if len(body) > maxLinkTarget || len(body) == 0 {
		return &ExtractError{Entry: f.Name, Reason: "symlink target empty or too long"}
	}
	target := string(body)
	if strings.HasPrefix(target, "/") {
		return &ExtractError{Entry: f.Name, Reason: fmt.Sprintf("symlink to absolute path %q points outside the root", target)}
	}
	// Resolve lexically from the link's folder: ".." steps that climb above
	// the root are refused even if the result would come back inside. This
	// is only a first check, on the text: checkLinks resolves the target
	// through the other links once every entry is written.
	depth := strings.Count(name, "/")
	for _, part := range strings.Split(target, "/") {
		switch part {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return &ExtractError{Entry: f.Name, Reason: fmt.Sprintf("symlink to %q points outside the root", target)}
			}
		default:
			depth++
		}
	}
	if dir := path.Dir(name); dir != "." {
		if err := r.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("extract %s: %w", f.Name, err)
		}
	}
	if _, err := r.Lstat(name); err == nil {
		if err := r.RemoveAll(name); err != nil {
			return fmt.Errorf("extract %s: %w", f.Name, err)
		}
	}
	if err := r.Symlink(target, name); err != nil {
		return fmt.Errorf("extract %s: %w", f.Name, err)
	}
	return nil
}

// linkEntry is a symlink an archive created: its member name and its clean
// path under the root.
type linkEntry struct{ zipName, name string }

// maxLinkDepth bounds how deep symlinks may nest in one resolution (a link
// whose target goes through a link whose target goes through a link...):
// filepath.EvalSymlinks gives up at 255 links, Linux at 40. A deeper chain
// is refused rather than followed, so no resolver can take it further.
const maxLinkDepth = 255

// linkEscape says that resolving a symlink left the root: the target of
// link (the symlink itself or one it leads through) climbs above the root
// or is absolute.
type linkEscape struct{ link, target string }

// Error names the link whose target climbed out.
func (e *linkEscape) Error() string {
	return fmt.Sprintf("symlink %s -> %q leads outside the root", e.link, e.target)
}

// errLinkLoop marks a symlink that leads back to itself: the kernel (and
// EvalSymlinks) fail on it, so it leads nowhere, inside or out.
var errLinkLoop = errors.New("symlink loop")

// linkResolver resolves symlinks under an os.Root as the kernel does, except
// that the root is the boundary: ".." at the root, or an absolute target,
// is an escape. A component that does not exist (or is not a folder) is
// carried on lexically, so "missing/../.." counts as leaving the root. The
// tree must not change while a resolver is used: results are memoized.
type linkResolver struct {
	r      *os.Root
	done   map[string]linkResult
	active map[string]bool
	links  map[string]bool // Lstat: is it a symlink
}

type linkResult struct {
	at     []string // where the link leads: clean components under the root
	height int      // how deep links nest in its resolution, itself included
	err    error    // nil, *linkEscape, errLinkLoop or *ExtractError (too deep)
}

func newLinkResolver(r *os.Root) *linkResolver {
	return &linkResolver{r: r, done: map[string]linkResult{}, active: map[string]bool{}, links: map[string]bool{}}
}

// walk resolves the components of rel (a slash path) from the folder at;
// link is the symlink whose target rel is ("" for a plain path) and depth how
// many links deep that is. It returns where rel leads and how deep links
// nested on the way.
func (lr *linkResolver) walk(at []string, rel, link string, depth int) ([]string, int, error) {
	if strings.HasPrefix(rel, "/") {
		return nil, 0, &linkEscape{link: link, target: rel}
	}
	height := 0
	for _, part := range strings.Split(rel, "/") {
		switch part {
		case "", ".":
			continue
		case "..":
			if len(at) == 0 {
				return nil, height, &linkEscape{link: link, target: rel}
			}
			at = at[:len(at)-1]
			continue
		}
		p := path.Join(append(slices.Clip(at), part)...)
		if lr.isLink(p) {
			res := lr.link(p, depth+1)
			height = max(height, res.height)
			if res.err != nil {
				return nil, height, res.err
			}
			at = slices.Clone(res.at)
			continue
		}
		at = append(at, part)
	}
	return at, height, nil
}

// isLink reports whether p is a symlink (false when it does not exist).
func (lr *linkResolver) isLink(p string) bool {
	is, ok := lr.links[p]
	if !ok {
		fi, err := lr.r.Lstat(p)
		is = err == nil && fi.Mode()&fs.ModeSymlink != 0
		lr.links[p] = is
	}
	return is
}

// link resolves the symlink at p, a clean path whose folders are real,
// reached depth links deep. A link whose resolution nests links more than
// maxLinkDepth deep is an error, whichever link the check started from: the
// heights kept with each result make that independent of the order links
// are checked in, and cutting off at depth keeps the recursion bounded.
func (lr *linkResolver) link(p string, depth int) linkResult {
	if res, ok := lr.done[p]; ok {
		return res
	}
	if lr.active[p] {
		return linkResult{err: errLinkLoop}
	}
	tooDeep := linkResult{height: maxLinkDepth + 1, err: &ExtractError{Entry: p, Reason: fmt.Sprintf("symlinks nested more than %d deep", maxLinkDepth)}}
	if depth > maxLinkDepth {
		lr.done[p] = tooDeep
		return tooDeep
	}
	target, err := lr.r.Readlink(p)
	if err != nil {
		return linkResult{err: err}
	}
	var dir []string
	if d := path.Dir(p); d != "." {
		dir = strings.Split(d, "/")
	}
	lr.active[p] = true
	at, height, err := lr.walk(dir, target, p, depth)
	delete(lr.active, p)
	res := linkResult{at: at, height: height + 1, err: err}
	if res.height > maxLinkDepth {
		res = tooDeep
	}
	lr.done[p] = res
	return res
}

// checkLinks resolves every symlink under the root through the links as they
// are now, whichever archive made them. Links that lead outside are removed,
// and the error names the first of this archive's entries (links, in archive
// order) that does, or else a link already in the root that this archive
// made lead outside.
func checkLinks(r *os.Root, links []linkEntry) error {
	lr := newLinkResolver(r)
	bad := map[string]error{}
	var order []string
	walkErr := fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		res := lr.link(p, 0)
		var esc *linkEscape
		var xe *ExtractError
		switch {
		case errors.As(res.err, &esc), errors.As(res.err, &xe):
			bad[p] = res.err
			order = append(order, p)
		case res.err != nil && !errors.Is(res.err, errLinkLoop):
			return res.err
		}
		return nil
	})
	if len(order) == 0 {
		if walkErr != nil {
			return fmt.Errorf("checking symlinks: %w", walkErr)
		}
		return nil
	}
	// Name an entry of this archive. Where its link ended up (its folders
	// may be links too) is worked out before anything is removed.
	xe := &ExtractError{Entry: order[0]}
	at, cause := order[0], bad[order[0]]
	fromArchive := false
	for _, l := range links {
		dir := []string{"."}
		if d := path.Dir(l.name); d != "." {
			parts, _, err := lr.walk(nil, d, "", 0)
			if err != nil {
				continue
			}
			dir = append(dir, parts...)
		}
		p := path.Join(append(dir, path.Base(l.name))...)
		if err, ok := bad[p]; ok {
			xe.Entry, at, cause, fromArchive = l.zipName, p, err, true
			break
		}
	}
	target, _ := r.Readlink(at)
	what := "symlink"
	if !fromArchive {
		what = "symlink already in the root (not in this archive)"
	}
	var esc *linkEscape
	var deep *ExtractError
	switch {
	case errors.As(cause, &deep):
		xe.Reason = fmt.Sprintf("%s to %q: %s", what, target, deep.Reason)
	case errors.As(cause, &esc) && esc.link != at:
		xe.Reason = fmt.Sprintf("%s to %q resolves outside the root: %v", what, target, esc)
	default:
		xe.Reason = fmt.Sprintf("%s to %q resolves outside the root", what, target)
	}
	for _, p := range order {
		if err := r.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w (and removing %s: %v)", xe, p, err)
		}
	}
	return xe
}
