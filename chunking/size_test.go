package chunking

import (
	"bytes"
	stdgzip "compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	kgzip "github.com/klauspost/compress/gzip"
	"pgregory.net/rapid"
)

func TestVarintSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    int64
		want int64
	}{
		{"zero", 0, 1},
		{"minus one", -1, 1},
		{"largest one-byte positive", 63, 1},
		{"smallest two-byte positive", 64, 2},
		{"largest one-byte negative", -64, 1},
		{"smallest two-byte negative", -65, 2},
		{"max int32", math.MaxInt32, 5},
		{"min int32", math.MinInt32, 5},
		{"2^62", 1 << 62, 10},
		{"max int64", math.MaxInt64, 10},
		{"min int64", math.MinInt64, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VarintSize(tt.v); got != tt.want {
				t.Errorf("VarintSize(%d) = %d, want %d", tt.v, got, tt.want)
			}
		})
	}
}

func TestVarintSizeMatchesZigzag(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		v := rapid.Int64().Draw(t, "v")
		if got, want := VarintSize(v), int64(len(binary.AppendVarint(nil, v))); got != want {
			t.Fatalf("VarintSize(%d) = %d, zig-zag encoding has %d bytes", v, got, want)
		}
	})
}

func TestAnyArraySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    Element
		n    int64
		want int64
	}{
		{"empty double", Element{Branch: ArrayOfDouble}, 0, 2},
		{"six doubles", Element{Branch: ArrayOfDouble}, 6, 1 + 1 + 48 + 1},
		{"64 floats need a 2-byte count", Element{Branch: ArrayOfFloat}, 64, 1 + 2 + 256 + 1},
		{"booleans", Element{Branch: ArrayOfBoolean}, 10, 1 + 1 + 10 + 1},
		{"ints worst case", Element{Branch: ArrayOfInt}, 3, 1 + 1 + 15 + 1},
		{"long worst case", Element{Branch: ArrayOfLong}, 1, 1 + 1 + 10 + 1},
		{"empty strings", Element{Branch: ArrayOfString}, 3, 1 + 1 + 3 + 1},
		{"strings of 100 bytes", Element{Branch: ArrayOfString, Width: 100}, 2, 1 + 1 + 2*(2+100) + 1},
		{"bytes default width", Element{Branch: Bytes}, 5, 1 + 1 + 5},
		{"bytes width 2", Element{Branch: Bytes, Width: 2}, 3, 1 + 1 + 6},
		{"empty bytes", Element{Branch: Bytes, Width: 8}, 0, 2},
		{"negative count is empty", Element{Branch: ArrayOfDouble}, -5, 2},
		{"invalid branch", Element{Branch: 7}, 5, 0},
		{"negative width", Element{Branch: Bytes, Width: -1}, 5, 0},
		{"saturates", Element{Branch: ArrayOfLong}, math.MaxInt64 / 2, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AnyArraySize(tt.e, tt.n); got != tt.want {
				t.Errorf("AnyArraySize(%v, %d) = %d, want %d", tt.e, tt.n, got, tt.want)
			}
		})
	}
}

func TestElementSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		e             Element
		max, logical  int64
		wantString    string
		wantValidFail bool
	}{
		{"boolean", Element{}, 1, 1, "ArrayOfBoolean", false},
		{"int", Element{Branch: ArrayOfInt}, 5, 4, "ArrayOfInt", false},
		{"long", Element{Branch: ArrayOfLong}, 10, 8, "ArrayOfLong", false},
		{"float", Element{Branch: ArrayOfFloat}, 4, 4, "ArrayOfFloat", false},
		{"double", Element{Branch: ArrayOfDouble, Width: 99}, 8, 8, "ArrayOfDouble", false},
		{"string", Element{Branch: ArrayOfString, Width: 200}, 202, 200, "ArrayOfString(max 200 bytes)", false},
		{"bytes default", Element{Branch: Bytes}, 1, 1, "bytes(width 1)", false},
		{"bytes int16", Element{Branch: Bytes, Width: 2}, 2, 2, "bytes(width 2)", false},
		{"unknown branch", Element{Branch: 9}, 0, 0, "Branch(9)", true},
		{"negative width", Element{Branch: ArrayOfString, Width: -3}, 0, 0, "ArrayOfString(max -3 bytes)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.MaxSize(); got != tt.max {
				t.Errorf("MaxSize = %d, want %d", got, tt.max)
			}
			if got := tt.e.LogicalSize(); got != tt.logical {
				t.Errorf("LogicalSize = %d, want %d", got, tt.logical)
			}
			if got := tt.e.String(); got != tt.wantString {
				t.Errorf("String = %q, want %q", got, tt.wantString)
			}
			err := tt.e.Validate()
			if (err != nil) != tt.wantValidFail || (err != nil && !errors.Is(err, ErrInvalidElement)) {
				t.Errorf("Validate = %v, want failure %t wrapping ErrInvalidElement", err, tt.wantValidFail)
			}
		})
	}
}

func TestExactValueSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  int64
		want int64
	}{
		{"no ints", AnyArrayIntSize(nil), 2},
		{"small ints", AnyArrayIntSize([]int32{0, 1, -1, 63}), 1 + 1 + 4 + 1},
		{"mixed ints", AnyArrayIntSize([]int32{64, math.MinInt32}), 1 + 1 + 2 + 5 + 1},
		{"no longs", AnyArrayLongSize([]int64{}), 2},
		{"mixed longs", AnyArrayLongSize([]int64{1, math.MaxInt64, -300}), 1 + 1 + 1 + 10 + 2 + 1},
		{"no strings", AnyArrayStringSize(nil), 2},
		{"strings", AnyArrayStringSize([]string{"", "abc", strings.Repeat("x", 64)}), 1 + 1 + 1 + 4 + 66 + 1},
		{"long array empty", LongArraySize(nil), 1},
		{"long array", LongArraySize([]int64{2, 3}), 4},
		{"string", StringSize(64), 66},
		{"negative string", StringSize(-4), 1},
		{"golden header RequestSession", HeaderSize(0, 1, 0, 2, 2), 5},
		{"header worst case", HeaderSize(math.MinInt32, math.MinInt32, math.MinInt64, math.MinInt64, math.MinInt32), HeaderMaxSize},
		{"header max is 35", HeaderMaxSize, 35},
		// BRIEF section 9: GetDataArraysResponse {"0": {[2,3], ArrayOfDouble[6]}} is
		// 02 02 30 04 04 06 00 08 0c + 48 bytes + 00 00.
		{"golden GetDataArraysResponse", GetDataArraysResponseBodySize(1, []int64{2, 3}, AnyArraySize(Element{Branch: ArrayOfDouble}, 6)), 9 + 48 + 2},
		{"message uncompressed", MessageSize(100, false), 135},
		{"message compressed", MessageSize(100, true), 35 + 100 + 5 + 32},
		{"message negative body", MessageSize(-1, false), 35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

// TestBodySizesAgainstIndependentModel compares the exported body sizes with the tests'
// own field-by-field model on random inputs.
func TestBodySizesAgainstIndependentModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		l := Lengths{
			KeyLen:  rapid.IntRange(0, 300).Draw(t, "key"),
			URILen:  rapid.IntRange(0, 20000).Draw(t, "uri"),
			PathLen: rapid.IntRange(0, 300).Draw(t, "path"),
		}
		e := drawElement(t)
		rank := rapid.IntRange(0, 5).Draw(t, "rank")
		starts := rapid.SliceOfN(rapid.Int64Range(0, math.MaxInt64), rank, rank).Draw(t, "starts")
		counts := rapid.SliceOfN(rapid.Int64Range(0, math.MaxInt64), rank, rank).Draw(t, "counts")
		n := rapid.Int64Range(0, 1<<40).Draw(t, "n")
		data := AnyArraySize(e, n)
		if want := func() int64 { var c counter; c.anyArray(e, n); return c.n }(); data != want {
			t.Fatalf("AnyArraySize(%v, %d) = %d, model %d", e, n, data, want)
		}
		checks := []struct {
			name string
			got  int64
			m    testMsg
		}{
			{"PutDataSubarrays", PutDataSubarraysBodySize(l, starts, counts, data), msgPutSub},
			{"GetDataSubarrays", GetDataSubarraysBodySize(l, starts, counts), msgGetSub},
			{"GetDataSubarraysResponse", GetDataSubarraysResponseBodySize(l.KeyLen, counts, data), msgGetSubResp},
			{"PutDataArrays", PutDataArraysBodySize(l, counts, data), msgPutArrays},
			{"GetDataArrays", GetDataArraysBodySize(l), msgGetArrays},
			{"GetDataArraysResponse", GetDataArraysResponseBodySize(l.KeyLen, counts, data), msgGetArraysResp},
		}
		for _, c := range checks {
			if want := testBody(c.m, l, e, starts, counts, n); c.got != want {
				t.Fatalf("%s body = %d, model %d", c.name, c.got, want)
			}
		}
	})
}

func drawElement(t *rapid.T) Element {
	e := Element{Branch: Branch(rapid.IntRange(0, 6).Draw(t, "branch"))}
	switch e.Branch {
	case Bytes:
		e.Width = rapid.SampledFrom([]int{0, 1, 2, 4, 8}).Draw(t, "width")
	case ArrayOfString:
		e.Width = rapid.IntRange(0, 300).Draw(t, "width")
	}
	return e
}

// schemaPath is the official ETP 1.2 schema, beside the repository.
var schemaPath = filepath.Join("..", "..", "shared", "reference", "etp12", "schema", "etp.avpr")

// TestBodySizesAgainstSchema encodes real messages with hamba/avro from the official
// schema (one block per array and map, as BRIEF 2.1 asks) and checks the computed sizes
// are exact.
func TestBodySizesAgainstSchema(t *testing.T) {
	t.Parallel()
	proto, err := avro.ParseProtocolFile(schemaPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("official schema not found at %s (it lives beside the repository): %v", schemaPath, err)
	}
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	schemas := map[string]avro.Schema{}
	for _, s := range proto.Types() {
		schemas[s.FullName()] = s
	}
	schema := func(name string) avro.Schema {
		s, ok := schemas["Energistics.Etp.v12."+name]
		if !ok {
			t.Fatalf("schema has no %s", name)
		}
		return s
	}
	api := avro.Config{DisableBlockSizeHeader: true, BlockLength: 1 << 30}.Freeze()
	encLen := func(s avro.Schema, v any) int64 {
		b, err := api.Marshal(s, v)
		if err != nil {
			t.Fatalf("encode %s: %v", s.(avro.NamedSchema).FullName(), err)
		}
		return int64(len(b))
	}

	const ns = "Energistics.Etp.v12.Datatypes."
	type arrayCase struct {
		name  string
		value any   // AnyArray record
		size  int64 // computed size
	}
	bigLongs := []int64{0, -1, 1 << 40, math.MinInt64, math.MaxInt64}
	ints := []int32{0, 64, -65, math.MaxInt32, math.MinInt32}
	strs := []string{"", "a", strings.Repeat("é", 70)}
	doubles := make([]float64, 300)
	raw := bytes.Repeat([]byte{7}, 200)
	arrays := []arrayCase{
		{"doubles", anyArray(ns+"ArrayOfDouble", doubles), AnyArraySize(Element{Branch: ArrayOfDouble}, 300)},
		{"no doubles", anyArray(ns+"ArrayOfDouble", []float64{}), AnyArraySize(Element{Branch: ArrayOfDouble}, 0)},
		{"floats", anyArray(ns+"ArrayOfFloat", make([]float32, 70)), AnyArraySize(Element{Branch: ArrayOfFloat}, 70)},
		{"booleans", anyArray(ns+"ArrayOfBoolean", make([]bool, 9)), AnyArraySize(Element{Branch: ArrayOfBoolean}, 9)},
		{"longs", anyArray(ns+"ArrayOfLong", bigLongs), AnyArrayLongSize(bigLongs)},
		{"worst longs", anyArray(ns+"ArrayOfLong", []int64{math.MinInt64, math.MinInt64}), AnyArraySize(Element{Branch: ArrayOfLong}, 2)},
		{"ints", anyArray(ns+"ArrayOfInt", ints), AnyArrayIntSize(ints)},
		{"worst ints", anyArray(ns+"ArrayOfInt", []int32{math.MinInt32}), AnyArraySize(Element{Branch: ArrayOfInt}, 1)},
		{"strings", anyArray(ns+"ArrayOfString", strs), AnyArrayStringSize(strs)},
		{"worst strings", anyArray(ns+"ArrayOfString", []string{"0123456789", "abcdefghij"}), AnyArraySize(Element{Branch: ArrayOfString, Width: 10}, 2)},
		{"bytes", map[string]any{"item": map[string]any{"bytes": raw}}, AnyArraySize(Element{Branch: Bytes, Width: 2}, 100)},
	}
	for _, a := range arrays {
		if got := encLen(schema("Datatypes.AnyArray"), a.value); got != a.size {
			t.Errorf("AnyArray %s: encoded %d bytes, computed %d", a.name, got, a.size)
		}
	}

	uid := map[string]any{"uri": "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7)", "pathInResource": "/RESQML/points_patch0"}
	key := "block-0"
	l := LengthsOf(key, uid["uri"].(string), uid["pathInResource"].(string))
	starts, counts := []int64{0, 1 << 33, 5}, []int64{70, 1, 64}
	for _, a := range arrays {
		t.Run(a.name, func(t *testing.T) {
			tests := []struct {
				msg   string
				value any
				want  int64
			}{
				{"PutDataSubarrays", map[string]any{"dataSubarrays": map[string]any{key: map[string]any{
					"uid": uid, "data": a.value, "starts": starts, "counts": counts}}},
					PutDataSubarraysBodySize(l, starts, counts, a.size)},
				{"GetDataSubarrays", map[string]any{"dataSubarrays": map[string]any{key: map[string]any{
					"uid": uid, "starts": starts, "counts": counts}}},
					GetDataSubarraysBodySize(l, starts, counts)},
				{"GetDataSubarraysResponse", map[string]any{"dataSubarrays": map[string]any{key: map[string]any{
					"dimensions": counts, "data": a.value}}},
					GetDataSubarraysResponseBodySize(l.KeyLen, counts, a.size)},
				{"PutDataArrays", map[string]any{"dataArrays": map[string]any{key: map[string]any{
					"uid": uid, "array": map[string]any{"dimensions": counts, "data": a.value}, "customData": map[string]any{}}}},
					PutDataArraysBodySize(l, counts, a.size)},
				{"GetDataArrays", map[string]any{"dataArrays": map[string]any{key: uid}},
					GetDataArraysBodySize(l)},
				{"GetDataArraysResponse", map[string]any{"dataArrays": map[string]any{key: map[string]any{
					"dimensions": counts, "data": a.value}}},
					GetDataArraysResponseBodySize(l.KeyLen, counts, a.size)},
			}
			for _, tt := range tests {
				if got := encLen(schema("Protocol.DataArray."+tt.msg), tt.value); got != tt.want {
					t.Errorf("%s: encoded %d bytes, computed %d", tt.msg, got, tt.want)
				}
			}
		})
	}

	headers := []struct {
		protocol, messageType int32
		correlationID, id     int64
		flags                 int32
	}{
		{9, 5, 0, 2, 0x02},
		{9, 8, 1 << 40, 1<<40 + 1, 0x0a},
		{math.MinInt32, math.MaxInt32, math.MinInt64, math.MaxInt64, math.MinInt32},
	}
	for _, h := range headers {
		got := encLen(schema("Datatypes.MessageHeader"), map[string]any{
			"protocol": h.protocol, "messageType": h.messageType, "correlationId": h.correlationID,
			"messageId": h.id, "messageFlags": h.flags})
		if want := HeaderSize(h.protocol, h.messageType, h.correlationID, h.id, h.flags); got != want || got > HeaderMaxSize {
			t.Errorf("header %+v: encoded %d bytes, HeaderSize %d, HeaderMaxSize %d", h, got, want, HeaderMaxSize)
		}
	}
}

// anyArray builds a generic AnyArray value on the given ArrayOfX branch.
func anyArray(branch string, values any) map[string]any {
	return map[string]any{"item": map[string]any{branch: map[string]any{"values": values}}}
}

// TestGzipBoundHolds compresses incompressible data with the Go and klauspost gzip
// writers at every level and checks the output never exceeds GzipBound, and that the
// bound stays tight.
func TestGzipBoundHolds(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<20+7)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	type writer struct {
		name     string
		oneWrite bool // emits blocks per Write call, so only bounded for a single Write
		make     func(b *bytes.Buffer) interface {
			Write([]byte) (int, error)
			Close() error
		}
	}
	var writers []writer
	for _, lvl := range []int{stdgzip.HuffmanOnly, stdgzip.NoCompression, 1, 2, 4, 6, 9} {
		writers = append(writers, writer{"std level " + strconv.Itoa(lvl), false, func(b *bytes.Buffer) interface {
			Write([]byte) (int, error)
			Close() error
		} {
			w, err := stdgzip.NewWriterLevel(b, lvl)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}})
	}
	for _, lvl := range []int{kgzip.StatelessCompression, kgzip.HuffmanOnly, kgzip.NoCompression, 1, 2, 3, 4, 5, 6, 7, 9} {
		writers = append(writers, writer{"klauspost level " + strconv.Itoa(lvl), lvl == kgzip.StatelessCompression, func(b *bytes.Buffer) interface {
			Write([]byte) (int, error)
			Close() error
		} {
			w, err := kgzip.NewWriterLevel(b, lvl)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}})
	}
	sizes := []int{0, 1, 100, 16383, 16384, 16385, 32768, 65535, 65536, 65537, 200000, len(random)}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			for _, n := range sizes {
				for _, piece := range []int{n, 4096} {
					if w.oneWrite && piece != n {
						continue
					}
					buf.Reset()
					zw := w.make(&buf)
					data := random[:n]
					for len(data) > 0 {
						k := min(max(piece, 1), len(data))
						if _, err := zw.Write(data[:k]); err != nil {
							t.Fatal(err)
						}
						data = data[k:]
					}
					if err := zw.Close(); err != nil {
						t.Fatal(err)
					}
					if got, bound := int64(buf.Len()), GzipBound(int64(n)); got > bound {
						t.Errorf("%d bytes in writes of %d compress to %d bytes, over GzipBound %d", n, piece, got, bound)
					}
				}
			}
		})
	}
	for _, n := range []int64{0, 1 << 10, 1 << 20, 64 << 20, 1 << 40} {
		if over, most := GzipBound(n)-n, 40+n/3000; over > most {
			t.Errorf("GzipBound(%d) adds %d bytes, more than %d (too loose)", n, over, most)
		}
	}
	if got := GzipBound(math.MaxInt64 - 10); got != math.MaxInt64 {
		t.Errorf("GzipBound near MaxInt64 = %d, want saturation", got)
	}
	if got := GzipBound(-5); got != GzipBound(0) {
		t.Errorf("GzipBound(-5) = %d, want GzipBound(0) = %d", got, GzipBound(0))
	}
}
