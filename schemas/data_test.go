package schemas_test

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/schemas"
)

// validateAgainst checks embedded data against its own embedded schema.
func validateAgainst(t *testing.T, schemaText, dataText []byte) {
	t.Helper()
	sdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaText))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://schema.json", sdoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("mem://schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(dataText))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("data does not match its schema: %v", err)
	}
}

func TestLimitsMatchTheirSchema(t *testing.T) {
	validateAgainst(t, schemas.LimitsSchema(), schemas.LimitsJSON())
}

func TestRuntimesMatchTheirSchema(t *testing.T) {
	validateAgainst(t, schemas.RuntimesSchema(), runtimesJSON(t))
}

func TestLimitsProfiles(t *testing.T) {
	if got := schemas.Profiles(); len(got) != 2 || got[0] != "aws" || got[1] != "cumulus-docs" {
		t.Fatalf("Profiles() = %v", got)
	}
	aws, err := schemas.LoadLimits("aws")
	if err != nil {
		t.Fatal(err)
	}
	want := schemas.Limits{
		Profile: "aws", Description: aws.Description,
		MemoryMinMB: 128, MemoryMaxMB: 10240,
		EphemeralStorageMinMB: 512, EphemeralStorageMaxMB: 10240,
		TimeoutMaxSeconds:     900,
		ZippedPackageMaxBytes: 52428800, UnzippedPackageMaxBytes: 262144000,
		LayersMax: 5, EnvironmentVariablesMaxBytes: 4096,
		StepFunctionsPayloadMaxBytes: 262144,
		TaskFailureErrorMaxChars:     256, TaskFailureCauseMaxChars: 32768,
		ECSContainerOverridesMaxBytes: 8192,
	}
	if aws != want {
		t.Errorf("aws = %+v\nwant %+v", aws, want)
	}
	if def, _ := schemas.LoadLimits(""); def != aws {
		t.Errorf("empty profile should be aws")
	}
	cd, err := schemas.LoadLimits("cumulus-docs")
	if err != nil {
		t.Fatal(err)
	}
	if cd.MemoryMaxMB != 3008 || cd.EphemeralStorageMaxMB != 512 || cd.TimeoutMaxSeconds != 15*60 || cd.ZippedPackageMaxBytes != 50*1024*1024 {
		t.Errorf("cumulus-docs = %+v", cd)
	}
	if _, err := schemas.LoadLimits("azure"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRuntimeFacts(t *testing.T) {
	facts := []struct{ id, deprecated, create, update string }{
		{"nodejs16.x", "2024-06-12", "2027-02-01", "2027-03-03"},
		{"nodejs18.x", "2025-09-01", "2027-02-01", "2027-03-03"},
		{"python3.9", "2025-12-15", "2027-02-01", "2027-03-03"},
		{"provided.al2", "2026-07-31", "2027-02-01", "2027-03-03"},
		{"nodejs20.x", "2026-04-30", "2027-02-01", "2027-03-03"},
		{"python3.10", "2026-10-31", "2027-02-01", "2027-03-03"},
	}
	for _, f := range facts {
		r, ok := schemas.LookupRuntime(f.id)
		if !ok {
			t.Errorf("%s missing", f.id)
			continue
		}
		for _, c := range []struct {
			name string
			got  *time.Time
			want string
		}{{"deprecated", r.Deprecated, f.deprecated}, {"block create", r.BlockCreate, f.create}, {"block update", r.BlockUpdate, f.update}} {
			if c.got == nil || !c.got.Equal(day(c.want)) {
				t.Errorf("%s %s = %v, want %s", f.id, c.name, c.got, c.want)
			}
		}
	}
	families := map[string]bool{}
	for _, r := range schemas.Runtimes() {
		families[r.Family] = true
		if r.Deprecated != nil && r.BlockCreate != nil && r.BlockCreate.Before(*r.Deprecated) {
			t.Errorf("%s: create blocked before deprecation", r.ID)
		}
		if r.BlockCreate != nil && r.BlockUpdate != nil && r.BlockUpdate.Before(*r.BlockCreate) {
			t.Errorf("%s: update blocked before create", r.ID)
		}
	}
	for _, fam := range []string{"nodejs", "python", "java", "dotnet", "ruby", "provided", "go"} {
		if !families[fam] {
			t.Errorf("no %s runtime", fam)
		}
	}
	if _, ok := schemas.LookupRuntime("cobol85"); ok {
		t.Error("unknown runtime found")
	}
}

func TestRuntimeStatusOn(t *testing.T) {
	r, _ := schemas.LookupRuntime("nodejs20.x")
	cases := []struct {
		day  string
		want schemas.RuntimeStatus
	}{
		{"2026-04-29", schemas.RuntimeSupported},
		{"2026-04-30", schemas.RuntimeDeprecated},
		{"2027-01-31", schemas.RuntimeDeprecated},
		{"2027-02-01", schemas.RuntimeCreateBlocked},
		{"2027-03-02", schemas.RuntimeCreateBlocked},
		{"2027-03-03", schemas.RuntimeUpdateBlocked},
	}
	for _, c := range cases {
		if got := r.StatusOn(day(c.day)); got != c.want {
			t.Errorf("StatusOn(%s) = %v, want %v", c.day, got, c.want)
		}
	}
	// Late on the day before, in a zone east of UTC, is still that UTC day.
	east := time.FixedZone("UTC+10", 10*3600)
	if got := r.StatusOn(time.Date(2026, 4, 30, 9, 0, 0, 0, east)); got != schemas.RuntimeSupported {
		t.Errorf("09:00 UTC+10 on 30 Apr is 29 Apr UTC: got %v", got)
	}
	undated, _ := schemas.LookupRuntime("nodejs26.x")
	if got := undated.StatusOn(day("2040-01-01")); got != schemas.RuntimeSupported {
		t.Errorf("runtime without dates: %v", got)
	}
	retired, _ := schemas.LookupRuntime("nodejs8.10")
	if got := retired.StatusOn(day("2016-01-01")); got != schemas.RuntimeUpdateBlocked {
		t.Errorf("retired runtime: %v, want update-blocked whatever the day", got)
	}
	// The java *.al2023 runtimes have no block-create date: deprecated
	// until updates are blocked.
	java17, _ := schemas.LookupRuntime("java17.al2023")
	if got := java17.StatusOn(day("2029-08-30")); got != schemas.RuntimeDeprecated {
		t.Errorf("java17.al2023 on 2029-08-30: %v, want deprecated", got)
	}
	if schemas.RuntimeCreateBlocked.String() != "create-blocked" || schemas.RuntimeUpdateBlocked.String() != "update-blocked" {
		t.Error("status names")
	}
}

func runtimesJSON(t *testing.T) []byte { t.Helper(); return schemas.RuntimesJSON() }

// TestRuntimesMatchAWSTable compares runtimes.json with AWS's published
// lifecycle table (../shared/reference/lambda-runtimes.tsv): every runtime
// identifier, with the same deprecation, block-create and block-update days,
// and the undated rows after the last dated one retired.
func TestRuntimesMatchAWSTable(t *testing.T) {
	path := standin.ReferenceFile(t, "lambda-runtimes.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type row struct{ id, os, deprecated, create, update string }
	var rows []row
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "runtime\t") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Fatalf("%s: %q: want 5 columns", path, line)
		}
		rows = append(rows, row{cols[0], cols[1], cols[2], cols[3], cols[4]})
	}
	lastDated := -1
	for i, r := range rows {
		if r.deprecated != "" || r.create != "" || r.update != "" {
			lastDated = i
		}
	}
	str := func(d *time.Time) string {
		if d == nil {
			return ""
		}
		return d.Format(time.DateOnly)
	}
	ours := schemas.Runtimes()
	if len(ours) != len(rows) {
		t.Errorf("runtimes.json has %d runtimes, AWS's table %d", len(ours), len(rows))
	}
	for i, r := range rows {
		got, ok := schemas.LookupRuntime(r.id)
		if !ok {
			t.Errorf("%s: in AWS's table, not in runtimes.json", r.id)
			continue
		}
		if str(got.Deprecated) != r.deprecated || str(got.BlockCreate) != r.create || str(got.BlockUpdate) != r.update || got.OS != r.os {
			t.Errorf("%s: runtimes.json has %s %s/%s/%s, AWS's table %s %s/%s/%s", r.id,
				got.OS, str(got.Deprecated), str(got.BlockCreate), str(got.BlockUpdate), r.os, r.deprecated, r.create, r.update)
		}
		if want := i > lastDated; got.Retired != want {
			t.Errorf("%s: retired %v, want %v (the table's undated rows after the last dated one are blocked)", r.id, got.Retired, want)
		}
	}
}
