package arrayfile

import (
	"fmt"
	"math"
	"strings"
)

// This file holds a small parser for the subset of Python literal syntax that
// appears in npy headers (what ast.literal_eval would accept there): dicts,
// tuples, lists, strings, integers (with the Python 2 'L' suffix), True,
// False and None. Nesting is bounded by maxPyDepth; input size is bounded by
// the caller, so memory use is linear in the header length.

const maxPyDepth = 32

type pyKind uint8

const (
	pyStr pyKind = iota + 1
	pyInt
	pyBool
	pyNone
	pyTuple
	pyList
	pyDict
)

// String names the kind with its article, for messages ("is a tuple").
func (k pyKind) String() string {
	switch k {
	case pyStr:
		return "a string"
	case pyInt:
		return "an integer"
	case pyBool:
		return "a bool"
	case pyNone:
		return "None"
	case pyTuple:
		return "a tuple"
	case pyList:
		return "a list"
	case pyDict:
		return "a dict"
	}
	return "unknown"
}

// pyValue is one parsed literal. Items holds the elements of a tuple or list,
// and the keys and values of a dict, alternating.
type pyValue struct {
	kind  pyKind
	str   string
	num   int64
	b     bool
	items []pyValue
}

type pyParser struct {
	s     string
	pos   int
	depth int
}

// parsePyLiteral parses s as a single Python literal surrounded by optional
// white space.
func parsePyLiteral(s string) (pyValue, error) {
	p := &pyParser{s: s}
	v, err := p.value()
	if err != nil {
		return pyValue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return pyValue{}, p.errorf("unexpected %s after the literal", p.describe())
	}
	return v, nil
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// describe names what is at the current position, for error messages.
func (p *pyParser) describe() string {
	if p.pos >= len(p.s) {
		return "end of header"
	}
	return fmt.Sprintf("%q", p.s[p.pos])
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) value() (pyValue, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return pyValue{}, p.errorf("unexpected end of header, want a value")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.container('{', '}', pyDict)
	case c == '(':
		return p.container('(', ')', pyTuple)
	case c == '[':
		return p.container('[', ']', pyList)
	case c == '\'' || c == '"' || ((c == 'u' || c == 'U') && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"')):
		return p.strings()
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.integer()
	case isNameByte(c):
		start := p.pos
		for p.pos < len(p.s) && isNameByte(p.s[p.pos]) {
			p.pos++
		}
		switch name := p.s[start:p.pos]; name {
		case "True":
			return pyValue{kind: pyBool, b: true}, nil
		case "False":
			return pyValue{kind: pyBool, b: false}, nil
		case "None":
			return pyValue{kind: pyNone}, nil
		default:
			p.pos = start
			return pyValue{}, p.errorf("unexpected name %q, want a literal", name)
		}
	default:
		return pyValue{}, p.errorf("unexpected %s, want a value", p.describe())
	}
}

func isNameByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// container parses a dict, tuple or list. A parenthesised single value
// without a trailing comma is that value, as in Python: (3) is 3, (3,) a
// tuple.
func (p *pyParser) container(open, closing byte, kind pyKind) (pyValue, error) {
	if p.depth >= maxPyDepth {
		return pyValue{}, p.errorf("literal nested deeper than %d levels", maxPyDepth)
	}
	p.depth++
	defer func() { p.depth-- }()
	p.pos++ // open
	out := pyValue{kind: kind}
	sawComma := false
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == closing {
			p.pos++
			break
		}
		if len(out.items) > 0 && !sawComma {
			return pyValue{}, p.errorf("unexpected %s, want ',' or %q", p.describe(), closing)
		}
		v, err := p.value()
		if err != nil {
			return pyValue{}, err
		}
		out.items = append(out.items, v)
		if kind == pyDict {
			p.skipSpace()
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return pyValue{}, p.errorf("unexpected %s, want ':' after a dict key", p.describe())
			}
			p.pos++
			v, err := p.value()
			if err != nil {
				return pyValue{}, err
			}
			out.items = append(out.items, v)
		}
		p.skipSpace()
		sawComma = p.pos < len(p.s) && p.s[p.pos] == ','
		if sawComma {
			p.pos++
		}
	}
	if kind == pyTuple && len(out.items) == 1 && !sawComma {
		return out.items[0], nil
	}
	return out, nil
}

// strings parses one or more adjacent string literals, concatenated as
// Python does.
func (p *pyParser) strings() (pyValue, error) {
	var b strings.Builder
	for {
		if err := p.oneString(&b); err != nil {
			return pyValue{}, err
		}
		save := p.pos
		p.skipSpace()
		if p.pos < len(p.s) && (p.s[p.pos] == '\'' || p.s[p.pos] == '"') {
			continue
		}
		p.pos = save
		return pyValue{kind: pyStr, str: b.String()}, nil
	}
}

func (p *pyParser) oneString(b *strings.Builder) error {
	if c := p.s[p.pos]; c == 'u' || c == 'U' {
		p.pos++
	}
	quote := p.s[p.pos]
	p.pos++
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == quote:
			p.pos++
			return nil
		case c == '\n':
			return p.errorf("newline inside a string literal")
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				p.pos++
				return p.errorf("unterminated string literal")
			}
			e := p.s[p.pos+1]
			p.pos += 2
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return p.errorf("unterminated string literal")
}

// integer parses an optionally signed decimal integer with optional '_'
// digit separators and an optional Python 2 'L' suffix. Values outside int64
// are an error.
func (p *pyParser) integer() (pyValue, error) {
	start := p.pos
	neg := false
	if c := p.s[p.pos]; c == '-' || c == '+' {
		neg = c == '-'
		p.pos++
		p.skipSpace()
	}
	if p.pos >= len(p.s) || p.s[p.pos] < '0' || p.s[p.pos] > '9' {
		return pyValue{}, p.errorf("unexpected %s, want a digit", p.describe())
	}
	var u uint64
	prevDigit := false
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '_' && prevDigit && p.pos+1 < len(p.s) && p.s[p.pos+1] >= '0' && p.s[p.pos+1] <= '9' {
			p.pos++
			prevDigit = false
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if u > (math.MaxInt64+1)/10 {
			p.pos = start
			return pyValue{}, p.errorf("integer out of range")
		}
		u = u*10 + uint64(c-'0')
		if u > math.MaxInt64+1 {
			p.pos = start
			return pyValue{}, p.errorf("integer out of range")
		}
		prevDigit = true
		p.pos++
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++
	}
	if p.pos < len(p.s) && isNameByte(p.s[p.pos]) {
		return pyValue{}, p.errorf("unexpected %s in a number", p.describe())
	}
	if !neg && u > math.MaxInt64 {
		p.pos = start
		return pyValue{}, p.errorf("integer out of range")
	}
	n := int64(u) // for neg and u == 1<<63 this is MinInt64, as wanted
	if neg {
		n = -n
	}
	return pyValue{kind: pyInt, num: n}, nil
}
