package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// loadConfig reads the DOIs of a --doi-config file, written in
// netlabelctl's command syntax (cipso.ParseConfig). An empty path gives an
// empty registry: no DOI is configured, so every CIPSO option fails
// validation at its DOI, as on a kernel with NetLabel and no
// configuration. Errors name the file, the line and the column
// ("FILE:LINE:COLUMN: ..."); a line over 64 KiB (cipso.MaxConfigLine, its
// newline not counted) is an error at that line, column 65537, and is not
// read further.
func loadConfig(path string) (*cipso.Registry, error) {
	if path == "" {
		return &cipso.Registry{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reg, err := cipso.ParseConfig(f)
	if err != nil {
		var pe *ipopt.ParseError
		if errors.As(err, &pe) {
			msg := pe.Err.Error()
			if pe.Msg != "" {
				msg += ": " + pe.Msg
			}
			return nil, fmt.Errorf("%s:%d:%d: %s", path, pe.Line, pe.Column, msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reg, nil
}
