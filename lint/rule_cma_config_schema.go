package lint

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "cma-config-schema",
	Severity: Error,
	Summary:  "task_config does not match the config schema inside the task's own package",
	Check:    checkCMAConfigSchema,
	Doc: RuleDoc{
		Checks: "Where the Lambda a Task runs has its package zip on disk and the zip holds `schemas/config.json` (the Cumulus task's own JSON Schema for its config), " +
			"the keys of `Parameters.cma.task_config` are checked against it: a `required` key that is missing is an error; a key the schema has no property for is a warning " +
			"(an error when the schema sets `additionalProperties: false`). The zip is read from its directory and one small entry; it is never extracted.",
		Example: `"task_config": {
  "provider": "{$.meta.provider}",
  "colection": "{$.meta.collection}"
}`,
		Why: "The CMA validates task_config against this schema at run time: a missing required key fails the task on its first run, after deployment, and a misspelt key is silently ignored.",
		Fix: "Add the required keys; correct or remove the unknown ones (the message lists what the schema knows).",
	},
})

// configSchemaEntry is where Cumulus tasks keep their config schema.
const configSchemaEntry = "schemas/config.json"

// configSchemaMaxBytes bounds what is read of schemas/config.json.
const configSchemaMaxBytes = 1 << 20

// taskConfigSchema is the part of a task's config schema the rule uses.
type taskConfigSchema struct {
	Required             []string                   `json:"required"`
	Properties           map[string]json.RawMessage `json:"properties"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
}

func checkCMAConfigSchema(p *Pass) {
	for _, t := range p.lambdaTasks() {
		tc := cmaObject(t.state).Get("task_config")
		z := t.lambda.Package.Zip
		if tc == nil || tc.Kind != workflow.Object || z == nil || !z.Has(configSchemaEntry) {
			continue
		}
		raw, err := z.ReadEntry(configSchemaEntry, configSchemaMaxBytes)
		if err != nil {
			p.Report(tc, "state %q: cannot read %s from %s: %v", t.state.Name, configSchemaEntry, z.Path, err).WithSeverity(Warning)
			continue
		}
		var schema taskConfigSchema
		if err := json.Unmarshal(raw, &schema); err != nil {
			p.Report(tc, "state %q: %s in %s is not a JSON Schema object: %v", t.state.Name, configSchemaEntry, z.Path, err).WithSeverity(Warning)
			continue
		}
		have := map[string]bool{}
		for _, m := range tc.Members {
			have[m.Key] = true
		}
		var missing []string
		for _, k := range schema.Required {
			if !have[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			f := p.ReportKey(tc, "state %q: task_config lacks %s, required by the %s in %s's package", t.state.Name, quoteJoin(missing), configSchemaEntry, t.lambdaLabel())
			withFact(f, t.lambda.Package.Filename, "the package is set here")
		}
		if schema.Properties == nil {
			continue
		}
		known := make([]string, 0, len(schema.Properties))
		for k := range schema.Properties {
			known = append(known, k)
		}
		sort.Strings(known)
		// Unknown keys are one finding per task_config (at the first), so a
		// schema that lags behind the workflow is one line, not ten.
		var unknown []*workflow.Node
		for _, m := range tc.Members {
			// cumulus_message is the adapter's own directive (input and
			// output mapping); the CMA takes it out before the task sees
			// its config, so the task's schema never lists it.
			if _, ok := schema.Properties[m.Key]; !ok && !strings.HasPrefix(m.Key, "${") && m.Key != "cumulus_message" {
				unknown = append(unknown, m)
			}
		}
		if len(unknown) == 0 {
			continue
		}
		names := make([]string, len(unknown))
		for i, m := range unknown {
			names[i] = m.Key
		}
		hint := ""
		if len(unknown) == 1 {
			if s := closestName(names[0], known); s != "" {
				hint = "; did you mean " + quoteJoin([]string{s}) + "?"
			}
		}
		noun := "key " + quoteJoin(names) + " is"
		if len(names) > 1 {
			noun = "keys " + quoteJoin(names) + " are"
		}
		f := p.ReportKey(unknown[0], "state %q: task_config %s not in the %s in %s's package (it knows %s)%s",
			t.state.Name, noun, configSchemaEntry, t.lambdaLabel(), quoteJoin(known), hint)
		if schema.AdditionalProperties == nil || *schema.AdditionalProperties {
			f.WithSeverity(Warning)
		}
		withFact(f, t.lambda.Package.Filename, "the package is set here")
	}
}

func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}

// closestName returns the known name within two edits of name, "" if none.
func closestName(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}
