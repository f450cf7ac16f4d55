package lint

import "testing"

// TestRuleSeverityPolicy lists every registered rule with its default
// severity and why it has it (docs/rules/README.md states the policy). It
// fails when a rule is registered without a row here and in severityBasis,
// when a default severity changes without this table changing with it, and
// when an error is justified by advice or advice is made an error.
func TestRuleSeverityPolicy(t *testing.T) {
	rows := map[string]struct {
		sev   Severity
		basis SeverityBasis
	}{
		"activity-heartbeat":     {Warning, BasisAdvice},
		"activity-lambda-retry":  {Warning, BasisAdvice},
		"asl-schema":             {Error, BasisAWSRejects},
		"choice-comparison":      {Error, BasisAWSRejects},
		"cma-config-schema":      {Error, BasisRunFails},
		"cma-event":              {Error, BasisRunFails}, // a literal event object is reported as a warning
		"cma-outputs":            {Error, BasisRunFails},
		"cma-replace-config":     {Error, BasisRunFails},
		"cma-template":           {Error, BasisRunFails},
		"credentials-role":       {Error, BasisAWSRejects},
		"duplicate-key":          {Error, BasisAWSRejects},
		"duplicate-state-name":   {Error, BasisAWSRejects},
		"empty-file":             {Error, BasisAWSRejects},
		"express-unsupported":    {Error, BasisAWSRejects},
		"file-too-large":         {Error, BasisAWSRejects},
		"heartbeat-timeout":      {Error, BasisAWSRejects},
		"internal-error":         {Error, BasisUnlintable},
		"invalid-path":           {Error, BasisAWSRejects},
		"invalid-resource":       {Error, BasisAWSRejects},
		"invalid-utf8":           {Error, BasisAWSRejects},
		"json-syntax":            {Error, BasisAWSRejects},
		"jsonata-expression":     {Error, BasisAWSRejects},
		"lambda-drift":           {Warning, BasisAdvice},
		"lambda-facts-unknown":   {Info, BasisAdvice},
		"lambda-image-package":   {Info, BasisAdvice},
		"lambda-layers":          {Error, BasisDeployFails},
		"lambda-memory":          {Error, BasisDeployFails}, // near the limit: warning
		"lambda-package-size":    {Error, BasisDeployFails}, // near the limit: warning
		"lambda-retry":           {Info, BasisAdvice},
		"lambda-runtime":         {Warning, BasisAdvice}, // update blocked: error
		"lambda-timeout":         {Error, BasisDeployFails},
		"lambda-tmp-storage":     {Error, BasisDeployFails},
		"map-distributed-fields": {Warning, BasisAdvice},
		"next-target":            {Error, BasisAWSRejects},
		"no-dollar":              {Warning, BasisAdvice},
		"no-path":                {Warning, BasisAdvice},
		"no-terminal":            {Error, BasisAWSRejects},
		"not-a-state-machine":    {Error, BasisAWSRejects},
		"not-text":               {Error, BasisAWSRejects},
		"pass-result-path":       {Warning, BasisAdvice},
		"payload-key-collision":  {Error, BasisAWSRejects},
		"query-language-fields":  {Error, BasisAWSRejects},
		"start-at":               {Error, BasisAWSRejects},
		"state-name":             {Error, BasisAWSRejects},
		"states-all":             {Error, BasisAWSRejects},
		"task-timeout":           {Warning, BasisAdvice},
		"template-directive":     {Error, BasisUnlintable},
		"template-syntax":        {Error, BasisDeployFails},
		"terraform-config":       {Error, BasisDeployFails},
		"too-deep":               {Error, BasisUnlintable},
		"unknown-resource":       {Warning, BasisSpecAllows},
		"unreachable-state":      {Error, BasisAWSRejects},
		"unused-suppression":     {Info, BasisAdvice},
		"usage-duration":         {Error, BasisRunFails}, // near the timeout: warning
		"usage-memory":           {Error, BasisRunFails}, // near the memory: warning
		"usage-tmp":              {Error, BasisRunFails},
	}
	for _, r := range Rules() {
		row, ok := rows[r.ID]
		if !ok {
			t.Errorf("rule %s (%s) has no row: add it here and to severityBasis with the reason for its severity", r.ID, r.Severity)
			continue
		}
		if r.Severity != row.sev {
			t.Errorf("rule %s: default severity %s, the table says %s", r.ID, r.Severity, row.sev)
		}
		if got := severityBasis[r.ID]; got != row.basis {
			t.Errorf("rule %s: severityBasis says %q, the table says %q", r.ID, got, row.basis)
		}
		if r.Severity == Error && !row.basis.justifiesError() {
			t.Errorf("rule %s is an error by default but its reason is %q; an error needs AWS to reject it, the deploy or the run to fail", r.ID, row.basis)
		}
		if r.Severity != Error && row.basis != BasisAdvice && row.basis != BasisSpecAllows {
			t.Errorf("rule %s is a %s but its reason is %q; make it an error or call it advice", r.ID, r.Severity, row.basis)
		}
	}
	for id, row := range rows {
		if row.basis == BasisSpecAllows && id != "unknown-resource" {
			t.Errorf("rule %s: the spec-allows exception is recorded for unknown-resource alone; AWS rejecting a definition makes an error", id)
		}
	}
	for id := range rows {
		if _, ok := LookupRule(id); !ok {
			t.Errorf("the table lists %s, which is not a registered rule", id)
		}
	}
	for id := range severityBasis {
		if _, ok := LookupRule(id); !ok {
			t.Errorf("severityBasis lists %s, which is not a registered rule", id)
		}
	}
}
