package transpile

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// templatefileMap finds the vars map of the first templatefile() call.
func templatefileMap(t testing.TB, src []byte) *hclsyntax.ObjectConsExpr {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("fixture does not parse: %s", diags.Error())
	}
	var obj *hclsyntax.ObjectConsExpr
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && c.Name == "templatefile" && obj == nil && len(c.Args) == 2 {
			obj, _ = c.Args[1].(*hclsyntax.ObjectConsExpr)
		}
		return nil
	})
	if obj == nil {
		t.Fatal("no templatefile map")
	}
	return obj
}

func TestMapEntryEditsKeepStyle(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"colon-trailing-commas",
			"x = templatefile(\"a.json\", {\n  a_arn: module.c.a.task_arn,\n  b_arn: module.c.b.task_arn, # keep me\n})\n",
			"x = templatefile(\"a.json\", {\n  a_arn: module.c.a.task_arn,\n  b_arn: module.c.b.task_arn, # keep me\n  q_activity_arn: aws_sfn_activity.q.id,\n})\n"},
		{"equals-newlines-comment",
			"x = templatefile(\"a.json\", {\n    a_arn = module.c.a.task_arn\n    # trailing comment\n    b     = var.b # why\n  }\n)\n",
			"x = templatefile(\"a.json\", {\n    a_arn = module.c.a.task_arn\n    # trailing comment\n    b     = var.b # why\n    q_activity_arn = aws_sfn_activity.q.id\n  }\n)\n"},
		{"commas-no-trailing-crlf",
			"x = templatefile(\"a.json\", {\r\n  a: 1,\r\n  b: 2\r\n})\r\n",
			"x = templatefile(\"a.json\", {\r\n  a: 1,\r\n  b: 2,\r\n  q_activity_arn: aws_sfn_activity.q.id\r\n})\r\n"},
		{"one-line", "x = templatefile(\"a.json\", { a = 1, b = 2 })\n", "x = templatefile(\"a.json\", { a = 1, b = 2, q_activity_arn = aws_sfn_activity.q.id })\n"},
		{"empty", "x = templatefile(\"a.json\", {})\n", "x = templatefile(\"a.json\", { q_activity_arn = aws_sfn_activity.q.id })\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			edits, err := mapEntryEdits(src, templatefileMap(t, src), "q_activity_arn", "aws_sfn_activity.q.id")
			if err != nil {
				t.Fatal(err)
			}
			got, err := applyEdits(src, edits)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			// Idempotent: the key is there now.
			again, err := mapEntryEdits(got, templatefileMap(t, got), "q_activity_arn", "aws_sfn_activity.q.id")
			if err != nil || len(again) != 0 {
				t.Fatalf("second edit = %v, %v; want none", again, err)
			}
		})
	}
}

func TestMapEntryEditsConflict(t *testing.T) {
	src := []byte("x = templatefile(\"a.json\", { q_activity_arn = var.other })\n")
	if _, err := mapEntryEdits(src, templatefileMap(t, src), "q_activity_arn", "aws_sfn_activity.q.id"); err == nil {
		t.Fatal("a key with another value was overwritten silently")
	}
}

// TestMapEntriesEditsSeveral adds the two entries of an ecs-task-token
// step at once: the map's separators are decided once, so a comma style
// gets exactly one comma between entries.
func TestMapEntriesEditsSeveral(t *testing.T) {
	entries := []mapEntry{{"q_cluster_arn", "module.cumulus.ecs_cluster_arn"}, {"q_task_definition_arn", "aws_ecs_task_definition.q.arn"}}
	cases := []struct{ name, src, want string }{
		{"colon-trailing-commas",
			"x = templatefile(\"a.json\", {\n  a_arn: 1,\n})\n",
			"x = templatefile(\"a.json\", {\n  a_arn: 1,\n  q_cluster_arn: module.cumulus.ecs_cluster_arn,\n  q_task_definition_arn: aws_ecs_task_definition.q.arn,\n})\n"},
		{"commas-no-trailing",
			"x = templatefile(\"a.json\", {\n  a: 1,\n  b: 2\n})\n",
			"x = templatefile(\"a.json\", {\n  a: 1,\n  b: 2,\n  q_cluster_arn: module.cumulus.ecs_cluster_arn,\n  q_task_definition_arn: aws_ecs_task_definition.q.arn\n})\n"},
		{"equals-aligned",
			"x = templatefile(\"a.json\", {\n  a_long_key_of_the_map_here = 1\n  b                          = 2\n})\n",
			"x = templatefile(\"a.json\", {\n  a_long_key_of_the_map_here = 1\n  b                          = 2\n  q_cluster_arn              = module.cumulus.ecs_cluster_arn\n  q_task_definition_arn      = aws_ecs_task_definition.q.arn\n})\n"},
		{"one-line", "x = templatefile(\"a.json\", { a = 1 })\n",
			"x = templatefile(\"a.json\", { a = 1, q_cluster_arn = module.cumulus.ecs_cluster_arn, q_task_definition_arn = aws_ecs_task_definition.q.arn })\n"},
		{"empty-multiline", "x = templatefile(\"a.json\", {\n})\n",
			"x = templatefile(\"a.json\", {\n  q_cluster_arn = module.cumulus.ecs_cluster_arn\n  q_task_definition_arn = aws_ecs_task_definition.q.arn\n})\n"},
		{"one-present", "x = templatefile(\"a.json\", { q_cluster_arn = module.cumulus.ecs_cluster_arn })\n",
			"x = templatefile(\"a.json\", { q_cluster_arn = module.cumulus.ecs_cluster_arn, q_task_definition_arn = aws_ecs_task_definition.q.arn })\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			edits, err := mapEntriesEdits(src, templatefileMap(t, src), entries)
			if err != nil {
				t.Fatal(err)
			}
			got, err := applyEdits(src, edits)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			if again, err := mapEntriesEdits(got, templatefileMap(t, got), entries); err != nil || len(again) != 0 {
				t.Fatalf("second edit = %v, %v; want none", again, err)
			}
		})
	}
}
