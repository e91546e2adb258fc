package main

func runDump(e *env, args []string) (int, error) { return 0, nil }
