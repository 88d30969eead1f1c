package server

import (
	"fmt"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Data object type patterns (BRIEF 3.2, 6.6): a qualified type such as
// "resqml20.obj_Grid2dRepresentation", a family wildcard "resqml20.*", or
// "*" for every type.

const nilUUIDText = "00000000-0000-0000-0000-000000000000"

// checkTypePattern validates a SupportedDataObject qualified type.
func checkTypePattern(p string) error {
	if p == "*" {
		return nil
	}
	qt := p
	if fam, ok := strings.CutSuffix(p, ".*"); ok {
		qt = fam + ".x"
	}
	if _, err := etp.ParseURI("eml:///" + qt + "(" + nilUUIDText + ")"); err != nil || strings.Contains(qt, "*") {
		return fmt.Errorf("invalid data object type %q: want <domain><version>.<type>, <domain><version>.* or *", p)
	}
	return nil
}

// typeFamily returns the "<domain><version>" part of a qualified type.
func typeFamily(qt string) string {
	if i := strings.IndexByte(qt, '.'); i >= 0 {
		return qt[:i]
	}
	return qt
}

// typeMatch reports whether qualified type qt matches pattern, ignoring
// letter case.
func typeMatch(pattern, qt string) bool {
	if pattern == "*" {
		return true
	}
	if fam, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.EqualFold(fam, typeFamily(qt))
	}
	return strings.EqualFold(pattern, qt)
}

// anyTypeMatch reports whether qt matches one of patterns.
func anyTypeMatch(patterns []string, qt string) bool {
	for _, p := range patterns {
		if typeMatch(p, qt) {
			return true
		}
	}
	return false
}

// maxClientTypes bounds the client's supportedDataObjects entries
// considered: real clients send a handful, and the intersection costs
// entries x server patterns.
const maxClientTypes = 4096

// intersectTypes returns the patterns usable in a session: the intersection
// of the client's and the server's lists, wildcards matching every type of
// their family (BRIEF 3.2). The more specific of two matching entries is
// kept; the result has no duplicates (case-insensitive) and follows the
// client's order.
func intersectTypes(client []etp.SupportedDataObject, server []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		k := strings.ToLower(p)
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	if len(client) > maxClientTypes {
		client = client[:maxClientTypes]
	}
	for _, c := range client {
		cp := c.QualifiedType
		if checkTypePattern(cp) != nil {
			continue
		}
		for _, sp := range server {
			switch {
			case cp == "*":
				add(sp)
			case sp == "*":
				add(cp)
			case strings.HasSuffix(cp, ".*") && strings.HasSuffix(sp, ".*"):
				if strings.EqualFold(cp, sp) {
					add(sp)
				}
			case strings.HasSuffix(cp, ".*"):
				if typeMatch(cp, sp) {
					add(sp)
				}
			default:
				if typeMatch(sp, cp) {
					add(cp)
				}
			}
		}
	}
	return out
}
