package etp

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidURI is wrapped by every ParseURI error, so a store can answer
// EINVALID_URI (9) with errors.Is(err, ErrInvalidURI).
var ErrInvalidURI = errors.New("etp: invalid URI")

// URI is a parsed canonical ETP 1.2 URI (BRIEF 6.6): a dataspace URI when
// QualifiedType is empty, else a data-object URI.
type URI struct {
	// Dataspace is the dataspace path, unquoted ("demo/Volve"); "" is the
	// default dataspace eml:///.
	Dataspace string
	// QualifiedType is domain, version and type, e.g.
	// "resqml20.obj_Grid2dRepresentation"; "" for a dataspace URI.
	QualifiedType string
	// UUID is the object's uuid in canonical lower-case form; "" for a
	// dataspace URI.
	UUID string
	// Version is the object version of the form
	// type(uuid=...,version='...'); "" when absent.
	Version string
}

// IsDataspace reports whether u names a dataspace rather than a data object.
func (u URI) IsDataspace() bool { return u.QualifiedType == "" }

// String formats u canonically: "eml:///", "eml:///dataspace('x')",
// "eml:///dataspace('x')/resqml20.obj_Grid2dRepresentation(<uuid>)" or the
// versioned form; single quotes in the dataspace and version are doubled. The
// uuid is written as stored (ParseURI stores it in lower case).
func (u URI) String() string {
	var b strings.Builder
	b.WriteString(DataspaceURI(u.Dataspace))
	if u.QualifiedType == "" {
		return b.String()
	}
	if u.Dataspace != "" {
		b.WriteByte('/')
	}
	b.WriteString(u.QualifiedType)
	b.WriteByte('(')
	if u.Version != "" {
		b.WriteString("uuid=")
		b.WriteString(u.UUID)
		b.WriteString(",version='")
		b.WriteString(strings.ReplaceAll(u.Version, "'", "''"))
		b.WriteString("'")
	} else {
		b.WriteString(u.UUID)
	}
	b.WriteByte(')')
	return b.String()
}

// DataspaceURI returns the canonical URI of the dataspace with the given path:
// "eml:///" for "" (the default dataspace), else "eml:///dataspace('path')"
// with every single quote doubled.
func DataspaceURI(path string) string {
	if path == "" {
		return "eml:///"
	}
	return "eml:///dataspace('" + strings.ReplaceAll(path, "'", "''") + "')"
}

// ObjectURI returns the canonical URI of a data object, e.g.
// "eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation(49e4c1e1-...)";
// dataspace "" is the default dataspace. The qualified type is not checked;
// use ParseURI on the result to validate input from users.
func ObjectURI(dataspace, qualifiedType string, uuid UUID) string {
	return URI{Dataspace: dataspace, QualifiedType: qualifiedType, UUID: uuid.String()}.String()
}

// ParseURI parses a canonical ETP 1.2 dataspace or data-object URI
// (BRIEF 6.6). Upper-case uuid digits are accepted and returned in lower
// case. Alternate URI forms (queries, fragments, folder URIs, the unquoted
// dataspace(name)) are rejected. Errors wrap ErrInvalidURI and say what is
// wrong.
func ParseURI(s string) (URI, error) {
	var u URI
	fail := func(format string, args ...any) (URI, error) {
		return URI{}, fmt.Errorf("%w %q: %s", ErrInvalidURI, s, fmt.Sprintf(format, args...))
	}
	const prefix = "eml:///"
	if !strings.HasPrefix(s, prefix) {
		return fail("must start with %q", prefix)
	}
	rest := s[len(prefix):]
	if rest == "" {
		return u, nil
	}
	if strings.HasPrefix(rest, "dataspace(") {
		rest = rest[len("dataspace("):]
		path, r, ok := parseQuoted(rest)
		if !ok {
			return fail("dataspace name must be quoted as dataspace('name') with ' written as ''")
		}
		if !strings.HasPrefix(r, ")") {
			return fail("missing ) after the dataspace name")
		}
		u.Dataspace = path
		rest = r[1:]
		if rest == "" {
			return u, nil
		}
		if rest[0] != '/' || len(rest) == 1 {
			return fail("expected /<qualified-type>(<uuid>) after the dataspace")
		}
		rest = rest[1:]
	}
	open := strings.IndexByte(rest, '(')
	if open < 0 || !strings.HasSuffix(rest, ")") {
		return fail("expected <qualified-type>(<uuid>)")
	}
	qt := rest[:open]
	if err := checkQualifiedType(qt); err != nil {
		return fail("%v", err)
	}
	u.QualifiedType = qt
	inner := rest[open+1 : len(rest)-1]
	id := inner
	if strings.HasPrefix(inner, "uuid=") {
		comma := strings.IndexByte(inner, ',')
		if comma < 0 {
			return fail("expected (uuid=<uuid>,version='<version>')")
		}
		id = inner[len("uuid="):comma]
		v := inner[comma+1:]
		if !strings.HasPrefix(v, "version=") {
			return fail("expected version='<version>' after the uuid")
		}
		ver, r, ok := parseQuoted(v[len("version="):])
		if !ok || r != "" {
			return fail("version must be quoted as version='v' with ' written as ''")
		}
		u.Version = ver
	}
	parsed, err := ParseUUID(id)
	if err != nil {
		return fail("bad uuid %q", id)
	}
	u.UUID = parsed.String()
	return u, nil
}

// parseQuoted reads a quoted string (a doubled quote is an escaped quote) from the start
// of s and returns the unescaped text and the rest after the closing quote.
func parseQuoted(s string) (text, rest string, ok bool) {
	if !strings.HasPrefix(s, "'") {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), s[i+1:], true
	}
	return "", s, false
}

// checkQualifiedType validates <domain><vv>.<ObjectType>: domain witsml,
// resqml, prodml or eml; two digits, the first non-zero; a word-character type.
func checkQualifiedType(qt string) error {
	dot := strings.IndexByte(qt, '.')
	if dot < 0 {
		return fmt.Errorf("qualified type %q: want <domain><version>.<type>", qt)
	}
	dv, typ := qt[:dot], qt[dot+1:]
	var domain string
	for _, d := range []string{"witsml", "resqml", "prodml", "eml"} {
		if strings.HasPrefix(dv, d) {
			domain = d
			break
		}
	}
	if domain == "" {
		return fmt.Errorf("qualified type %q: domain must be witsml, resqml, prodml or eml", qt)
	}
	v := dv[len(domain):]
	if len(v) != 2 || v[0] < '1' || v[0] > '9' || v[1] < '0' || v[1] > '9' {
		return fmt.Errorf("qualified type %q: version must be two digits like 20", qt)
	}
	if typ == "" {
		return fmt.Errorf("qualified type %q: missing object type", qt)
	}
	for i := 0; i < len(typ); i++ {
		c := typ[i]
		if !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return fmt.Errorf("qualified type %q: object type must be word characters", qt)
		}
	}
	return nil
}
