package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/schemas"
)

func TestSchemaCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []byte
	}{
		{[]string{"stepshift", "schema", "asl"}, schemas.ASL()},
		{[]string{"stepshift", "schema", "limits"}, schemas.LimitsSchema()},
		{[]string{"stepshift", "schema", "runtimes"}, schemas.RuntimesSchema()},
	} {
		var out, errOut bytes.Buffer
		if code := run(c.args, strings.NewReader(""), &out, &errOut); code != exitClean {
			t.Fatalf("%v: exit %d, stderr %s", c.args, code, errOut.String())
		}
		if !bytes.Equal(out.Bytes(), c.want) {
			t.Errorf("%v printed something other than the embedded schema", c.args)
		}
		if !json.Valid(out.Bytes()) {
			t.Errorf("%v: output is not JSON", c.args)
		}
	}
	for _, args := range [][]string{{"stepshift", "schema"}, {"stepshift", "schema", "nope"}, {"stepshift", "schema", "asl", "extra"}} {
		var out, errOut bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %s)", args, code, exitUsage, errOut.String())
		}
	}
}
