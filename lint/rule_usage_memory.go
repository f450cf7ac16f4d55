package lint

import (
	"github.com/stepshift/stepshift/usage"
)

var _ = register(&Rule{
	ID:       "usage-memory",
	Severity: Error,
	Summary:  "a Task's Lambda ran out of memory, or its logs show it using 90% or more of its memory",
	Check:    checkUsageMemory,
	Doc: RuleDoc{
		Checks: "Usage evidence from the Lambda's logs (`--logs`, or CloudWatch Logs with `--aws`): a run that ran out of memory (`Runtime.OutOfMemory`, killed by a signal) is an error; " +
			"a peak `Max Memory Used` at or above 90% of the memory size is a warning. The message states the evidence: how many runs, when, how much.",
		Example: "REPORT RequestId: 8f5…\tDuration: 81234.12 ms\tBilled Duration: 81235 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tStatus: error\tError Type: Runtime.OutOfMemory",
		Why:     "A task that already uses nearly all of its memory fails on the next larger granule; one that has run out of memory already fails in production.",
		Fix:     "Raise `memory_size` while it is below Lambda's maximum; past that, move the step to ECS (`stepshift migrate --step NAME`).",
	},
})

// usageMemoryWarnPercent is the peak memory use, in percent of the memory
// size, at which usage-memory warns.
const usageMemoryWarnPercent = 90

// usageOf finds the log evidence of a task's Lambda, nil when there is none.
func (p *Pass) usageOf(t taskFacts) *usage.Usage {
	if p.Unit == nil || p.Unit.Usage == nil {
		return nil
	}
	name := t.functionName()
	if name == "" {
		return nil
	}
	return p.Unit.Usage[name]
}

func checkUsageMemory(p *Pass) {
	for _, t := range p.taskStates() {
		u := p.usageOf(t)
		if u == nil {
			continue
		}
		// The logs may predate a change of memory_size: say so, since the
		// evidence then describes the old setting.
		now := ""
		if t.lambda != nil && t.lambda.MemoryMB.Known && u.MemorySizeMB > 0 && t.lambda.MemoryMB.Value != u.MemorySizeMB {
			now = " (memory_size is now " + commas(int64(t.lambda.MemoryMB.Value)) + " MB)"
		}
		var f *Finding
		switch {
		case u.OutOfMemory > 0:
			f = p.Report(t.at, "%s ran out of memory: %s%s — raise memory_size or move this step to ECS (%s)", t.lambdaLabel(), u.MemoryEvidence(), now, t.migrateHint())
		case u.Invocations > 0 && u.PeakMemoryPercent >= usageMemoryWarnPercent:
			f = p.Report(t.at, "%s is close to running out of memory: %s%s", t.lambdaLabel(), u.MemoryEvidence(), now).WithSeverity(Warning)
		default:
			continue
		}
		if t.lambda != nil {
			withFact(f, t.lambda.MemoryMB, "memory_size is set here")
		}
	}
}
