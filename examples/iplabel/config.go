package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// loadConfig reads the CIPSO DOIs of a --doi-config file ([loadConfigs]).
func loadConfig(path string) (*cipso.Registry, error) {
	reg, _, err := loadConfigs(path)
	return reg, err
}

// loadConfigs reads the DOIs of a --doi-config file, written in
// netlabelctl's command syntax: the CIPSO DOIs ("cipsov4 add ...",
// cipso.ParseConfig) and the CALIPSO ones ("calipso add pass doi:N",
// calipso.ParseConfig). Each parser skips the other module's lines, so
// the file is read by both, and a bad line of either module is an error
// for every command. An empty path gives empty registries: no DOI is
// configured, so every label fails validation at its DOI, as on a kernel
// with NetLabel and no configuration. Errors name the file, the line and
// the column ("FILE:LINE:COLUMN: ..."), the earlier line of the two
// parsers' first errors (CIPSO's on the same line); a line over 64 KiB
// (cipso.MaxConfigLine, its newline not counted) is an error at that line,
// column 65537, and is not read further.
func loadConfigs(path string) (*cipso.Registry, *calipso.Registry, error) {
	if path == "" {
		return &cipso.Registry{}, &calipso.Registry{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// A regular file is read twice; anything else (a pipe, /dev/stdin) is
	// kept as the first parser reads it, for the second.
	st, err := f.Stat()
	regular := err == nil && st.Mode().IsRegular()
	var kept bytes.Buffer
	var first io.Reader = f
	if !regular {
		first = io.TeeReader(f, &kept)
	}
	reg, cerr := cipso.ParseConfig(first)
	var second io.Reader = &kept
	if regular {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		second = f
	}
	creg, lerr := calipso.ParseConfig(second)
	var cpe, lpe *ipopt.ParseError
	switch {
	case cerr != nil && !errors.As(cerr, &cpe):
		return nil, nil, fmt.Errorf("%s: %w", path, cerr)
	case lerr != nil && !errors.As(lerr, &lpe):
		if cpe != nil {
			return nil, nil, configError(path, cpe)
		}
		return nil, nil, fmt.Errorf("%s: %w", path, lerr)
	case cpe != nil && (lpe == nil || cpe.Line <= lpe.Line):
		return nil, nil, configError(path, cpe)
	case lpe != nil:
		return nil, nil, configError(path, lpe)
	}
	return reg, creg, nil
}

// configError is "FILE:LINE:COLUMN: <reason>".
func configError(path string, pe *ipopt.ParseError) error {
	msg := pe.Err.Error()
	if pe.Msg != "" {
		msg += ": " + pe.Msg
	}
	return fmt.Errorf("%s:%d:%d: %s", path, pe.Line, pe.Column, msg)
}
