package runtime

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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
func ExtractZip(zr *zip.Reader, root string, budget int64) (ExtractStats, error) {
	var stats ExtractStats
	if len(zr.File) > maxZipEntries {
		return stats, &ExtractError{Reason: fmt.Sprintf("%d entries, more than %d", len(zr.File), maxZipEntries)}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return stats, err
	}
	defer r.Close()
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
	// the root are refused even if the result would come back inside.
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
