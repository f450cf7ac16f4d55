package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Node classes, in the order they win when several apply: a migrated state
// shows as changed, otherwise its worst finding decides the colour.
const (
	classChanged     = "changed"
	classError       = "error"
	classWarning     = "warning"
	classInfo        = "info"
	classUnreachable = "unreachable"
	classMissing     = "missing"
	classMarker      = "marker"
)

// palette is each class's colours: fill, stroke, text. GitHub's Primer
// colours, legible on its light and dark themes alike.
var palette = map[string][3]string{
	classChanged:     {"#dafbe1", "#1a7f37", "#1f2328"},
	classError:       {"#ffebe9", "#cf222e", "#1f2328"},
	classWarning:     {"#fff8c5", "#9a6700", "#1f2328"},
	classInfo:        {"#ddf4ff", "#0969da", "#1f2328"},
	classUnreachable: {"#f6f8fa", "#8c959f", "#57606a"},
	classMissing:     {"#ffffff", "#cf222e", "#cf222e"},
	classMarker:      {"#1f2328", "#1f2328", "#ffffff"},
}

var classOrder = []string{classChanged, classError, classWarning, classInfo, classUnreachable, classMissing, classMarker}

// class is the one class that colours a node, "" for the default look.
func (n *Node) class() string {
	switch {
	case n.Kind == StartNode || n.Kind == EndNode:
		return classMarker
	case n.Kind == MissingNode:
		return classMissing
	case n.Highlight:
		return classChanged
	case n.Severity == Error:
		return classError
	case n.Severity == Warning:
		return classWarning
	case n.Severity == Info:
		return classInfo
	case n.Unreachable:
		return classUnreachable
	}
	return ""
}

// mermaidShapes opens and closes a node of each state type. Every label is
// a quoted string, so no character of a name can end the shape.
var mermaidShapes = map[string][2]string{
	"Task":     {`["`, `"]`},
	"Pass":     {`("`, `")`},
	"Choice":   {`{"`, `"}`},
	"Wait":     {`{{"`, `"}}`},
	"Succeed":  {`(["`, `"])`},
	"Fail":     {`>"`, `"]`},
	"Parallel": {`[/"`, `"\]`},
	"Map":      {`[\"`, `"/]`},
}

func (n *Node) mermaidShape() [2]string {
	switch n.Kind {
	case StartNode, EndNode:
		return [2]string{`(("`, `"))`}
	case MissingNode:
		return [2]string{`["`, `"]`}
	}
	if s, ok := mermaidShapes[n.Type]; ok {
		return s
	}
	return [2]string{`["`, `"]`}
}

// mermaidText escapes text for a quoted Mermaid label. Mermaid turns
// "#name;" and "#123;" into HTML entities, and a label is HTML: the quote
// that would end the string, "#" that would start an entity, HTML's "&<>",
// the backtick that starts a Markdown string (and would close a Markdown
// fence around the diagram) and the "|" that delimits an edge label are
// written as entities. Brackets, braces, ";" and "%%" are plain text inside
// a quoted string (Mermaid's parser accepts them: the nasty-names golden).
// Line breaks and other control characters become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"':
			b.WriteString("#quot;")
		case r == '#', r == '&', r == '<', r == '>', r == '`', r == '|':
			fmt.Fprintf(&b, "#%d;", r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mermaidComment keeps a comment on its line, without the backticks that
// could close a Markdown fence around the diagram.
func mermaidComment(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		if r == '`' {
			return '\''
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func mermaidLabel(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidText(l)
	}
	return strings.Join(out, "<br>")
}

var mermaidArrows = map[EdgeKind]string{
	NextEdge:    "-->",
	DefaultEdge: "-->",
	ChoiceEdge:  "-->",
	CatchEdge:   "-.->",
	ChildEdge:   "==>",
	StartEdge:   "-->",
	EndEdge:     "-->",
}

// Mermaid writes the graph as one Mermaid flowchart.
func (g *Graph) Mermaid(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if g.Title != "" {
		fmt.Fprintf(bw, "%%%% %s\n", mermaidComment(g.Title))
	}
	fmt.Fprintln(bw, "flowchart TD")
	if g.Problem != "" {
		fmt.Fprintf(bw, "  problem[\"%s\"]\n", mermaidText("not drawn: "+g.Problem))
		return bw.Flush()
	}
	for _, c := range classOrder {
		p := palette[c]
		extra := ""
		switch c {
		case classChanged, classError:
			extra = ",stroke-width:3px"
		case classUnreachable, classMissing:
			extra = ",stroke-dasharray:5 3"
		}
		fmt.Fprintf(bw, "  classDef %s fill:%s,stroke:%s,color:%s%s\n", c, p[0], p[1], p[2], extra)
	}
	classes := map[string][]string{}
	var cluster func(cl *Cluster, indent string)
	cluster = func(cl *Cluster, indent string) {
		for _, n := range cl.Nodes {
			sh := n.mermaidShape()
			fmt.Fprintf(bw, "%s%s%s%s%s\n", indent, n.ID, sh[0], mermaidLabel(n.lines()), sh[1])
			if c := n.class(); c != "" {
				classes[c] = append(classes[c], n.ID)
			}
		}
		for _, sub := range cl.Clusters {
			fmt.Fprintf(bw, "%ssubgraph %s[\"%s\"]\n", indent, sub.ID, mermaidText(sub.Label))
			fmt.Fprintf(bw, "%s  direction TB\n", indent)
			cluster(sub, indent+"  ")
			fmt.Fprintf(bw, "%send\n", indent)
		}
	}
	cluster(g.Top, "  ")
	for _, e := range g.Edges {
		arrow := mermaidArrows[e.Kind]
		if e.Label != "" {
			fmt.Fprintf(bw, "  %s %s|\"%s\"| %s\n", e.From, arrow, mermaidText(e.Label), e.To)
		} else {
			fmt.Fprintf(bw, "  %s %s %s\n", e.From, arrow, e.To)
		}
	}
	for _, c := range classOrder {
		if ids := classes[c]; len(ids) > 0 {
			fmt.Fprintf(bw, "  class %s %s\n", strings.Join(ids, ","), c)
		}
	}
	return bw.Flush()
}
