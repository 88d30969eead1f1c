package etp

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hamba/avro/v2"
)

// officialSchemaPath is the official ETP 1.2 protocol file, outside the
// repository (see ../shared/reference/etp12/schema/README.md).
var officialSchemaPath = filepath.Join("..", "..", "shared", "reference", "etp12", "schema", "etp.avpr")

type officialType struct {
	schema        avro.Schema
	protocol      string
	messageType   string
	multipartFlag bool
	isMessage     bool
}

var loadOfficial = sync.OnceValues(func() (map[string]officialType, error) {
	raw, err := os.ReadFile(officialSchemaPath)
	if err != nil {
		return nil, err
	}
	var file struct {
		Types []json.RawMessage `json:"types"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, err
	}
	cache := &avro.SchemaCache{}
	out := map[string]officialType{}
	for i, t := range file.Types {
		s, err := avro.ParseBytesWithCache(t, "", cache)
		if err != nil {
			return nil, errors.New("official type " + strconv.Itoa(i) + ": " + err.Error())
		}
		var attrs struct {
			Protocol      *string `json:"protocol"`
			MessageType   *string `json:"messageType"`
			MultipartFlag bool    `json:"multipartFlag"`
		}
		_ = json.Unmarshal(t, &attrs)
		ot := officialType{schema: s, multipartFlag: attrs.MultipartFlag}
		if attrs.Protocol != nil && attrs.MessageType != nil {
			ot.isMessage, ot.protocol, ot.messageType = true, *attrs.Protocol, *attrs.MessageType
		}
		out[s.(avro.NamedSchema).FullName()] = ot
	}
	return out, nil
})

// official returns the parsed official schema types by full name, skipping
// the test when the reference file is not present.
func official(t testing.TB) map[string]officialType {
	t.Helper()
	m, err := loadOfficial()
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("official schema %s not present; skipping conformance checks", officialSchemaPath)
	}
	if err != nil {
		t.Fatalf("parse official schema: %v", err)
	}
	return m
}

// canonicalForm returns the Avro Parsing Canonical Form of s (Avro
// specification, "Parsing Canonical Form for Schemas"): full names, only the
// attributes name/type/fields/symbols/items/values/size, and each named type
// written in full at its first occurrence and by name afterwards. hamba's own
// String() writes a named type in full only where it was first parsed into
// the cache, which depends on parse order, so it cannot compare two sets of
// files that define the same types in different orders.
func canonicalForm(s avro.Schema) string {
	var b strings.Builder
	writeCanonical(&b, s, map[string]bool{})
	return b.String()
}

func writeCanonical(b *strings.Builder, s avro.Schema, seen map[string]bool) {
	q := func(v string) string { out, _ := json.Marshal(v); return string(out) }
	if r, ok := s.(*avro.RefSchema); ok {
		s = r.Schema()
	}
	if n, ok := s.(avro.NamedSchema); ok {
		if seen[n.FullName()] {
			b.WriteString(q(n.FullName()))
			return
		}
		seen[n.FullName()] = true
	}
	switch x := s.(type) {
	case *avro.NullSchema:
		b.WriteString(`"null"`)
	case *avro.PrimitiveSchema:
		b.WriteString(q(string(x.Type())))
	case *avro.RecordSchema:
		b.WriteString(`{"name":` + q(x.FullName()) + `,"type":"record","fields":[`)
		for i, f := range x.Fields() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":` + q(f.Name()) + `,"type":`)
			writeCanonical(b, f.Type(), seen)
			b.WriteByte('}')
		}
		b.WriteString("]}")
	case *avro.EnumSchema:
		b.WriteString(`{"name":` + q(x.FullName()) + `,"type":"enum","symbols":[`)
		for i, sym := range x.Symbols() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(q(sym))
		}
		b.WriteString("]}")
	case *avro.FixedSchema:
		b.WriteString(`{"name":` + q(x.FullName()) + `,"type":"fixed","size":` + strconv.Itoa(x.Size()) + "}")
	case *avro.ArraySchema:
		b.WriteString(`{"type":"array","items":`)
		writeCanonical(b, x.Items(), seen)
		b.WriteByte('}')
	case *avro.MapSchema:
		b.WriteString(`{"type":"map","values":`)
		writeCanonical(b, x.Values(), seen)
		b.WriteByte('}')
	case *avro.UnionSchema:
		b.WriteByte('[')
		for i, t := range x.Types() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, t, seen)
		}
		b.WriteByte(']')
	default:
		b.WriteString("<unsupported " + string(s.Type()) + ">")
	}
}

// TestSchemaConformance checks that each embedded schema has the same Avro
// Parsing Canonical Form and fingerprint as the official type of the same
// full name.
func TestSchemaConformance(t *testing.T) {
	t.Parallel()
	off := official(t)
	names, err := SchemaNames()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 70 {
		t.Fatalf("only %d embedded schemas", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ours, err := Schema(name)
			if err != nil {
				t.Fatal(err)
			}
			o, ok := off[name]
			if !ok {
				t.Fatalf("no official type %s", name)
			}
			oursPCF, offPCF := canonicalForm(ours), canonicalForm(o.schema)
			if oursPCF != offPCF {
				t.Fatalf("canonical form differs:\n ours     %s\n etp.avpr %s", oursPCF, offPCF)
			}
			if sha256.Sum256([]byte(oursPCF)) != sha256.Sum256([]byte(offPCF)) {
				t.Fatalf("fingerprint differs")
			}
			if strings.Contains(oursPCF, "<unsupported") {
				t.Fatalf("canonical form incomplete: %s", oursPCF)
			}
		})
	}
}

// TestRegistryMatchesSchema checks every registered message against the
// official protocol/messageType/multipartFlag attributes and the embedded
// schema's attributes, and that every official message of the six protocols
// is registered.
func TestRegistryMatchesSchema(t *testing.T) {
	t.Parallel()
	off := official(t)
	for key, info := range registry {
		o, ok := off[info.name]
		if !ok || !o.isMessage {
			t.Errorf("%v/%d: %s is not an official message", key.p, key.t, info.name)
			continue
		}
		if o.protocol != strconv.Itoa(int(key.p)) || o.messageType != strconv.Itoa(int(key.t)) {
			t.Errorf("%s: registered as %d/%d, official %s/%s", info.name, key.p, key.t, o.protocol, o.messageType)
		}
		if o.multipartFlag != info.multipart || MultipartAllowed(key.p, key.t) != o.multipartFlag {
			t.Errorf("%s: multipart %v, official %v", info.name, info.multipart, o.multipartFlag)
		}
		ours, err := Schema(info.name)
		if err != nil {
			t.Errorf("%s: %v", info.name, err)
			continue
		}
		rs := ours.(*avro.RecordSchema)
		if rs.Prop("protocol") != o.protocol || rs.Prop("messageType") != o.messageType ||
			rs.Prop("multipartFlag") != o.multipartFlag {
			t.Errorf("%s: embedded attributes %v/%v/%v differ from official", info.name,
				rs.Prop("protocol"), rs.Prop("messageType"), rs.Prop("multipartFlag"))
		}
		body := info.newBody()
		if body.MessageProtocol() != key.p || body.MessageType() != key.t {
			t.Errorf("%s: body reports %d/%d", info.name, body.MessageProtocol(), body.MessageType())
		}
	}
	want := map[string]bool{"0": true, "3": true, "4": true, "9": true, "18": true, "24": true}
	for name, o := range off {
		if !o.isMessage || !want[o.protocol] {
			continue
		}
		p, _ := strconv.Atoi(o.protocol)
		mt, _ := strconv.Atoi(o.messageType)
		if got, ok := MessageName(Protocol(p), int32(mt)); !ok || got != name {
			t.Errorf("official message %s (%s/%s) not registered (got %q)", name, o.protocol, o.messageType, got)
		}
	}
}

// TestCanonicalForm pins the canonicalizer used by TestSchemaConformance, so
// that a broken canonicalizer cannot make different schemas look equal.
func TestCanonicalForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{
			name:   "defaults and namespace dropped",
			schema: `{"type":"record","name":"B","namespace":"a","doc":"x","fields":[{"name":"x","type":"int","default":1}]}`,
			want:   `{"name":"a.B","type":"record","fields":[{"name":"x","type":"int"}]}`,
		},
		{
			name:   "named type in full once",
			schema: `{"type":"record","name":"a.R","fields":[{"name":"u","type":{"type":"fixed","name":"U","size":16}},{"name":"v","type":["null","a.U"]}]}`,
			want:   `{"name":"a.R","type":"record","fields":[{"name":"u","type":{"name":"a.U","type":"fixed","size":16}},{"name":"v","type":["null","a.U"]}]}`,
		},
		{
			name:   "enum array map",
			schema: `{"type":"record","name":"a.S","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},{"name":"l","type":{"type":"array","items":"long"}},{"name":"m","type":{"type":"map","values":"a.E"}}]}`,
			want:   `{"name":"a.S","type":"record","fields":[{"name":"e","type":{"name":"a.E","type":"enum","symbols":["X","Y"]}},{"name":"l","type":{"type":"array","items":"long"}},{"name":"m","type":{"type":"map","values":"a.E"}}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := avro.Parse(tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			if got := canonicalForm(s); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
