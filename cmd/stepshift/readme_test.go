package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepshift/stepshift/internal/standin"
)

// readmeExample is the bundled example deployment the README's commands
// name as `cumulus-tf`.
const readmeExample = "fixtures/deployments/cumulus-tf"

// The mappings TestReadmeCommands applies to README commands, each with its
// reason; anything else runs exactly as written, in a fresh temporary folder
// holding a copy of the example as ./cumulus-tf.
var (
	// readmeRunners are the ways the README runs stepshift: the words
	// before the arguments, all run in-process as `stepshift ARGS`.
	readmeRunners = map[string]string{
		"stepshift":              "the installed binary",
		"go run ./cmd/stepshift": "this package's main, built from the checkout",
	}
	// readmeNotRun are README commands that mention stepshift but are not
	// run, with why. A README line matching none of these and no runner
	// fails the test, so a new example cannot be skipped by accident.
	readmeNotRun = map[string]string{
		"go install github.com/stepshift/stepshift/cmd/stepshift@latest": "fetches the published module from the network; the code it builds is this package",
	}
	// readmeConsumers are the programs the README pipes stepshift's output
	// into; they run for real on that output (skipping when not installed).
	readmeConsumers = map[string]string{
		"dot": "Graphviz (apt-get install graphviz)",
	}
	// readmeArgs rewrites single arguments.
	readmeArgs = map[string]string{
		readmeExample:        "cumulus-tf", // the example, run from the temporary copy (commands may write to it)
		"path/to/cumulus-tf": "cumulus-tf", // the README's placeholder for the reader's deployment
	}
)

// readmeCommand is one stepshift command of a README code block, taken
// apart the way sh would for the few shell forms the README uses.
type readmeCommand struct {
	line      int
	text      string   // the line as written
	args      []string // after `stepshift`
	stdinFile string   // `cat FILE | stepshift ...`
	consumer  []string // `stepshift ... | PROGRAM ARGS`
	stdout    string   // `... > FILE`, of stepshift or of the consumer
}

// shellWord is what the README's commands are made of; a quote, $, ` or
// glob in a command means the parser below would have to be a shell, so
// it fails the test instead of guessing.
var shellWord = regexp.MustCompile(`^[A-Za-z0-9_./:@=,+-]+$`)

// readmeCommands returns every stepshift command in README.md's fenced
// code blocks, and fails t on a line mentioning stepshift that it cannot
// place.
func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(standin.ModuleRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []readmeCommand
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock || !strings.Contains(line, "stepshift ") {
			continue
		}
		text := strings.TrimSpace(line)
		// A GitHub Actions step: `- run: COMMAND`.
		text = strings.TrimSpace(strings.TrimPrefix(text, "- run:"))
		// A shell comment, then `|| [ $? -eq 1 ]`, which only turns exit 1
		// (findings) into success; this test accepts 1 anyway.
		if i := strings.Index(text, " #"); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if i := strings.Index(text, " || "); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if why, ok := readmeNotRun[text]; ok {
			t.Logf("README.md:%d: not run (%s): %s", n, why, text)
			continue
		}
		c := readmeCommand{line: n, text: strings.TrimSpace(line)}
		if left, right, ok := strings.Cut(text, " | "); ok {
			from, to := strings.Fields(left), strings.Fields(right)
			switch {
			case len(from) == 2 && from[0] == "cat":
				c.stdinFile, text = from[1], strings.TrimSpace(right)
			case len(to) > 0 && readmeConsumers[to[0]] != "":
				text, right = strings.TrimSpace(left), strings.TrimSpace(right)
				if l, r, ok := strings.Cut(right, " > "); ok {
					right, c.stdout = strings.TrimSpace(l), strings.TrimSpace(r)
				}
				c.consumer = strings.Fields(right)
			default:
				t.Fatalf("README.md:%d: a pipe other than `cat FILE | stepshift ...` or into %v is not understood: %s", n, readmeConsumers, line)
			}
		}
		if left, right, ok := strings.Cut(text, " > "); ok {
			c.stdout, text = strings.TrimSpace(right), strings.TrimSpace(left)
		}
		words := strings.Fields(text)
		for _, w := range append(append(words, c.consumer...), c.stdinFile, c.stdout) {
			if w != "" && !shellWord.MatchString(w) && w != "-" {
				t.Fatalf("README.md:%d: %q needs a shell this test does not have: %s", n, w, line)
			}
		}
		runner := ""
		for r := range readmeRunners {
			if strings.HasPrefix(text+" ", r+" ") && len(r) > len(runner) {
				runner = r
			}
		}
		if runner == "" {
			t.Fatalf("README.md:%d: mentions stepshift but runs neither %v nor a command listed in readmeNotRun: %s", n, readmeRunners, line)
		}
		for _, w := range words[len(strings.Fields(runner)):] {
			if to, ok := readmeArgs[w]; ok {
				w = to
			}
			c.args = append(c.args, w)
		}
		if len(c.args) > 0 && c.args[0] == "worker" {
			// It polls an activity until stopped: in process it would hang the test.
			t.Fatalf("README.md:%d: a `stepshift worker` example needs a mapping in this test (an activity to poll and a stop): %s", n, line)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// TestReadmeCommands runs every stepshift command in README.md's code
// blocks against the bundled example and fails on exit 2 (bad usage or
// configuration) or 3 (I/O or internal error): an example that stops working
// fails CI. Exit 1 (findings) is what the example is for. Commands run in
// process, each in a fresh temporary folder with:
//   - cumulus-tf: a copy of fixtures/deployments/cumulus-tf as committed;
//   - workflow.asl.json, x.asl.json, sync_granule_workflow.asl.json: copies of
//     its sync_granule_workflow.asl.json;
//   - mocks.json, in.json: the MockConfig and the HappyPath input of its
//     sync_granule_workflow.test.json;
//   - big.asl.json: graph/testdata/every-state.asl.json (Map and Parallel inside);
//   - terraform.tfstate: a Terraform v4 state of its SyncGranulePriority Lambda;
//   - exported-logs/: REPORT lines of ghrc-sit-SyncGranule runs;
//
// and, for --aws, AWS_ENDPOINT_URL pointing at a real moto_server holding the
// prod-IngestGranule state machine and its Lambdas, with test credentials.
func TestReadmeCommands(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("found %d stepshift commands in README.md; the parser has lost some", len(cmds))
	}
	needsAWS := false
	for _, c := range cmds {
		for _, a := range c.args {
			needsAWS = needsAWS || a == "--aws"
		}
	}
	if needsAWS {
		endpoint := standin.SharedMoto(t) // before TestCredentials: see standin.TestCredentials
		standin.TestCredentials(t)
		seedMoto(t, endpoint)
		t.Setenv("AWS_ENDPOINT_URL", endpoint)
	}
	example := filepath.Join(standin.ModuleRoot(), readmeExample)
	for _, c := range cmds {
		t.Run(fmt.Sprintf("line %d", c.line), func(t *testing.T) {
			dir := t.TempDir()
			makeReadmeFolder(t, example, dir)
			t.Chdir(dir)
			stdin := ""
			if c.stdinFile != "" {
				b, err := os.ReadFile(c.stdinFile)
				if err != nil {
					t.Fatalf("README.md:%d: %v", c.line, err)
				}
				stdin = string(b)
			}
			start := time.Now()
			code, out, errOut := runCLI(t, stdin, c.args...)
			t.Logf("README.md:%d: %s\n  ran `stepshift %s`: exit %d in %v", c.line, c.text, strings.Join(c.args, " "), code, time.Since(start).Round(time.Millisecond))
			if code != 0 && code != 1 {
				t.Errorf("README.md:%d: `%s` exits %d\nstdout:\n%s\nstderr:\n%s", c.line, c.text, code, clip(out), clip(errOut))
			}
			if c.consumer != nil {
				out = pipeInto(t, c, out)
			}
			if c.stdout != "" {
				if strings.TrimSpace(out) == "" {
					t.Errorf("README.md:%d: `%s` wrote nothing to %s", c.line, c.text, c.stdout)
				}
				if err := os.WriteFile(c.stdout, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for i, a := range c.args {
				if a == "--save-definitions" && i+1 < len(c.args) {
					if saved, _ := filepath.Glob(filepath.Join(c.args[i+1], "*.asl.json")); len(saved) == 0 {
						t.Errorf("README.md:%d: `%s` saved no definition in %s", c.line, c.text, c.args[i+1])
					}
				}
			}
		})
	}
}

// pipeInto runs c's consumer on stepshift's output and returns its own.
func pipeInto(t *testing.T, c readmeCommand, stepshiftOut string) string {
	t.Helper()
	bin, err := exec.LookPath(c.consumer[0])
	if err != nil {
		standin.Missing(t, c.consumer[0], readmeConsumers[c.consumer[0]])
	}
	cmd := standin.Command(t, bin, c.consumer[1:]...)
	cmd.Stdin = strings.NewReader(stepshiftOut)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Errorf("README.md:%d: `%s`: %s on stepshift's output: %v\n%s", c.line, c.text, strings.Join(c.consumer, " "), err, errOut.String())
	}
	return out.String()
}

// makeReadmeFolder lays out dir as TestReadmeCommands describes.
func makeReadmeFolder(t *testing.T, example, dir string) {
	t.Helper()
	// The example as committed: the 52 MB package zip other tests generate
	// into it (git-ignored, see terraformtest.BigZipPath) stays out, as on a
	// fresh clone, and 17 copies of it would cost a gigabyte of writes.
	err := filepath.WalkDir(example, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(example, path)
		dst := filepath.Join(dir, "cumulus-tf", rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if generated, _ := filepath.Match("tasks/*/dist/big-*.zip", filepath.ToSlash(rel)); generated {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := os.ReadFile(filepath.Join(example, "sync_granule_workflow.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "workflow.asl.json", string(wf))
	writeFile(t, dir, "x.asl.json", string(wf))
	writeFile(t, dir, "sync_granule_workflow.asl.json", string(wf))
	// The example's own test file holds the Step Functions Local mocks and
	// the HappyPath input that `stepshift run` takes as files.
	var cases struct {
		MockConfig json.RawMessage
		TestCases  map[string]struct{ Input json.RawMessage }
	}
	raw, err := os.ReadFile(filepath.Join(example, "sync_granule_workflow.test.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cases); err != nil || len(cases.MockConfig) == 0 || cases.TestCases["HappyPath"].Input == nil {
		t.Fatalf("sync_granule_workflow.test.json has no inline MockConfig and HappyPath input (%v)", err)
	}
	writeFile(t, dir, "mocks.json", string(cases.MockConfig))
	writeFile(t, dir, "in.json", string(cases.TestCases["HappyPath"].Input))
	big, err := os.ReadFile(filepath.Join(standin.ModuleRoot(), "graph", "testdata", "every-state.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "big.asl.json", string(big))
	writeFile(t, dir, "terraform.tfstate", `{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 3,
  "lineage": "readme-example",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "aws_lambda_function",
      "name": "sync_granule_priority",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [{"schema_version": 0, "attributes": {
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:ghrc-sit-SyncGranulePriority",
        "function_name": "ghrc-sit-SyncGranulePriority",
        "memory_size": 3008, "timeout": 900, "runtime": "nodejs20.x", "handler": "index.handler",
        "package_type": "Zip", "ephemeral_storage": [{"size": 10240}]
      }}]
    }
  ]
}
`)
	if err := os.Mkdir(filepath.Join(dir, "exported-logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	for i := range 10 {
		fmt.Fprintf(&logs, "2026-11-%02dT10:00:00.000Z REPORT RequestId: 00000000-0000-4000-8000-%012d\tDuration: %d.00 ms\tBilled Duration: %d ms\tMemory Size: 12000 MB\tMax Memory Used: %d MB\t\n",
			i+1, i, 60000*(i+1), 60000*(i+1), 4000+100*i)
	}
	writeFile(t, filepath.Join(dir, "exported-logs"), "ghrc-sit-SyncGranule.log", logs.String())
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "\n[...]"
	}
	return s
}
