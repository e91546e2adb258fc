//go:build !linux

package main

// isTerminal reports false: progress is shown on Linux terminals only.
func isTerminal(any) bool { return false }
