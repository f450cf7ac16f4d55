package schemas

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

//go:embed runtimes.json
var runtimesText []byte

//go:embed runtimes.schema.json
var runtimesSchemaText []byte

// RuntimesJSON returns the embedded runtime table as JSON.
func RuntimesJSON() []byte { return bytes.Clone(runtimesText) }

// RuntimesSchema returns the JSON Schema of runtimes.json.
func RuntimesSchema() []byte { return bytes.Clone(runtimesSchemaText) }

// Runtime is one Lambda-managed runtime and the days its support ends.
// A nil date means none has been announced.
type Runtime struct {
	ID          string     // the identifier in aws_lambda_function.runtime: "nodejs20.x", "python3.12"
	Family      string     // "nodejs", "python", "java", "dotnet", "ruby", "provided", "go"
	Deprecated  *time.Time // no more security patches from this day (UTC)
	BlockCreate *time.Time // creating functions with the runtime fails from this day
	BlockUpdate *time.Time // updating functions with the runtime fails from this day
	OS          string     // "AL1", "AL2", "AL2023"
	// Retired runtimes were deprecated before AWS published lifecycle
	// dates; creating and updating functions with them are blocked.
	Retired bool
	Note    string // what the dates leave out
}

// RuntimeStatus is where a runtime stands on a given day.
type RuntimeStatus int

// The statuses, in the order a runtime passes through them.
const (
	RuntimeSupported     RuntimeStatus = iota // before its deprecation day (or none announced)
	RuntimeDeprecated                         // deprecated, functions can still be created and updated
	RuntimeCreateBlocked                      // new functions are refused; existing ones can be updated
	RuntimeUpdateBlocked                      // existing functions can no longer be updated either
)

// String names the status in kebab-case: "supported", "deprecated",
// "create-blocked" or "update-blocked".
func (s RuntimeStatus) String() string {
	switch s {
	case RuntimeSupported:
		return "supported"
	case RuntimeDeprecated:
		return "deprecated"
	case RuntimeCreateBlocked:
		return "create-blocked"
	case RuntimeUpdateBlocked:
		return "update-blocked"
	}
	return fmt.Sprintf("RuntimeStatus(%d)", int(s))
}

// StatusOn tells where the runtime stands on day (compared by UTC calendar
// day, so a date takes effect from the start of that day).
func (r Runtime) StatusOn(day time.Time) RuntimeStatus {
	d := day.UTC()
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	reached := func(t *time.Time) bool { return t != nil && !d.Before(*t) }
	switch {
	case r.Retired:
		return RuntimeUpdateBlocked
	case reached(r.BlockUpdate):
		return RuntimeUpdateBlocked
	case reached(r.BlockCreate):
		return RuntimeCreateBlocked
	case reached(r.Deprecated):
		return RuntimeDeprecated
	}
	return RuntimeSupported
}

type runtimesFile struct {
	Runtimes []struct {
		ID          string  `json:"id"`
		Family      string  `json:"family"`
		Deprecated  *string `json:"deprecated"`
		BlockCreate *string `json:"block_create"`
		BlockUpdate *string `json:"block_update"`
		OS          string  `json:"os"`
		Retired     bool    `json:"retired"`
		Note        string  `json:"note"`
	} `json:"runtimes"`
}

var parsedRuntimes = sync.OnceValues(func() ([]Runtime, error) {
	var f runtimesFile
	if err := json.Unmarshal(runtimesText, &f); err != nil {
		return nil, fmt.Errorf("embedded runtimes.json: %w", err)
	}
	day := func(id, field string, s *string) (*time.Time, error) {
		if s == nil {
			return nil, nil
		}
		t, err := time.Parse(time.DateOnly, *s)
		if err != nil {
			return nil, fmt.Errorf("embedded runtimes.json: %s %s: %w", id, field, err)
		}
		return &t, nil
	}
	out := make([]Runtime, 0, len(f.Runtimes))
	for _, r := range f.Runtimes {
		rt := Runtime{ID: r.ID, Family: r.Family, OS: r.OS, Retired: r.Retired, Note: r.Note}
		var err error
		if rt.Deprecated, err = day(r.ID, "deprecated", r.Deprecated); err != nil {
			return nil, err
		}
		if rt.BlockCreate, err = day(r.ID, "block_create", r.BlockCreate); err != nil {
			return nil, err
		}
		if rt.BlockUpdate, err = day(r.ID, "block_update", r.BlockUpdate); err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
})

var runtimesByID = sync.OnceValue(func() map[string]Runtime {
	all, _ := parsedRuntimes()
	m := make(map[string]Runtime, len(all))
	for _, r := range all {
		m[r.ID] = r
	}
	return m
})

// Runtimes returns every runtime in the table in the order AWS's lifecycle
// table lists them (latest deprecation first, retired runtimes last). The slice is the caller's; the dates are shared and must not be modified.
func Runtimes() []Runtime {
	all, err := parsedRuntimes()
	if err != nil {
		return nil
	}
	return append([]Runtime(nil), all...)
}

// LookupRuntime finds a runtime by its exact identifier ("python3.9").
// false means the identifier is not a Lambda-managed runtime stepshift knows.
func LookupRuntime(id string) (Runtime, bool) {
	r, ok := runtimesByID()[id]
	return r, ok
}
