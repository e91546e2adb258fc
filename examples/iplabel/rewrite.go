package main

func runRewrite(e *env, args []string) (int, error) { return 0, nil }
