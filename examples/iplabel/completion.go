package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// runCompletion is "iplabel completion bash|zsh|fish": a script for that
// shell completing the commands, each command's flags, the words a flag
// takes (--profile linux|strict) and file names where a flag or argument
// is a file (--doi-config also offers kernel). It is written from the
// commands' own flag sets (commandFlags) and help (commandDocs), so it
// completes exactly what the commands accept.
func runCompletion(e *env, args []string) (int, error) {
	if isHelpArgs(args) {
		writeCommandHelp(e.stdout, docOf("completion"), nil)
		return exitOK, nil
	}
	if len(args) != 1 {
		return 0, usagef("want one shell: bash, zsh or fish")
	}
	cmds := completionModel()
	var write func(io.Writer, []complCommand) error
	switch args[0] {
	case "bash":
		write = writeBashCompletion
	case "zsh":
		write = writeZshCompletion
	case "fish":
		write = writeFishCompletion
	default:
		return 0, usagef("unknown shell %q: want bash, zsh or fish", args[0])
	}
	return exitOK, write(e.stdout, cmds)
}

// complValues is what completes a flag's value or a positional argument:
// file names, fixed words, or nothing (a free value such as a DOI).
type complValues struct {
	files bool
	words []string
}

// complFlag is one flag of a command, for completion.
type complFlag struct {
	spelling  string // --doi-config, -l
	name      string // doi-config, l
	desc      string // one short line
	value     string // the value's placeholder ("" for a boolean)
	optional  bool   // the value is optional and only after "=" (--translate)
	completes complValues
}

// complCommand is one command, for completion.
type complCommand struct {
	name, summary string
	flags         []complFlag
	args          complValues
	hasArgs       bool
}

// completionModel is every command with its flags, read from the flag
// sets the commands define.
func completionModel() []complCommand {
	var out []complCommand
	for _, d := range commandDocs {
		c := complCommand{name: d.name, summary: d.summary, hasArgs: d.args != ""}
		switch d.args {
		case "COMMAND":
			c.args.words = commandNames()
		default:
			c.args = valuesOf(d.args)
		}
		if fs := commandFlags(d.name); fs != nil {
			fs.VisitAll(func(f *flag.Flag) {
				value := flagValue(f)
				cf := complFlag{spelling: flagSpelling(f.Name), name: f.Name, desc: shortText(flagText(f))}
				if isBoolFlag(f) {
					if value != "" && value != "value" {
						cf.value, cf.optional = value, true
					}
				} else {
					cf.value = value
					cf.completes = valuesOf(value)
				}
				c.flags = append(c.flags, cf)
			})
			c.flags = append(c.flags, complFlag{spelling: "--help", name: "help", desc: "print the help of " + d.name})
		}
		out = append(out, c)
	}
	return out
}

// valuesOf is what completes a value whose placeholder is p: FILE is a
// file name, and the alternatives of "FILE|kernel" or "linux|strict" that
// are not placeholders (upper case) or "-" are words.
func valuesOf(p string) complValues {
	var v complValues
	if !strings.Contains(p, "|") {
		v.files = p == "FILE"
		return v
	}
	for _, alt := range strings.Split(p, "|") {
		switch {
		case alt == "FILE":
			v.files = true
		case alt == "-" || alt == "" || strings.ToUpper(alt) == alt && strings.ToLower(alt) != alt:
		default:
			v.words = append(v.words, alt)
		}
	}
	return v
}

// shortText is the first clause of a description, without the quotes
// (other than ') and brackets that would need escaping in a shell script.
func shortText(s string) string {
	if i := strings.IndexAny(s, ":;("); i > 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '"', '`', '\\', '[', ']', '$':
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func writeBashCompletion(w io.Writer, cmds []complCommand) error {
	var b strings.Builder
	names := []string{"--help", "--version"}
	for _, c := range cmds {
		names = append(names, c.name)
	}
	fmt.Fprintf(&b, `# bash completion for iplabel: source <(iplabel completion bash)
_iplabel() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = && $COMP_CWORD -ge 3 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W %q -- "$cur"))
        return
    fi
    case ${COMP_WORDS[1]} in
`, strings.Join(names, " "))
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n        case $prev in\n", c.name)
		var spellings []string
		for _, f := range c.flags {
			spellings = append(spellings, f.spelling)
			if f.value == "" || f.optional {
				continue
			}
			fmt.Fprintf(&b, "        %s)\n            %s\n            return ;;\n", f.spelling, bashReply(f.completes))
		}
		fmt.Fprintf(&b, "        esac\n        if [[ $cur == -* ]]; then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n            return\n        fi\n", strings.Join(spellings, " "))
		fmt.Fprintf(&b, "        %s\n        ;;\n", bashReply(c.args))
	}
	b.WriteString("    esac\n}\ncomplete -F _iplabel iplabel\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// bashReply is the bash statement that completes v.
func bashReply(v complValues) string {
	words := strings.Join(v.words, " ")
	switch {
	case v.files:
		return fmt.Sprintf(`compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -W %q -- "$cur"))`, words)
	case words != "":
		return fmt.Sprintf(`COMPREPLY=($(compgen -W %q -- "$cur"))`, words)
	}
	return "COMPREPLY=()"
}

func writeZshCompletion(w io.Writer, cmds []complCommand) error {
	var b strings.Builder
	b.WriteString("#compdef iplabel\n# zsh completion for iplabel: iplabel completion zsh > \"${fpath[1]}/_iplabel\"\n_iplabel() {\n    local -a cmds\n    cmds=(\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "        '%s:%s'\n", c.name, zshQuote(shortText(c.summary)))
	}
	b.WriteString(`    )
    if (( CURRENT == 2 )); then
        if [[ $PREFIX == -* ]]; then
            compadd -- --help --version
        else
            _describe -t commands 'iplabel command' cmds
        fi
        return
    fi
    local cmd=$words[2]
    shift words
    (( CURRENT-- ))
    case $cmd in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n        _arguments -S", c.name)
		for _, f := range c.flags {
			switch {
			case f.value == "":
				fmt.Fprintf(&b, " \\\n            '%s[%s]'", f.spelling, zshQuote(f.desc))
			case f.optional:
				fmt.Fprintf(&b, " \\\n            '%s=-[%s]:%s: '", f.spelling, zshQuote(f.desc), zshMessage(f.value))
			default:
				fmt.Fprintf(&b, " \\\n            '%s=[%s]:%s:%s'", f.spelling, zshQuote(f.desc), zshMessage(f.value), zshAction(f.completes))
			}
		}
		if c.hasArgs {
			fmt.Fprintf(&b, " \\\n            '*:%s:%s'", c.name+" argument", zshAction(c.args))
		}
		b.WriteString("\n        ;;\n")
	}
	b.WriteString("    esac\n}\n_iplabel \"$@\"\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshMessage is a value's placeholder as an _arguments message (no
// colons).
func zshMessage(p string) string { return strings.ReplaceAll(p, ":", " ") }

// zshAction is the _arguments action that completes v.
func zshAction(v complValues) string {
	words := "(" + strings.Join(v.words, " ") + ")"
	switch {
	case v.files && len(v.words) > 0:
		return fmt.Sprintf(`{_alternative "files:file:_files" "words:word:%s"}`, words)
	case v.files:
		return "_files"
	case len(v.words) > 0:
		return words
	}
	return " "
}

func writeFishCompletion(w io.Writer, cmds []complCommand) error {
	var b strings.Builder
	b.WriteString("# fish completion for iplabel: iplabel completion fish > ~/.config/fish/completions/iplabel.fish\ncomplete -c iplabel -f\n")
	b.WriteString("complete -c iplabel -n __fish_use_subcommand -l help -d 'list the commands'\n")
	b.WriteString("complete -c iplabel -n __fish_use_subcommand -l version -d 'print the version'\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c iplabel -n __fish_use_subcommand -a %s -d '%s'\n", c.name, fishQuote(shortText(c.summary)))
	}
	for _, c := range cmds {
		cond := fmt.Sprintf("-n '__fish_seen_subcommand_from %s'", c.name)
		for _, f := range c.flags {
			opt := "-l " + f.name
			if len(f.name) == 1 {
				opt = "-s " + f.name
			}
			switch {
			case f.value == "" || f.optional:
			case f.completes.files:
				opt += " -r -F"
			default:
				opt += " -x"
			}
			if len(f.completes.words) > 0 {
				opt += " -a '" + strings.Join(f.completes.words, " ") + "'"
			}
			fmt.Fprintf(&b, "complete -c iplabel %s %s -d '%s'\n", cond, opt, fishQuote(f.desc))
		}
		switch {
		case c.args.files:
			fmt.Fprintf(&b, "complete -c iplabel %s -F\n", cond)
		case len(c.args.words) > 0:
			fmt.Fprintf(&b, "complete -c iplabel %s -a '%s'\n", cond, strings.Join(c.args.words, " "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote escapes s for a single-quoted zsh word.
func zshQuote(s string) string { return strings.ReplaceAll(s, "'", `'\''`) }

// fishQuote escapes s for a single-quoted fish word.
func fishQuote(s string) string { return strings.ReplaceAll(s, "'", `\'`) }
