package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// State holds the concrete attribute values of every resource in a Terraform
// state or plan, including resources inside remote modules.
type State struct {
	File   string
	Format string // "tfstate" (raw version 4), "state" (show -json of a state), "plan" (show -json of a plan)
	// Resources by absolute address; instances of count/for_each resources
	// carry their index ("aws_x.y[0]", `aws_x.y["k"]`), a lone instance has none.
	Resources map[string]*StateResource
}

// StateResource is one resource instance's values.
type StateResource struct {
	Address string
	Module  string // "module.cumulus.module.ingest", "" for the root
	Mode    Mode
	Type    string
	Name    string
	Values  map[string]json.RawMessage
}

type rawState struct {
	Version       *int            `json:"version"`
	FormatVersion *string         `json:"format_version"`
	Resources     []rawResource   `json:"resources"`
	Values        *showValues     `json:"values"`
	PlannedValues *showValues     `json:"planned_values"`
	PriorState    *showPriorState `json:"prior_state"`
}

type rawResource struct {
	Module    string `json:"module"`
	Mode      string `json:"mode"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Instances []struct {
		IndexKey   json.RawMessage            `json:"index_key"`
		Attributes map[string]json.RawMessage `json:"attributes"`
	} `json:"instances"`
}

type showPriorState struct {
	Values *showValues `json:"values"`
}

type showValues struct {
	RootModule *showModule `json:"root_module"`
}

type showModule struct {
	Address   string `json:"address"`
	Resources []struct {
		Address string                     `json:"address"`
		Mode    string                     `json:"mode"`
		Type    string                     `json:"type"`
		Name    string                     `json:"name"`
		Values  map[string]json.RawMessage `json:"values"`
	} `json:"resources"`
	ChildModules []*showModule `json:"child_modules"`
}

// LoadState reads `terraform show -json` output (format_version 1.x, state or
// plan) or a raw terraform.tfstate (version 4). Problems are diagnostics naming
// the file and, where there is one, the position.
func LoadState(path string) (*State, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read tfstate", Detail: err.Error(), Subject: &hcl.Range{Filename: path}}}
	}
	return ParseState(src, path)
}

// ParseState is LoadState on bytes already read.
func ParseState(src []byte, path string) (*State, hcl.Diagnostics) {
	fail := func(at int, summary, format string, args ...any) (*State, hcl.Diagnostics) {
		p := posAt(src, at)
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...),
			Subject: &hcl.Range{Filename: path, Start: p, End: p}}}
	}
	var raw rawState
	if err := json.Unmarshal(src, &raw); err != nil {
		at := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &se) {
			at = int(se.Offset)
		} else if errors.As(err, &te) {
			at = int(te.Offset)
		}
		return fail(at, "Invalid tfstate", "%s is not Terraform state or plan JSON: %v", path, err)
	}
	s := &State{File: path, Resources: map[string]*StateResource{}}
	switch {
	case raw.FormatVersion != nil:
		if !strings.HasPrefix(*raw.FormatVersion, "1.") {
			return fail(bytes.Index(src, []byte(`"format_version"`)), "Unsupported tfstate version",
				"%s has format_version %q; stepshift reads `terraform show -json` format 1.x", path, *raw.FormatVersion)
		}
		switch {
		case raw.PlannedValues != nil:
			s.Format = "plan"
			// Planned values win; the prior state fills what the plan leaves to apply.
			if raw.PriorState != nil && raw.PriorState.Values != nil {
				s.addShow(raw.PriorState.Values.RootModule)
			}
			s.addShow(raw.PlannedValues.RootModule)
		case raw.Values != nil:
			s.Format = "state"
			s.addShow(raw.Values.RootModule)
		default:
			s.Format = "state" // an empty state: `terraform show -json` of nothing applied yet
		}
	case raw.Version != nil:
		if *raw.Version != 4 {
			return fail(bytes.Index(src, []byte(`"version"`)), "Unsupported tfstate version",
				"%s is terraform.tfstate version %d; stepshift reads version 4 (Terraform 0.12 and later)", path, *raw.Version)
		}
		s.Format = "tfstate"
		for _, r := range raw.Resources {
			mode := Managed
			prefix := r.Type + "." + r.Name
			if r.Mode == "data" {
				mode, prefix = Data, "data."+prefix
			}
			if r.Module != "" {
				prefix = r.Module + "." + prefix
			}
			for _, in := range r.Instances {
				addr := prefix
				if len(in.IndexKey) > 0 && string(in.IndexKey) != "null" {
					addr += "[" + string(in.IndexKey) + "]"
				}
				s.Resources[addr] = &StateResource{Address: addr, Module: r.Module, Mode: mode, Type: r.Type, Name: r.Name, Values: in.Attributes}
			}
		}
	default:
		return fail(0, "Unsupported tfstate", "%s has neither \"version\" (terraform.tfstate) nor \"format_version\" (terraform show -json)", path)
	}
	return s, nil
}

func (s *State) addShow(m *showModule) {
	if m == nil {
		return
	}
	for _, r := range m.Resources {
		mode := Managed
		if r.Mode == "data" {
			mode = Data
		}
		prev := s.Resources[r.Address]
		if prev != nil && prev.Values != nil {
			for k, v := range r.Values {
				prev.Values[k] = v
			}
			continue
		}
		s.Resources[r.Address] = &StateResource{Address: r.Address, Module: m.Address, Mode: mode, Type: r.Type, Name: r.Name, Values: r.Values}
	}
	for _, c := range m.ChildModules {
		s.addShow(c)
	}
}

// attr returns a resource attribute as a cty value marked as coming from the
// state. It is safe on a nil State.
func (s *State) attr(addr, attr string) (cty.Value, bool) {
	if s == nil {
		return cty.NilVal, false
	}
	r := s.Resources[addr]
	if r == nil {
		return cty.NilVal, false
	}
	raw, ok := r.Values[attr]
	if !ok {
		return cty.NilVal, false
	}
	ty, err := ctyjson.ImpliedType(raw)
	if err != nil {
		return cty.NilVal, false
	}
	v, err := ctyjson.Unmarshal(raw, ty)
	if err != nil {
		return cty.NilVal, false
	}
	return markDeep(v, origin{Source: SourceTFState}), true
}

// findByName returns the addresses of resources of that type and name
// anywhere under the module address prefix.
func (s *State) findByName(modulePrefix, typ, name string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for addr, r := range s.Resources {
		if r.Mode == Managed && r.Type == typ && r.Name == name && (r.Module == modulePrefix || strings.HasPrefix(r.Module, modulePrefix+".")) {
			out = append(out, addr)
		}
	}
	sort.Strings(out)
	return out
}

// posAt converts a byte offset to an hcl.Pos (columns in runes).
func posAt(src []byte, off int) hcl.Pos {
	if off < 0 {
		off = 0
	}
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for _, r := range string(src[:off]) {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return hcl.Pos{Line: line, Column: col, Byte: off}
}
