package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Avro-JSON encoding (Avro 1.x specification, "JSON Encoding") of the
// ServerCapabilities record, for the capabilities endpoint (BRIEF 1.3).
// Records are objects with fields in schema order; a non-null union value is
// an object with one member named after the branch (primitive name, or full
// name for named types); bytes are strings of code points 0-255.

const datatypesNS = "Energistics.Etp.v12.Datatypes."

type jsonWriter struct {
	b   strings.Builder
	err error
}

func (w *jsonWriter) raw(s string) { w.b.WriteString(s) }

func (w *jsonWriter) str(s string) {
	q, _ := json.Marshal(s) // a string always marshals
	w.b.Write(q)
}

func (w *jsonWriter) field(first bool, name string) {
	if !first {
		w.raw(",")
	}
	w.str(name)
	w.raw(":")
}

func (w *jsonWriter) strings(v []string) {
	w.raw("[")
	for i, s := range v {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

func (w *jsonWriter) float(f float64, bits int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if w.err == nil {
			w.err = fmt.Errorf("capability value %v has no JSON encoding", f)
		}
		w.raw("0")
		return
	}
	w.raw(strconv.FormatFloat(f, 'g', -1, bits))
}

// bytes writes an Avro-JSON bytes value: one code point per byte.
func (w *jsonWriter) bytes(p []byte) {
	r := make([]rune, len(p))
	for i, c := range p {
		r[i] = rune(c)
	}
	w.str(string(r))
}

func (w *jsonWriter) branch(name string, value func()) {
	w.raw("{")
	w.str(name)
	w.raw(":")
	value()
	w.raw("}")
}

func (w *jsonWriter) values(n int, item func(i int)) {
	w.raw(`{"values":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.raw(",")
		}
		item(i)
	}
	w.raw("]}")
}

func (w *jsonWriter) anyArray(a *etp.AnyArray) {
	w.raw(`{"item":`)
	switch a.Type {
	case etp.AnyArrayBoolean:
		w.branch(datatypesNS+"ArrayOfBoolean", func() {
			w.values(len(a.Bools), func(i int) { w.raw(strconv.FormatBool(a.Bools[i])) })
		})
	case etp.AnyArrayInt:
		w.branch(datatypesNS+"ArrayOfInt", func() {
			w.values(len(a.Ints), func(i int) { w.raw(strconv.FormatInt(int64(a.Ints[i]), 10)) })
		})
	case etp.AnyArrayLong:
		w.branch(datatypesNS+"ArrayOfLong", func() {
			w.values(len(a.Longs), func(i int) { w.raw(strconv.FormatInt(a.Longs[i], 10)) })
		})
	case etp.AnyArrayFloat:
		w.branch(datatypesNS+"ArrayOfFloat", func() {
			w.values(len(a.Floats), func(i int) { w.float(float64(a.Floats[i]), 32) })
		})
	case etp.AnyArrayDouble:
		w.branch(datatypesNS+"ArrayOfDouble", func() {
			w.values(len(a.Doubles), func(i int) { w.float(a.Doubles[i], 64) })
		})
	case etp.AnyArrayString:
		w.branch(datatypesNS+"ArrayOfString", func() {
			w.values(len(a.Strings), func(i int) { w.str(a.Strings[i]) })
		})
	case etp.AnyArrayBytes:
		w.branch("bytes", func() { w.bytes(a.Bytes) })
	default:
		if w.err == nil {
			w.err = fmt.Errorf("invalid AnyArray type %d", a.Type)
		}
		w.raw("null")
	}
	w.raw("}")
}

// dataValue writes the DataValue record {"item": union}.
func (w *jsonWriter) dataValue(v etp.DataValue) {
	w.raw(`{"item":`)
	switch x := v.(type) {
	case nil:
		w.raw("null")
	case etp.Bool:
		w.branch("boolean", func() { w.raw(strconv.FormatBool(bool(x))) })
	case etp.Int:
		w.branch("int", func() { w.raw(strconv.FormatInt(int64(x), 10)) })
	case etp.Long:
		w.branch("long", func() { w.raw(strconv.FormatInt(int64(x), 10)) })
	case etp.Float:
		w.branch("float", func() { w.float(float64(x), 32) })
	case etp.Double:
		w.branch("double", func() { w.float(float64(x), 64) })
	case etp.String:
		w.branch("string", func() { w.str(string(x)) })
	case etp.ArrayOfBoolean:
		w.branch(datatypesNS+"ArrayOfBoolean", func() {
			w.values(len(x.Values), func(i int) { w.raw(strconv.FormatBool(x.Values[i])) })
		})
	case etp.ArrayOfNullableBoolean:
		w.branch(datatypesNS+"ArrayOfNullableBoolean", func() {
			w.values(len(x.Values), func(i int) {
				if p := x.Values[i]; p == nil {
					w.raw("null")
				} else {
					w.branch("boolean", func() { w.raw(strconv.FormatBool(*p)) })
				}
			})
		})
	case etp.ArrayOfInt:
		w.branch(datatypesNS+"ArrayOfInt", func() {
			w.values(len(x.Values), func(i int) { w.raw(strconv.FormatInt(int64(x.Values[i]), 10)) })
		})
	case etp.ArrayOfNullableInt:
		w.branch(datatypesNS+"ArrayOfNullableInt", func() {
			w.values(len(x.Values), func(i int) {
				if p := x.Values[i]; p == nil {
					w.raw("null")
				} else {
					w.branch("int", func() { w.raw(strconv.FormatInt(int64(*p), 10)) })
				}
			})
		})
	case etp.ArrayOfLong:
		w.branch(datatypesNS+"ArrayOfLong", func() {
			w.values(len(x.Values), func(i int) { w.raw(strconv.FormatInt(x.Values[i], 10)) })
		})
	case etp.ArrayOfNullableLong:
		w.branch(datatypesNS+"ArrayOfNullableLong", func() {
			w.values(len(x.Values), func(i int) {
				if p := x.Values[i]; p == nil {
					w.raw("null")
				} else {
					w.branch("long", func() { w.raw(strconv.FormatInt(*p, 10)) })
				}
			})
		})
	case etp.ArrayOfFloat:
		w.branch(datatypesNS+"ArrayOfFloat", func() {
			w.values(len(x.Values), func(i int) { w.float(float64(x.Values[i]), 32) })
		})
	case etp.ArrayOfDouble:
		w.branch(datatypesNS+"ArrayOfDouble", func() {
			w.values(len(x.Values), func(i int) { w.float(x.Values[i], 64) })
		})
	case etp.ArrayOfString:
		w.branch(datatypesNS+"ArrayOfString", func() {
			w.values(len(x.Values), func(i int) { w.str(x.Values[i]) })
		})
	case etp.ArrayOfBytes:
		w.branch(datatypesNS+"ArrayOfBytes", func() {
			w.values(len(x.Values), func(i int) { w.bytes(x.Values[i]) })
		})
	case etp.Bytes:
		w.branch("bytes", func() { w.bytes(x) })
	case etp.AnySparseArray:
		w.branch(datatypesNS+"AnySparseArray", func() {
			w.raw(`{"slices":[`)
			for i := range x.Slices {
				if i > 0 {
					w.raw(",")
				}
				w.raw(`{"start":` + strconv.FormatInt(x.Slices[i].Start, 10) + `,"slice":`)
				w.anyArray(&x.Slices[i].Slice)
				w.raw("}")
			}
			w.raw("]}")
		})
	default:
		if w.err == nil {
			w.err = fmt.Errorf("unknown DataValue %T", v)
		}
		w.raw("null")
	}
	w.raw("}")
}

func (w *jsonWriter) valueMap(m map[string]etp.DataValue) {
	w.raw("{")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		w.field(i == 0, k)
		w.dataValue(m[k])
	}
	w.raw("}")
}

// capabilitiesJSON returns the Avro-JSON encoding of c.
func capabilitiesJSON(c *etp.ServerCapabilities) ([]byte, error) {
	var w jsonWriter
	w.raw("{")
	w.field(true, "applicationName")
	w.str(c.ApplicationName)
	w.field(false, "applicationVersion")
	w.str(c.ApplicationVersion)
	w.field(false, "contactInformation")
	w.raw("{")
	w.field(true, "organizationName")
	w.str(c.ContactInformation.OrganizationName)
	w.field(false, "contactName")
	w.str(c.ContactInformation.ContactName)
	w.field(false, "contactPhone")
	w.str(c.ContactInformation.ContactPhone)
	w.field(false, "contactEmail")
	w.str(c.ContactInformation.ContactEmail)
	w.raw("}")
	w.field(false, "supportedCompression")
	w.strings(orEmpty(c.SupportedCompression))
	w.field(false, "supportedEncodings")
	w.strings(orEmpty(c.SupportedEncodings))
	w.field(false, "supportedFormats")
	w.strings(orEmpty(c.SupportedFormats))
	w.field(false, "supportedDataObjects")
	w.raw("[")
	for i, d := range c.SupportedDataObjects {
		if i > 0 {
			w.raw(",")
		}
		w.raw("{")
		w.field(true, "qualifiedType")
		w.str(d.QualifiedType)
		w.field(false, "dataObjectCapabilities")
		w.valueMap(d.DataObjectCapabilities)
		w.raw("}")
	}
	w.raw("]")
	w.field(false, "supportedProtocols")
	w.raw("[")
	for i, p := range c.SupportedProtocols {
		if i > 0 {
			w.raw(",")
		}
		v := p.ProtocolVersion
		w.raw(fmt.Sprintf(`{"protocol":%d,"protocolVersion":{"major":%d,"minor":%d,"revision":%d,"patch":%d},"role":`,
			p.Protocol, v.Major, v.Minor, v.Revision, v.Patch))
		w.str(p.Role)
		w.raw(`,"protocolCapabilities":`)
		w.valueMap(p.ProtocolCapabilities)
		w.raw("}")
	}
	w.raw("]")
	w.field(false, "endpointCapabilities")
	w.valueMap(c.EndpointCapabilities)
	w.raw("}")
	if w.err != nil {
		return nil, w.err
	}
	return []byte(w.b.String()), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
