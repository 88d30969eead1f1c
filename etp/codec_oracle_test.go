package etp

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2"
)

// hambaOneBlock is the hamba configuration that writes every array and map as
// one positive-count block, the form this codec writes.
var hambaOneBlock = avro.Config{
	DisableBlockSizeHeader: true,
	BlockLength:            1 << 30,
	MaxByteSliceSize:       1 << 30,
}.Freeze()

// canonAvro re-encodes the Avro value of schema s read from d in this
// package's canonical form: arrays as one block, map entries sorted by key.
// It normalises hamba's output (hamba writes Go maps in iteration order) so
// the bytes can be compared with ours.
func canonAvro(s avro.Schema, d *decoder, out []byte) []byte {
	if d.err != nil {
		return out
	}
	if r, ok := s.(*avro.RefSchema); ok {
		s = r.Schema()
	}
	switch x := s.(type) {
	case *avro.NullSchema:
		return out
	case *avro.PrimitiveSchema:
		switch x.Type() {
		case avro.Boolean:
			return append(out, boolByte(d.bool()))
		case avro.Int, avro.Long:
			return appendLong(out, d.long())
		case avro.Float:
			if d.remaining() < 4 {
				d.fail(errShortBuffer)
				return out
			}
			out = append(out, d.b[d.off:d.off+4]...)
			d.off += 4
			return out
		case avro.Double:
			if d.remaining() < 8 {
				d.fail(errShortBuffer)
				return out
			}
			out = append(out, d.b[d.off:d.off+8]...)
			d.off += 8
			return out
		case avro.String, avro.Bytes:
			p := d.bytes()
			return append(appendLong(out, int64(len(p))), p...)
		}
	case *avro.RecordSchema:
		for _, f := range x.Fields() {
			out = canonAvro(f.Type(), d, out)
		}
		return out
	case *avro.EnumSchema:
		return appendLong(out, d.long())
	case *avro.FixedSchema:
		if d.remaining() < x.Size() {
			d.fail(errShortBuffer)
			return out
		}
		out = append(out, d.b[d.off:d.off+x.Size()]...)
		d.off += x.Size()
		return out
	case *avro.ArraySchema:
		var items []byte
		n := 0
		for d.err == nil {
			c, _ := d.blockHeader(1)
			if c == 0 {
				break
			}
			for i := 0; i < c && d.err == nil; i++ {
				items = canonAvro(x.Items(), d, items)
			}
			n += c
		}
		if n > 0 {
			out = appendLong(out, int64(n))
		}
		return append(append(out, items...), 0)
	case *avro.MapSchema:
		type entry struct {
			key string
			val []byte
		}
		var entries []entry
		for d.err == nil {
			c, _ := d.blockHeader(2)
			if c == 0 {
				break
			}
			for i := 0; i < c && d.err == nil; i++ {
				k := d.str()
				entries = append(entries, entry{k, canonAvro(x.Values(), d, nil)})
			}
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
		if len(entries) > 0 {
			out = appendLong(out, int64(len(entries)))
		}
		for _, e := range entries {
			out = append(append(out, appendLong(nil, int64(len(e.key)))...), e.key...)
			out = append(out, e.val...)
		}
		return append(out, 0)
	case *avro.UnionSchema:
		i := d.long()
		if d.err != nil || i < 0 || int(i) >= len(x.Types()) {
			d.failf("bad union index %d", i)
			return out
		}
		return canonAvro(x.Types()[i], d, appendLong(out, i))
	}
	d.failf("unsupported schema %s", s.Type())
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func canonical(s avro.Schema, b []byte) ([]byte, error) {
	d := decoder{b: b}
	out := canonAvro(s, &d, nil)
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%d trailing bytes", len(b)-d.off)
	}
	return out, nil
}

// TestOracleHamba is the round-trip oracle: every message type, encoded by
// this codec, is decoded by hamba with the OFFICIAL schema into generic
// values (consuming exactly all bytes), re-encoded by hamba (one block per
// array/map) and compared byte for byte (after sorting hamba's map entries);
// then our bytes are decoded by our codec and compared with the original.
func TestOracleHamba(t *testing.T) {
	t.Parallel()
	off := official(t)
	seen := map[string]bool{}
	type oracleCase struct {
		name     string
		fullName string
		value    Record
	}
	var cases []oracleCase
	for _, s := range sampleBodies() {
		name, ok := MessageName(s.body.MessageProtocol(), s.body.MessageType())
		if !ok {
			t.Fatalf("%s: not registered", s.name)
		}
		cases = append(cases, oracleCase{s.name, name, s.body})
	}
	for _, r := range sampleRecords() {
		cases = append(cases, oracleCase{r.name, "Energistics.Etp.v12.Datatypes." + r.name, r.value})
	}
	for _, s := range cases {
		t.Run(s.name, func(t *testing.T) {
			name := s.fullName
			seen[name] = true
			schema := off[name].schema
			ours, err := AppendRecord(nil, s.value)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if n := s.value.sizeAvro(); n != len(ours) {
				t.Errorf("size = %d, encoded %d bytes", n, len(ours))
			}
			canonOurs, err := canonical(schema, ours)
			if err != nil {
				t.Fatalf("our bytes do not follow the official schema: %v", err)
			}
			if !bytes.Equal(canonOurs, ours) {
				t.Fatalf("our encoding is not canonical (one block, sorted keys)")
			}

			// Decode with hamba followed by a sentinel string: reading the
			// sentinel right after the value proves hamba consumed exactly
			// our bytes (hamba's Unmarshal ignores a short input ending in EOF).
			const sentinel = "end-of-etp-message"
			input := append(append([]byte(nil), ours...), appendLong(nil, int64(len(sentinel)))...)
			input = append(input, sentinel...)
			r := avro.NewReader(bytes.NewReader(input), 64, avro.WithReaderConfig(hambaOneBlock))
			var generic any
			r.ReadVal(schema, &generic)
			if r.Error != nil {
				t.Fatalf("hamba cannot decode our bytes: %v", r.Error)
			}
			if got := r.ReadString(); r.Error != nil || got != sentinel {
				t.Fatalf("hamba did not consume exactly our %d bytes (read %q after the value, err %v)",
					len(ours), got, r.Error)
			}
			theirs, err := hambaOneBlock.Marshal(schema, generic)
			if err != nil {
				t.Fatalf("hamba re-encode: %v", err)
			}
			canonTheirs, err := canonical(schema, theirs)
			if err != nil {
				t.Fatalf("hamba's bytes: %v", err)
			}
			if !bytes.Equal(canonTheirs, ours) {
				t.Fatalf("hamba re-encoding differs:\n ours   %x\n hamba  %x", ours, canonTheirs)
			}

			back := reflect.New(reflect.TypeOf(s.value).Elem()).Interface().(Record)
			n, err := DecodeRecord(ours, back)
			if err != nil || n != len(ours) {
				t.Fatalf("decode: %d of %d bytes, %v", n, len(ours), err)
			}
			if diff := cmp.Diff(s.value, back, cmpOpts); diff != "" {
				t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, info := range registry {
		if !seen[info.name] {
			t.Errorf("no sample for %s", info.name)
		}
	}
}
