package jobs

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxExpandDepth bounds nesting of ${A:-${B:-...}} defaults.
const maxExpandDepth = 8

// expandError is a problem with ${...} syntax or an unset variable. Its message
// names the variable, never its value.
type expandError struct {
	msg string
}

func (e *expandError) Error() string { return e.msg }

// expandEnv expands ${VAR} and ${VAR:-default} in s, and turns $$ into $. A
// default is used when VAR is unset or empty; it may itself contain ${...}. Any
// other $ is an error, as is an unset variable without a default. The result is
// plain text: it is never parsed again.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	x := expander{s: s, lookup: lookup}
	return x.run(true, false, 0)
}

type expander struct {
	s      string
	i      int
	lookup func(string) (string, bool)
}

// run expands from x.i. In a default (inDefault) it stops at the closing brace,
// leaving x.i on it. eval false only checks syntax (for defaults not used).
func (x *expander) run(eval, inDefault bool, depth int) (string, error) {
	var b strings.Builder
	for x.i < len(x.s) {
		c := x.s[x.i]
		if c == '}' && inDefault {
			return b.String(), nil
		}
		if c != '$' {
			b.WriteByte(c)
			x.i++
			continue
		}
		if x.i+1 >= len(x.s) {
			return "", &expandError{msg: `"$" at the end of the value: write "$$" for a literal dollar sign`}
		}
		switch x.s[x.i+1] {
		case '$':
			b.WriteByte('$')
			x.i += 2
		case '{':
			v, err := x.variable(eval, depth)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		default:
			return "", &expandError{msg: `"$" must be followed by "{" (as in ${NAME}) or by "$" (for a literal dollar sign)`}
		}
	}
	if inDefault {
		return "", &expandError{msg: `unterminated "${": missing "}"`}
	}
	return b.String(), nil
}

// variable expands one ${...} starting at x.i.
func (x *expander) variable(eval bool, depth int) (string, error) {
	if depth >= maxExpandDepth {
		return "", &expandError{msg: "${...} defaults nested more than " + strconv.Itoa(maxExpandDepth) + " deep"}
	}
	start := x.i + 2
	j := start
	for j < len(x.s) && isNameByte(x.s[j], j == start) {
		j++
	}
	name := x.s[start:j]
	if j >= len(x.s) {
		return "", &expandError{msg: `unterminated "${": missing "}"`}
	}
	if name == "" {
		return "", &expandError{msg: `"${" must be followed by a variable name ([A-Za-z_][A-Za-z0-9_]*)`}
	}
	switch {
	case x.s[j] == '}':
		x.i = j + 1
		if !eval {
			return "", nil
		}
		v, ok := x.lookup(name)
		if !ok {
			return "", &expandError{msg: "environment variable " + name + " is not set (write ${" + name + ":-default} to give a default)"}
		}
		return v, nil
	case strings.HasPrefix(x.s[j:], ":-"):
		var v string
		set := false
		if eval {
			v, set = x.lookup(name)
			set = set && v != ""
		}
		x.i = j + 2
		def, err := x.run(eval && !set, true, depth+1)
		if err != nil {
			return "", err
		}
		x.i++ // the closing brace, guaranteed by run
		if set {
			return v, nil
		}
		return def, nil
	default:
		r, _ := utf8.DecodeRuneInString(x.s[j:])
		return "", &expandError{msg: "unexpected " + strconv.QuoteRune(r) + " in ${...}: write ${NAME} or ${NAME:-default}, where NAME is [A-Za-z_][A-Za-z0-9_]*"}
	}
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}
