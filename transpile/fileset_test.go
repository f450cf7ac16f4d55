package transpile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// failingFS is the real file system with one chosen operation failing.
type failingFS struct {
	OSFileSystem
	writes, renames       int
	failWrite, failRename int // 1-based index of the call to fail, 0 = never
}

func (f *failingFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	f.writes++
	if f.writes == f.failWrite {
		return errors.New("injected write failure")
	}
	return f.OSFileSystem.WriteFile(name, data, perm)
}

func (f *failingFS) Rename(oldpath, newpath string) error {
	f.renames++
	if f.renames == f.failRename {
		return errors.New("injected rename failure")
	}
	return f.OSFileSystem.Rename(oldpath, newpath)
}

func threeChanges(t *testing.T) (string, []*FileChange, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	orig := map[string]string{"a.tf": "a = 1\n", "b.asl.json": "{}\n"}
	for name, body := range orig {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	changes := []*FileChange{
		{Path: filepath.Join(dir, "a.tf"), Before: []byte(orig["a.tf"]), After: []byte("a = 2\n")},
		{Path: filepath.Join(dir, "b.asl.json"), Before: []byte(orig["b.asl.json"]), After: []byte("{\"x\": 1}\n")},
		{Path: filepath.Join(dir, "c_ecs.tf"), After: []byte("c = 3\n")},
	}
	return dir, changes, orig
}

func assertUnchanged(t *testing.T, dir string, orig map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(orig) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want only the original %d files", names, len(orig))
	}
	for name, body := range orig {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != body {
			t.Errorf("%s = %q, %v; want it unchanged %q", name, got, err, body)
		}
	}
}

func TestFileSetSecondWriteFailsNothingChanges(t *testing.T) {
	dir, changes, orig := threeChanges(t)
	fsys := &failingFS{failWrite: 2}
	if err := (FileSet{FS: fsys}).Commit("", changes); err == nil {
		t.Fatal("Commit succeeded although the second write failed")
	}
	assertUnchanged(t, dir, orig)
}

func TestFileSetSecondRenameFailsNothingChanges(t *testing.T) {
	dir, changes, orig := threeChanges(t)
	fsys := &failingFS{failRename: 2}
	if err := (FileSet{FS: fsys}).Commit("", changes); err == nil {
		t.Fatal("Commit succeeded although the second rename failed")
	}
	assertUnchanged(t, dir, orig)
}

func TestFileSetCommitWritesAll(t *testing.T) {
	dir, changes, _ := threeChanges(t)
	if err := (FileSet{}).Commit("", changes); err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		got, err := os.ReadFile(c.Path)
		if err != nil || string(got) != string(c.After) {
			t.Errorf("%s = %q, %v; want %q", c.Path, got, err, c.After)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries, want 3 (no temp files left)", len(entries))
	}
}

func TestFileSetRefusesFileChangedSincePlan(t *testing.T) {
	dir, changes, _ := threeChanges(t)
	if err := os.WriteFile(filepath.Join(dir, "a.tf"), []byte("edited = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (FileSet{}).Commit("", changes); err == nil {
		t.Fatal("Commit overwrote a file edited after planning")
	}
	got, _ := os.ReadFile(filepath.Join(dir, "a.tf"))
	if string(got) != "edited = true\n" {
		t.Errorf("a.tf = %q", got)
	}
}
