package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// dotShapes is each state type's Graphviz shape and extra style.
var dotShapes = map[string][2]string{
	"Task":     {"box", ""},
	"Pass":     {"box", "rounded"},
	"Choice":   {"diamond", ""},
	"Wait":     {"hexagon", ""},
	"Succeed":  {"oval", ""},
	"Fail":     {"octagon", ""},
	"Parallel": {"trapezium", ""},
	"Map":      {"invtrapezium", ""},
}

// dotText escapes text for a quoted DOT string: a backslash starts an
// escape sequence (\n, \N, \G, ...) and a quote ends the string, so both
// are escaped; line breaks and other control characters become spaces.
func dotText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func dotLabel(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = dotText(l)
	}
	return strings.Join(out, `\n`)
}

func (n *Node) dotAttrs() string {
	shape, style := "box", ""
	switch n.Kind {
	case StartNode:
		shape = "circle"
	case EndNode:
		shape = "doublecircle"
	case MissingNode:
		style = "dashed"
	default:
		if s, ok := dotShapes[n.Type]; ok {
			shape, style = s[0], s[1]
		} else {
			style = "dotted"
		}
	}
	styles := []string{}
	if style != "" {
		styles = append(styles, style)
	}
	attrs := []string{fmt.Sprintf(`label="%s"`, dotLabel(n.lines())), "shape=" + shape}
	if c := n.class(); c != "" {
		p := palette[c]
		styles = append(styles, "filled")
		if c == classUnreachable && style == "" {
			styles = append(styles, "dashed")
		}
		attrs = append(attrs, fmt.Sprintf(`fillcolor="%s"`, p[0]), fmt.Sprintf(`color="%s"`, p[1]), fmt.Sprintf(`fontcolor="%s"`, p[2]))
		if c == classChanged || c == classError {
			attrs = append(attrs, "penwidth=2.5")
		}
	}
	if len(styles) > 0 {
		attrs = append(attrs, fmt.Sprintf(`style="%s"`, strings.Join(styles, ",")))
	}
	return strings.Join(attrs, ", ")
}

func (e *Edge) dotAttrs() string {
	var attrs []string
	if e.Label != "" {
		attrs = append(attrs, fmt.Sprintf(`label="%s"`, dotText(e.Label)))
	}
	switch e.Kind {
	case CatchEdge:
		attrs = append(attrs, "style=dashed", `color="#cf222e"`, `fontcolor="#cf222e"`)
	case ChildEdge:
		attrs = append(attrs, "style=bold", `color="#57606a"`, `fontcolor="#57606a"`)
	}
	if len(attrs) == 0 {
		return ""
	}
	return " [" + strings.Join(attrs, ", ") + "]"
}

// DOT writes the graph as one Graphviz digraph.
func (g *Graph) DOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph \"%s\" {\n", dotText(g.Title))
	fmt.Fprintln(bw, `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, labelloc=t]`)
	fmt.Fprintln(bw, `  node [fontname="Helvetica", fontsize=11]`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=9]`)
	if g.Title != "" {
		fmt.Fprintf(bw, "  label=\"%s\"\n", dotText(g.Title))
	}
	if g.Problem != "" {
		fmt.Fprintf(bw, "  problem [label=\"%s\", shape=box]\n}\n", dotText("not drawn: "+g.Problem))
		return bw.Flush()
	}
	var cluster func(cl *Cluster, indent string)
	cluster = func(cl *Cluster, indent string) {
		for _, n := range cl.Nodes {
			fmt.Fprintf(bw, "%s%s [%s]\n", indent, n.ID, n.dotAttrs())
		}
		for _, sub := range cl.Clusters {
			fmt.Fprintf(bw, "%ssubgraph cluster_%s {\n", indent, sub.ID)
			fmt.Fprintf(bw, "%s  label=\"%s\"; style=\"rounded,dashed\"; color=\"#8c959f\"\n", indent, dotText(sub.Label))
			cluster(sub, indent+"  ")
			fmt.Fprintf(bw, "%s}\n", indent)
		}
	}
	cluster(g.Top, "  ")
	for _, e := range g.Edges {
		fmt.Fprintf(bw, "  %s -> %s%s\n", e.From, e.To, e.dotAttrs())
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}
