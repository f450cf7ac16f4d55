package schemas

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed limits.json
var limitsText []byte

//go:embed limits.schema.json
var limitsSchemaText []byte

// LimitsSchema returns the JSON Schema of limits.json, which
// `stepshift schema limits` prints. The caller gets its own copy.
func LimitsSchema() []byte { return bytes.Clone(limitsSchemaText) }

// LimitsJSON returns the embedded limits data (all profiles).
func LimitsJSON() []byte { return bytes.Clone(limitsText) }

// DefaultProfile is the profile used when a configuration names none: the
// quotas AWS enforces today.
const DefaultProfile = "aws"

// Limits is one profile of the numbers stepshift compares a deployment
// against. Units are part of every name so no caller has to guess them.
type Limits struct {
	Profile     string // the profile name, "aws" or "cumulus-docs"
	Description string // where the numbers come from

	MemoryMinMB                  int   // smallest Lambda memory setting
	MemoryMaxMB                  int   // largest Lambda memory setting
	EphemeralStorageMinMB        int   // smallest /tmp
	EphemeralStorageMaxMB        int   // largest /tmp
	TimeoutMaxSeconds            int   // longest Lambda timeout
	ZippedPackageMaxBytes        int64 // largest .zip uploaded directly
	UnzippedPackageMaxBytes      int64 // largest unzipped package, layers included
	LayersMax                    int   // most layers on one function
	EnvironmentVariablesMaxBytes int   // largest total of a function's environment variables

	StepFunctionsPayloadMaxBytes int // largest state input, output or task result
	TaskFailureErrorMaxChars     int // longest SendTaskFailure error
	TaskFailureCauseMaxChars     int // longest SendTaskFailure cause

	ECSContainerOverridesMaxBytes int // largest RunTask containerOverrides
}

type limitsFile struct {
	Profiles map[string]struct {
		Description string `json:"description"`
		Lambda      struct {
			MemoryMinMB                  int   `json:"memory_min_mb"`
			MemoryMaxMB                  int   `json:"memory_max_mb"`
			EphemeralStorageMinMB        int   `json:"ephemeral_storage_min_mb"`
			EphemeralStorageMaxMB        int   `json:"ephemeral_storage_max_mb"`
			TimeoutMaxSeconds            int   `json:"timeout_max_seconds"`
			ZippedPackageMaxBytes        int64 `json:"zipped_package_max_bytes"`
			UnzippedPackageMaxBytes      int64 `json:"unzipped_package_max_bytes"`
			LayersMax                    int   `json:"layers_max"`
			EnvironmentVariablesMaxBytes int   `json:"environment_variables_max_bytes"`
		} `json:"lambda"`
		StepFunctions struct {
			PayloadMaxBytes          int `json:"payload_max_bytes"`
			TaskFailureErrorMaxChars int `json:"task_failure_error_max_chars"`
			TaskFailureCauseMaxChars int `json:"task_failure_cause_max_chars"`
		} `json:"step_functions"`
		ECS struct {
			ContainerOverridesMaxBytes int `json:"container_overrides_max_bytes"`
		} `json:"ecs"`
	} `json:"profiles"`
}

var parsedLimits = sync.OnceValues(func() (map[string]Limits, error) {
	var f limitsFile
	dec := json.NewDecoder(bytes.NewReader(limitsText))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("embedded limits.json: %w", err)
	}
	out := make(map[string]Limits, len(f.Profiles))
	for name, p := range f.Profiles {
		out[name] = Limits{
			Profile:                       name,
			Description:                   p.Description,
			MemoryMinMB:                   p.Lambda.MemoryMinMB,
			MemoryMaxMB:                   p.Lambda.MemoryMaxMB,
			EphemeralStorageMinMB:         p.Lambda.EphemeralStorageMinMB,
			EphemeralStorageMaxMB:         p.Lambda.EphemeralStorageMaxMB,
			TimeoutMaxSeconds:             p.Lambda.TimeoutMaxSeconds,
			ZippedPackageMaxBytes:         p.Lambda.ZippedPackageMaxBytes,
			UnzippedPackageMaxBytes:       p.Lambda.UnzippedPackageMaxBytes,
			LayersMax:                     p.Lambda.LayersMax,
			EnvironmentVariablesMaxBytes:  p.Lambda.EnvironmentVariablesMaxBytes,
			StepFunctionsPayloadMaxBytes:  p.StepFunctions.PayloadMaxBytes,
			TaskFailureErrorMaxChars:      p.StepFunctions.TaskFailureErrorMaxChars,
			TaskFailureCauseMaxChars:      p.StepFunctions.TaskFailureCauseMaxChars,
			ECSContainerOverridesMaxBytes: p.ECS.ContainerOverridesMaxBytes,
		}
	}
	return out, nil
})

// LoadLimits returns the named profile; "" means DefaultProfile. An unknown
// name is an error that lists the profiles there are, for a configuration
// message.
func LoadLimits(profile string) (Limits, error) {
	if profile == "" {
		profile = DefaultProfile
	}
	all, err := parsedLimits()
	if err != nil {
		return Limits{}, err
	}
	l, ok := all[profile]
	if !ok {
		return Limits{}, fmt.Errorf("unknown limits profile %q (known: %s)", profile, strings.Join(Profiles(), ", "))
	}
	return l, nil
}

// Profiles lists the profile names, sorted.
func Profiles() []string {
	all, err := parsedLimits()
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
