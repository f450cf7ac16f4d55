package transpile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiffAppliesWithPatch(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("patch(1) not installed")
	}
	cases := []struct{ name, before, after string }{
		{"insert", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nX\nd\ne\nf\ng\nh\n"},
		{"delete-and-far-insert", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n12\n"},
		{"crlf", "a\r\nb\r\n", "a\r\nc\r\nb\r\n"},
		{"no-final-newline", "a\nb", "a\nb\nc"},
		{"replace-all", "x\ny\n", "p\nq\nr\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f.txt")
			os.WriteFile(p, []byte(tc.before), 0o644)
			d := UnifiedDiff("f.txt", []byte(tc.before), []byte(tc.after))
			cmd := exec.Command(patch, "-s", "-p1", "--binary")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(d)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("patch failed: %v\n%s\ndiff:\n%s", err, out, d)
			}
			got, _ := os.ReadFile(p)
			if string(got) != tc.after {
				t.Fatalf("patched = %q, want %q\ndiff:\n%s", got, tc.after, d)
			}
		})
	}
}

func TestUnifiedDiffNewFileAndMinimal(t *testing.T) {
	d := UnifiedDiff("x_ecs.tf", nil, []byte("a\nb\n"))
	if !strings.HasPrefix(d, "--- /dev/null\n+++ b/x_ecs.tf\n@@ -0,0 +1,2 @@\n+a\n+b\n") {
		t.Errorf("new-file diff:\n%s", d)
	}
	if UnifiedDiff("same", []byte("a\n"), []byte("a\n")) != "" {
		t.Error("identical files gave a diff")
	}
	// One added line in the middle of a long file is one + line, nothing removed.
	var before, after strings.Builder
	for i := 0; i < 200; i++ {
		before.WriteString("line\n")
		after.WriteString("line\n")
		if i == 100 {
			after.WriteString("added\n")
		}
	}
	d = UnifiedDiff("f", []byte(before.String()), []byte(after.String()))
	if strings.Count(d, "\n+") != 2 || strings.Count(d, "\n-") != 0 { // the "+++" header and one +added line, no - line
		t.Errorf("not minimal:\n%s", d)
	}
}
