//go:build !stepshift_lean

package main

// leanFront reports whether this is the lean front (handoff_lean.go); this
// build has every command.
const leanFront = false
