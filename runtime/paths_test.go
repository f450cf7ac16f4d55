package runtime

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nodeBootstrap is a minimal Node runtime speaking the Runtime API that
// loads the handler as Lambda's Node runtime does:
// require(path.resolve(LAMBDA_TASK_ROOT, module)) from inside the task
// root, where a relative LAMBDA_TASK_ROOT resolves a second time.
const nodeBootstrap = `#!/usr/bin/env node
const http = require('http');
const path = require('path');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
function call(method, p, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host, port, method, path: '/2018-06-01/runtime' + p }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ headers: res.headers, body: data }));
    });
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
}
const dot = process.env._HANDLER.lastIndexOf('.');
let handler;
try {
  handler = require(path.resolve(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER.slice(0, dot)))[process.env._HANDLER.slice(dot + 1)];
} catch (e) {
  call('POST', '/init/error', JSON.stringify({ errorMessage: e.message, errorType: 'Runtime.ImportModuleError' })).then(() => process.exit(1));
  return;
}
(async () => {
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    try {
      const out = await handler(JSON.parse(next.body));
      await call('POST', '/invocation/' + id + '/response', JSON.stringify(out));
    } catch (e) {
      await call('POST', '/invocation/' + id + '/error', JSON.stringify({ errorMessage: String(e), errorType: 'Error' }));
    }
  }
})();
`

// TestRelativePathsAreResolvedBeforeTheRuntime starts the worker from its
// base folder with a relative task root, work folder, layer root and
// --bootstrap, on a real aws-lambda-go runtime and (when node is
// installed) a Node runtime loading its handler from LAMBDA_TASK_ROOT.
func TestRelativePathsAreResolvedBeforeTheRuntime(t *testing.T) {
	relative := func(e *testEnv) {
		t.Chdir(e.base)
		e.cfg.TaskRoot, e.cfg.WorkDir, e.cfg.LayerRoot = "task", "work", "opt"
	}
	abs := func(e *testEnv, name string) string {
		return filepath.Join(e.base, name)
	}
	t.Run("aws-lambda-go function", func(t *testing.T) {
		e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "env")})
		relative(e)
		tok := e.fake.addTask(`{"names":["LAMBDA_TASK_ROOT","CUMULUS_MESSAGE_ADAPTER_DIR"]}`)
		_, stop := e.start(t)
		e.fake.waitAnswers(t, 1, 30*time.Second)
		stop()
		var got map[string]string
		if a := e.fake.answersFor(tok)[0]; json.Unmarshal([]byte(a.Output), &got) != nil {
			t.Fatalf("answered %+v", a)
		}
		root := abs(e, "task")
		if got["LAMBDA_TASK_ROOT"] != root || got["cwd"] != root || got["CUMULUS_MESSAGE_ADAPTER_DIR"] != abs(e, "opt") {
			t.Errorf("runtime saw %v; want LAMBDA_TASK_ROOT and cwd %s, the layer root %s", got, root, abs(e, "opt"))
		}
	})
	t.Run("relative --bootstrap", func(t *testing.T) {
		e := newTestEnv(t, fakeFunction{})
		bin, err := os.ReadFile(handlerBin["env"])
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(e.base, "bin"), 0o755)
		if err := os.WriteFile(filepath.Join(e.base, "bin", "runtime"), bin, 0o755); err != nil {
			t.Fatal(err)
		}
		relative(e)
		e.cfg.Function, e.cfg.Bootstrap = "", filepath.Join("bin", "runtime")
		w, err := New(context.Background(), e.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		res, err := w.Invoke(context.Background(), []byte(`{"names":["LAMBDA_TASK_ROOT"]}`))
		if err != nil || res.Failed() {
			t.Fatalf("Invoke: %v %+v", err, res)
		}
		var got map[string]string
		json.Unmarshal(res.Output, &got)
		if got["LAMBDA_TASK_ROOT"] != abs(e, "task") {
			t.Errorf("LAMBDA_TASK_ROOT %q, want %s", got["LAMBDA_TASK_ROOT"], abs(e, "task"))
		}
	})
	t.Run("node function", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node is not installed")
		}
		e := newTestEnv(t, fakeFunction{Handler: "lib/index.handler", Zip: makeZip(t,
			zipEntry{Name: "bootstrap", Body: []byte(nodeBootstrap), Mode: 0o755},
			zipEntry{Name: "lib/index.js", Body: []byte("exports.handler = async (e) => ({ taskRoot: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), got: e });\n")})})
		relative(e)
		tok := e.fake.addTask(`{"granule":"g-1"}`)
		_, stop := e.start(t)
		e.fake.waitAnswers(t, 1, 30*time.Second)
		stop()
		a := e.fake.answersFor(tok)[0]
		var got struct {
			TaskRoot, Cwd string
			Got           map[string]string
		}
		if a.Kind != "Success" || json.Unmarshal([]byte(a.Output), &got) != nil {
			t.Fatalf("the Node handler did not load: %+v", a)
		}
		if got.TaskRoot != abs(e, "task") || got.Got["granule"] != "g-1" {
			t.Errorf("Node handler saw %+v, want LAMBDA_TASK_ROOT %s and its event", got, abs(e, "task"))
		}
	})
}
