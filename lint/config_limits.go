package lint

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/stepshift/stepshift/schemas"
)

// DefaultMargin is the near-limit fraction used when neither Options nor the
// configuration sets one: 80% of a limit is "near" it.
const DefaultMargin = 0.8

// parseLimitSettings reads the Lambda-limit attributes of .stepshift.hcl:
//
//	limits        = "aws"          # or "cumulus-docs"
//	memory_max_mb = 3008           # an account capped below the profile's maximum
//	margin        = 0.8            # warn at 80% of a limit
//
// Every bad value is a diagnostic at the value.
func parseLimitSettings(attrs hcl.Attributes, cfg *Config, diags *hcl.Diagnostics) {
	note := func(a *hcl.Attribute) {
		if cfg.LimitsRange.Filename == "" {
			cfg.LimitsRange = a.Range
		}
	}
	if a := attrs["limits"]; a != nil {
		if s, ok := stringAttr(a, diags); ok {
			if _, err := schemas.LoadLimits(s); err != nil {
				*diags = append(*diags, attrError(a, "invalid limits", fmt.Sprintf("limits = %q: want one of %s", s, quotedList(schemas.Profiles()))))
			} else {
				cfg.LimitsProfile = s
				note(a)
			}
		}
	}
	if a := attrs["memory_max_mb"]; a != nil {
		if n, ok := numberAttr(a, diags); ok {
			mb, acc := n.Int64()
			switch {
			case acc != big.Exact:
				*diags = append(*diags, attrError(a, "invalid memory_max_mb", "memory_max_mb must be a whole number of MB"))
			case mb < 128 || mb > 10240:
				*diags = append(*diags, attrError(a, "invalid memory_max_mb", fmt.Sprintf("memory_max_mb = %d: Lambda memory is between 128 and 10240 MB", mb)))
			default:
				cfg.MemoryMaxMB = int(mb)
				note(a)
			}
		}
	}
	if a := attrs["margin"]; a != nil {
		if n, ok := numberAttr(a, diags); ok {
			f, _ := n.Float64()
			if f <= 0 || f > 1 {
				*diags = append(*diags, attrError(a, "invalid margin", fmt.Sprintf("margin = %s: want a fraction above 0 and at most 1 (0.8 warns at 80%% of a limit)", n.Text('g', -1))))
			} else {
				cfg.Margin = f
				note(a)
			}
		}
	}
}

func numberAttr(a *hcl.Attribute, diags *hcl.Diagnostics) (*big.Float, bool) {
	v, d := a.Expr.Value(nil)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil, false
	}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		*diags = append(*diags, attrError(a, "invalid "+a.Name, a.Name+" must be a number"))
		return nil, false
	}
	return v.AsBigFloat(), true
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// ApplyLimits sets o.Limits and o.Margin from the configuration: the named
// profile, memory_max_mb lowering (or raising) its memory maximum, and the
// margin. Settings the configuration leaves out keep what o already has.
// A nil configuration applies nothing.
func (c *Config) ApplyLimits(o *Options) error {
	if c == nil {
		return nil
	}
	if c.LimitsProfile != "" || c.MemoryMaxMB != 0 {
		base := o.Limits
		if c.LimitsProfile != "" || base.Profile == "" {
			l, err := schemas.LoadLimits(c.LimitsProfile)
			if err != nil {
				return fmt.Errorf("%s: %v", c.Path, err)
			}
			base = l
		}
		if c.MemoryMaxMB != 0 {
			base.MemoryMaxMB = c.MemoryMaxMB
		}
		o.Limits = base
	}
	if c.Margin != 0 {
		o.Margin = c.Margin
	}
	return nil
}
