package jobs

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// quoteShort quotes s for a message, shortening long text.
func quoteShort(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "..."
	}
	return strconv.Quote(s)
}

var sizeUnits = []struct {
	name string
	mult int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

// shower quotes a part of a value for a message; for a value expanded from the
// environment it returns a placeholder instead.
type shower func(string) string

// ParseSize reads a byte size as job files write them (see parseSize); the
// CLI's size flags use it too. Messages quote s.
func ParseSize(s string) (int64, error) { return parseSize(s, strconv.Quote) }

// parseSize reads a byte size: an integer with an optional unit B, KB, MB, GB,
// TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), case-insensitive,
// optionally separated by a space.
func parseSize(s string, show shower) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		if strings.HasPrefix(t, "-") {
			return 0, errors.New("must not be negative")
		}
		return 0, errors.New("expected a size such as 65536, 64KiB, 16MiB or 1GiB")
	}
	if strings.HasPrefix(unit, ".") {
		return 0, errors.New("fractions are not supported: use a smaller unit, e.g. 1536KiB for 1.5MiB")
	}
	mult := int64(-1)
	if unit == "" {
		mult = 1
	}
	for _, u := range sizeUnits {
		if unit == u.name {
			mult = u.mult
		}
	}
	if mult < 0 {
		return 0, fmt.Errorf("unknown size unit %s (use B, KB, MB, GB, KiB, MiB or GiB)", show(strings.TrimSpace(t[i:])))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, errors.New("size is too large")
	}
	return n * mult, nil
}

// parseDuration reads a Go duration (30s, 5m, 1h30m). A bare number is refused,
// since its unit would be a guess.
func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return 0, errors.New("a duration needs a unit, e.g. " + t + "s or " + t + "m")
	}
	if strings.HasSuffix(t, "d") {
		return 0, errors.New(`days are not a duration unit: use hours, e.g. "24h"`)
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, errors.New("expected a duration such as 30s, 5m or 1h30m")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

const maxNameLen = 128

// checkName validates a task or server name.
func checkName(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case len(s) > maxNameLen:
		return fmt.Errorf("longer than %d characters", maxNameLen)
	case !nameRE.MatchString(s):
		return errors.New("may contain only letters, digits, '.', '_' and '-'")
	}
	return nil
}

// checkDataspace validates a dataspace path as written inside dataspace('...').
func checkDataspace(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case len(s) > 1024:
		return errors.New("longer than 1024 characters")
	case strings.HasPrefix(s, "eml:"):
		return errors.New("is a dataspace path such as demo/quickstart, not a URI")
	case strings.TrimSpace(s) != s:
		return errors.New("has leading or trailing spaces")
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/"):
		return errors.New(`must not start or end with "/"`)
	}
	if hasControl(s) {
		return errors.New("contains control characters")
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// checkArrayPath validates a path in resource.
func checkArrayPath(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case !strings.HasPrefix(s, "/"):
		return errors.New(`must start with "/", e.g. /RESQML/<uuid>/points_patch0`)
	case s == "/":
		return errors.New(`names no dataset: "/" alone`)
	case len(s) > 4096:
		return errors.New("longer than 4096 characters")
	case hasControl(s):
		return errors.New("contains control characters")
	}
	return nil
}

var (
	qualifiedTypeRE = regexp.MustCompile(`^(witsml|resqml|prodml|eml)([1-9][0-9])\.(\w+|\*)$`)
	uuidRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// checkQualifiedType validates a data object type filter such as
// resqml20.obj_Grid2dRepresentation or resqml20.* (ETP 1.2 section 6.6).
func checkQualifiedType(s string, show shower) error {
	if qualifiedTypeRE.MatchString(s) {
		return nil
	}
	dom, _, ok := strings.Cut(s, ".")
	if !ok {
		return errors.New("expected a qualified type <domain><version>.<type>, e.g. resqml20.obj_Grid2dRepresentation or resqml20.*")
	}
	d := strings.TrimRight(dom, "0123456789")
	switch d {
	case "witsml", "resqml", "prodml", "eml":
		return errors.New("expected a two-digit version after the domain, e.g. resqml20 or eml23")
	}
	if d != "" && d != dom {
		return fmt.Errorf("unknown domain %s (one of witsml, resqml, prodml, eml)%s", show(d), didYouMean(d, []string{"witsml", "resqml", "prodml", "eml"}))
	}
	return errors.New("expected a qualified type <domain><version>.<type>, e.g. resqml20.obj_Grid2dRepresentation or resqml20.*")
}

// objectURI is a parsed canonical data object URI (ETP 1.2 section 6.6).
type objectURI struct {
	dataspace string // "" for the default dataspace
	qtype     string
	uuid      string
	version   string
}

// parseObjectURI parses eml:///[dataspace('<path>')/]<qualified-type>(<uuid>) or
// ...(uuid=<uuid>,version='<version>').
func parseObjectURI(s string, show shower) (objectURI, error) {
	var u objectURI
	const scheme = "eml:///"
	if !strings.HasPrefix(s, scheme) {
		if strings.HasPrefix(s, "eml://") || strings.HasPrefix(s, "eml:/") {
			return u, errors.New(`a URI starts with three slashes: "eml:///"`)
		}
		return u, errors.New(`expected a data object URI such as eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation(<uuid>)`)
	}
	rest := s[len(scheme):]
	if strings.HasPrefix(rest, "dataspace(") {
		rest = rest[len("dataspace("):]
		if !strings.HasPrefix(rest, "'") {
			return u, errors.New(`the dataspace path must be quoted: dataspace('name')`)
		}
		ds, n, ok := unquoteETP(rest)
		if !ok {
			return u, errors.New(`unterminated dataspace('...'): missing closing quote`)
		}
		rest = rest[n:]
		if !strings.HasPrefix(rest, ")") {
			return u, errors.New(`expected ")" after the dataspace path`)
		}
		rest = rest[1:]
		if rest == "" {
			return u, errors.New("is a dataspace URI; a data object URI continues with /<type>(<uuid>)")
		}
		if !strings.HasPrefix(rest, "/") {
			return u, errors.New(`expected "/" after dataspace('...')`)
		}
		rest = rest[1:]
		if err := checkDataspace(ds); err != nil {
			return u, fmt.Errorf("dataspace path %w", err)
		}
		u.dataspace = ds
	}
	open := strings.IndexByte(rest, '(')
	if open < 0 || !strings.HasSuffix(rest, ")") {
		return u, errors.New("expected <qualified-type>(<uuid>) after the dataspace, e.g. resqml20.obj_Grid2dRepresentation(<uuid>)")
	}
	u.qtype = rest[:open]
	if err := checkQualifiedType(u.qtype, show); err != nil {
		return u, fmt.Errorf("type %s: %w", show(u.qtype), err)
	}
	if strings.HasSuffix(u.qtype, "*") {
		return u, errors.New("a data object URI names one type, not a wildcard")
	}
	id := rest[open+1 : len(rest)-1]
	if strings.HasPrefix(id, "uuid=") {
		idPart, verPart, ok := strings.Cut(id[len("uuid="):], ",version=")
		if !ok || !strings.HasPrefix(verPart, "'") {
			return u, errors.New("expected (uuid=<uuid>,version='<version>')")
		}
		v, n, ok := unquoteETP(verPart)
		if !ok || n != len(verPart) {
			return u, errors.New("malformed version='...'")
		}
		id, u.version = idPart, v
	}
	if !uuidRE.MatchString(id) {
		return u, fmt.Errorf("%s is not a UUID (8-4-4-4-12 hexadecimal digits)", show(id))
	}
	u.uuid = id
	return u, nil
}

// unquoteETP reads a quoted ETP string, in which a doubled quote stands for one. It returns the
// text, the bytes consumed including both quotes, and whether it was terminated.
func unquoteETP(s string) (string, int, bool) {
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
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// checkServerURI validates a ws:// or wss:// endpoint.
func checkServerURI(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a valid URL")
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http", "https":
		return nil, fmt.Errorf("scheme must be ws or wss (write %s://...)", map[string]string{"http": "ws", "https": "wss"}[u.Scheme])
	default:
		return nil, errors.New("must start with ws:// or wss://")
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("has no host")
	case u.User != nil:
		return nil, errors.New("must not hold credentials: use token_env or token_file")
	case u.Fragment != "":
		return nil, errors.New(`must not have a "#" fragment`)
	}
	return u, nil
}

// checkGlob validates a file pattern.
func checkGlob(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case strings.Contains(s, "**"):
		return errors.New(`"**" (recursive match) is not supported: list one pattern per directory`)
	}
	if _, err := path.Match(s, ""); err != nil {
		return errors.New("malformed pattern (unbalanced [ ] or a trailing \\)")
	}
	return nil
}
