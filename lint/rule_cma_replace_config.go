package lint

import (
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "cma-replace-config",
	Severity: Error,
	Summary:  "a Cumulus Message Adapter ReplaceConfig is incomplete or malformed",
	Check:    checkCMAReplaceConfig,
	Doc: RuleDoc{
		Checks: "`Parameters.cma.ReplaceConfig`: it needs `Path` unless `FullMessage` is true; `MaxSize` must be an integer number of bytes; `Path` and `TargetPath` must be valid JSONPath.",
		Example: `"ReplaceConfig": {
  "MaxSize": "1MB",
  "TargetPath": "$.payload"
}`,
		Why: "The CMA uses ReplaceConfig to move large parts of the message to S3 so the output fits Step Functions' 256 KiB payload limit. A malformed one fails the task in the adapter, after the work is done.",
		Fix: "Give `Path` (and optionally `TargetPath`, `MaxSize` in bytes), or `\"FullMessage\": true`.",
	},
})

func checkCMAReplaceConfig(p *Pass) {
	for _, st := range p.Doc.States {
		rc := cmaObject(st).Get("ReplaceConfig")
		if rc == nil {
			continue
		}
		if rc.Kind != workflow.Object {
			if !rc.IsTemplated() {
				p.Report(rc, "state %q: ReplaceConfig must be an object", st.Name)
			}
			continue
		}
		full := rc.Get("FullMessage")
		if full != nil && full.Kind != workflow.Bool && !full.IsTemplated() {
			p.Report(full, "state %q: ReplaceConfig FullMessage must be true or false", st.Name)
		}
		fullMessage := full != nil && full.Kind == workflow.Bool && full.Bool
		if !fullMessage && rc.Get("Path") == nil {
			p.ReportKey(rc, "state %q: ReplaceConfig needs \"Path\" (the part of the message to store in S3) unless \"FullMessage\" is true", st.Name)
		}
		if ms := rc.Get("MaxSize"); ms != nil && !ms.IsTemplated() {
			if n, ok := ms.Int(); !ok || n < 0 {
				p.Report(ms, "state %q: ReplaceConfig MaxSize must be a whole number of bytes", st.Name)
			}
		}
		for _, key := range []string{"Path", "TargetPath"} {
			n := rc.Get(key)
			if n == nil || n.IsTemplated() {
				continue
			}
			if n.Kind != workflow.String {
				p.Report(n, "state %q: ReplaceConfig %s must be a JSONPath string", st.Name, key)
				continue
			}
			if err := ParsePath(n.Str, AnyPath); err != nil {
				p.ReportInString(n, err.Offset, 1, "state %q: ReplaceConfig %s %q is not a valid JSONPath: %s", st.Name, key, n.Str, err.Msg)
			}
		}
	}
}
