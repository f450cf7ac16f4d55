package transpile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// FileChange is one file of a migration: a changed file (Before set) or a
// new one (Before nil).
type FileChange struct {
	Path   string // as the user names it (relative to where they ran stepshift, or absolute)
	Before []byte // nil for a new file
	After  []byte
	Mode   fs.FileMode
}

// IsNew reports whether the change creates the file.
func (c *FileChange) IsNew() bool { return c.Before == nil }

// FileSystem is the little a FileSet needs to write, injectable so a test
// can make one step fail and check that nothing changed.
type FileSystem interface {
	WriteFile(name string, data []byte, perm fs.FileMode) error
	Rename(oldpath, newpath string) error
	Remove(name string) error
	ReadFile(name string) ([]byte, error)
}

// OSFileSystem is the real file system.
type OSFileSystem struct{}

// WriteFile creates or truncates name with data.
func (OSFileSystem) WriteFile(name string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Rename moves oldpath over newpath.
func (OSFileSystem) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove deletes name.
func (OSFileSystem) Remove(name string) error { return os.Remove(name) }

// ReadFile reads name.
func (OSFileSystem) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// FileSet writes a set of file changes all or nothing: every new content is
// first written to a temporary file beside its target, and only when all of
// them are on disk are they renamed into place. If a rename fails, the
// targets already replaced are restored from the contents read at the start,
// and files that were new are removed again.
type FileSet struct {
	FS FileSystem
}

// Commit writes changes under root (changes' paths are joined to root
// unless absolute; root "" means as given). Before writing it checks that
// every changed file still holds its Before content, so a file edited since
// the plan was made is not overwritten.
func (s FileSet) Commit(root string, changes []*FileChange) (err error) {
	fsys := s.FS
	if fsys == nil {
		fsys = OSFileSystem{}
	}
	target := func(c *FileChange) string {
		if root == "" || filepath.IsAbs(c.Path) {
			return c.Path
		}
		return filepath.Join(root, c.Path)
	}
	ordered := append([]*FileChange(nil), changes...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Path < ordered[j].Path })

	// What is on disk now, to check it and to restore it if a rename fails.
	previous := make([][]byte, len(ordered))
	for i, c := range ordered {
		data, rerr := fsys.ReadFile(target(c))
		switch {
		case rerr == nil:
			previous[i] = data
			if c.Before != nil && string(data) != string(c.Before) {
				return fmt.Errorf("%s changed since the migration was planned; run migrate again", target(c))
			}
			if c.Before == nil && root == "" {
				return fmt.Errorf("%s already exists; migrate will not overwrite a file it did not read", target(c))
			}
		case errors.Is(rerr, fs.ErrNotExist):
			if c.Before != nil {
				return fmt.Errorf("%s disappeared since the migration was planned", target(c))
			}
		default:
			return fmt.Errorf("read %s: %w", target(c), rerr)
		}
	}

	temps := make([]string, len(ordered))
	defer func() {
		for _, t := range temps {
			if t != "" {
				_ = fsys.Remove(t)
			}
		}
	}()
	for i, c := range ordered {
		t := target(c)
		if dir := filepath.Dir(t); dir != "" {
			if _, ok := fsys.(OSFileSystem); ok {
				if mkErr := os.MkdirAll(dir, 0o755); mkErr != nil {
					return fmt.Errorf("create %s: %w", dir, mkErr)
				}
			}
		}
		tmp := filepath.Join(filepath.Dir(t), "."+filepath.Base(t)+".stepshift-tmp")
		mode := c.Mode
		if mode == 0 {
			mode = 0o644
		}
		_ = fsys.Remove(tmp) // a leftover of an interrupted run
		if werr := fsys.WriteFile(tmp, c.After, mode); werr != nil {
			return fmt.Errorf("write %s: %w", tmp, werr)
		}
		temps[i] = tmp
	}
	for i, c := range ordered {
		if rerr := fsys.Rename(temps[i], target(c)); rerr != nil {
			restoreErr := s.restore(fsys, ordered[:i], previous[:i], target)
			if restoreErr != nil {
				return fmt.Errorf("rename into %s: %w; restoring the files already written also failed: %v", target(c), rerr, restoreErr)
			}
			return fmt.Errorf("rename into %s: %w (no file was changed)", target(c), rerr)
		}
		temps[i] = ""
	}
	return nil
}

// restore undoes renames that already happened: files that existed get
// their old content back (through a temp file and rename again), new files
// are removed.
func (s FileSet) restore(fsys FileSystem, done []*FileChange, previous [][]byte, target func(*FileChange) string) error {
	var errs []error
	for i, c := range done {
		t := target(c)
		if previous[i] == nil {
			if err := fsys.Remove(t); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		tmp := filepath.Join(filepath.Dir(t), "."+filepath.Base(t)+".stepshift-restore")
		if err := fsys.WriteFile(tmp, previous[i], 0o644); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := fsys.Rename(tmp, t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
