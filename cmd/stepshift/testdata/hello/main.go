// Command hello is the floor BenchmarkStartupHelp compares stepshift's
// start-up with: a Go program that prints one line through fmt.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
