package etp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bitsEqual compares float slices bit for bit (NaN payloads and -0 included).
var bitsEqual = cmp.Options{
	cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }),
	cmp.Comparer(func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }),
}

func randomArray(t AnyArrayType, n int, rng *rand.Rand) AnyArray {
	switch t {
	case AnyArrayBoolean:
		v := make([]bool, n)
		for i := range v {
			v[i] = rng.IntN(2) == 1
		}
		return BoolArray(v)
	case AnyArrayInt:
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(rng.Uint32()) >> rng.IntN(32)
		}
		return IntArray(v)
	case AnyArrayLong:
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(rng.Uint64()) >> rng.IntN(64)
		}
		return LongArray(v)
	case AnyArrayFloat:
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(rng.Uint32()) // includes NaNs and infinities
		}
		return FloatArray(v)
	case AnyArrayDouble:
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(rng.Uint64())
		}
		return DoubleArray(v)
	case AnyArrayString:
		v := make([]string, n)
		for i := range v {
			v[i] = strings.Repeat("s", rng.IntN(5))
		}
		return StringArray(v)
	default:
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		return BytesArray(v)
	}
}

// TestAnyArrayRoundTrip encodes and decodes every branch at several sizes.
func TestAnyArrayRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for typ := AnyArrayBoolean; typ <= AnyArrayBytes; typ++ {
		for _, n := range []int{0, 1, 127, 128, 10000} {
			a := randomArray(typ, n, rng)
			t.Run(typ.String()+"/"+strconv.Itoa(n), func(t *testing.T) {
				t.Parallel()
				b, err := AppendAnyArray([]byte{0xaa}, &a)
				if err != nil {
					t.Fatal(err)
				}
				b = b[1:]
				if a.EncodedSize() != len(b) {
					t.Fatalf("EncodedSize %d, encoded %d", a.EncodedSize(), len(b))
				}
				if b[0] != byte(typ)*2 {
					t.Fatalf("union index byte %#x", b[0])
				}
				var got AnyArray
				m, err := DecodeAnyArrayInto(b, &got)
				if err != nil || m != len(b) {
					t.Fatalf("decode: %d of %d, %v", m, len(b), err)
				}
				if got.Type != typ || got.Len() != n {
					t.Fatalf("decoded type %v len %d", got.Type, got.Len())
				}
				if diff := cmp.Diff(a, got, cmpOpts, bitsEqual); diff != "" {
					t.Fatalf("mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// blockPlan encodes the given item encodings as an Avro array with the
// given block sizes; negative selects the negative-count form with a byte
// size for every block.
func blockPlan(items [][]byte, sizes []int, negative bool) []byte {
	var out []byte
	i := 0
	for _, n := range sizes {
		var blk []byte
		for _, it := range items[i : i+n] {
			blk = append(blk, it...)
		}
		i += n
		if negative {
			out = appendLong(out, int64(-n))
			out = appendLong(out, int64(len(blk)))
		} else {
			out = appendLong(out, int64(n))
		}
		out = append(out, blk...)
	}
	return append(out, 0)
}

// itemEncodings splits the values of a into their individual encodings.
func itemEncodings(a AnyArray) [][]byte {
	var items [][]byte
	switch a.Type {
	case AnyArrayBoolean:
		for _, v := range a.Bools {
			items = append(items, []byte{boolByte(v)})
		}
	case AnyArrayInt:
		for _, v := range a.Ints {
			items = append(items, appendLong(nil, int64(v)))
		}
	case AnyArrayLong:
		for _, v := range a.Longs {
			items = append(items, appendLong(nil, v))
		}
	case AnyArrayFloat:
		for _, v := range a.Floats {
			items = append(items, binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
	case AnyArrayDouble:
		for _, v := range a.Doubles {
			items = append(items, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
		}
	case AnyArrayString:
		for _, v := range a.Strings {
			items = append(items, append(appendLong(nil, int64(len(v))), v...))
		}
	}
	return items
}

// TestAnyArrayMultiBlock decodes arrays written as several blocks, with
// positive and negative counts, as other Avro writers may send them.
func TestAnyArrayMultiBlock(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for typ := AnyArrayBoolean; typ <= AnyArrayString; typ++ {
		a := randomArray(typ, 10, rng)
		items := itemEncodings(a)
		for _, tc := range []struct {
			name     string
			sizes    []int
			negative bool
		}{
			{"one block", []int{10}, false},
			{"three blocks", []int{3, 3, 4}, false},
			{"blocks of one", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, false},
			{"negative one block", []int{10}, true},
			{"negative blocks", []int{6, 4}, true},
		} {
			t.Run(typ.String()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				in := append([]byte{byte(typ) * 2}, blockPlan(items, tc.sizes, tc.negative)...)
				var got AnyArray
				n, err := DecodeAnyArrayInto(in, &got)
				if err != nil || n != len(in) {
					t.Fatalf("decode: %d of %d, %v", n, len(in), err)
				}
				if diff := cmp.Diff(a, got, cmpOpts, bitsEqual); diff != "" {
					t.Fatalf("mismatch (-want +got):\n%s", diff)
				}
				// The message path accepts the same bytes inside a body.
				body := append([]byte{2, 2, '0', 2, 0x14, 0}, in...) // one entry "0", dimensions [10]
				body = append(body, 0)
				var resp GetDataSubarraysResponse
				if _, err := DecodeRecord(body, &resp); err != nil {
					t.Fatalf("in a body: %v", err)
				}
				if diff := cmp.Diff(a, resp.DataSubarrays["0"].Data, cmpOpts, bitsEqual); diff != "" {
					t.Fatalf("in a body (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestAnyArrayDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "end of data"},
		{"bad union index", []byte{0x0e}, "union index"},
		{"negative union index", []byte{0x01}, "union index"},
		{"doubles count beyond input", []byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0}, "cannot fit"},
		{"doubles short by one byte", []byte{0x08, 0x02, 1, 2, 3, 4, 5, 6, 7}, "cannot fit"},
		{"missing end block", append([]byte{0x08, 0x02}, make([]byte, 8)...), "end of data"},
		{"floats count beyond input", []byte{0x06, 0x04, 0, 0, 0, 0}, "cannot fit"},
		{"ints count beyond input", []byte{0x02, 0x06, 0, 0}, "cannot fit"},
		{"int overflow", []byte{0x02, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}, "range"},
		{"int six bytes", []byte{0x02, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0}, "range"},
		{"long overflow", []byte{0x04, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0}, "overflow"},
		{"long truncated", []byte{0x04, 0x02, 0xff}, "end of data"},
		{"bool byte 2", []byte{0x00, 0x02, 0x02, 0}, "boolean"},
		{"string beyond input", []byte{0x0a, 0x02, 0x10, 'a'}, "exceeds"},
		{"bytes beyond input", []byte{0x0c, 0x10, 1, 2}, "exceeds"},
		{"negative bytes length", []byte{0x0c, 0x01}, "exceeds"},
		{"negative block size beyond input", []byte{0x08, 0x01, 0x20, 0, 0, 0, 0, 0, 0, 0, 0}, "byte size"},
		{"negative block size mismatch", append(append([]byte{0x08, 0x01, 0x0e}, make([]byte, 8)...), 0), "declared"},
		{"negative size mismatch ints", []byte{0x02, 0x03, 0x02, 0x02, 0x04, 0}, "declared"},
		{"min int64 count", []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "block count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var a AnyArray
			_, err := DecodeAnyArrayInto(tc.in, &a)
			var de *DecodeError
			if !errors.As(err, &de) || de.Code != EInvalidMessage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want EInvalidMessage containing %q", err, tc.want)
			}
		})
	}
}

// TestDecodeAnyArrayIntoReuse checks that decoding into a buffer with enough
// capacity does not allocate and that other branches keep their capacity.
func TestDecodeAnyArrayIntoReuse(t *testing.T) {
	v := make([]float64, 4096)
	for i := range v {
		v[i] = float64(i)
	}
	src := DoubleArray(v)
	b, err := AppendAnyArray(nil, &src)
	if err != nil {
		t.Fatal(err)
	}
	dst := AnyArray{Ints: make([]int32, 5, 50), Doubles: make([]float64, 0, 4096)}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := DecodeAnyArrayInto(b, &dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("DecodeAnyArrayInto into a large enough buffer allocated %.1f times", allocs)
	}
	if len(dst.Ints) != 0 || cap(dst.Ints) != 50 || len(dst.Doubles) != 4096 || dst.Doubles[4095] != 4095 {
		t.Fatalf("reuse: ints len %d cap %d, doubles len %d", len(dst.Ints), cap(dst.Ints), len(dst.Doubles))
	}
	encAllocs := testing.AllocsPerRun(20, func() {
		out := make([]byte, 0, len(b)) // one allocation: the destination
		if _, err := AppendAnyArray(out, &src); err != nil {
			t.Fatal(err)
		}
	})
	if encAllocs > 1 {
		t.Fatalf("AppendAnyArray into a presized buffer allocated %.1f times", encAllocs)
	}
}

// TestPortableFloatPath checks the value-by-value fallback used on
// big-endian hosts against the raw-memory fast path.
func TestPortableFloatPath(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 3, 1000} {
		d := randomArray(AnyArrayDouble, n, rng).Doubles
		f := randomArray(AnyArrayFloat, n, rng).Floats
		fast, slow := appendFloat64s([]byte{1}, d), appendFloat64sPortable([]byte{1}, d)
		if !bytes.Equal(fast, slow) {
			t.Fatalf("float64 n=%d: fast and portable encodings differ", n)
		}
		fast32, slow32 := appendFloat32s(nil, f), appendFloat32sPortable(nil, f)
		if !bytes.Equal(fast32, slow32) {
			t.Fatalf("float32 n=%d: fast and portable encodings differ", n)
		}
		// Decode from a misaligned source (offset 1) with both paths.
		d1, d2 := make([]float64, n), make([]float64, n)
		copyFloat64s(d1, fast[1:])
		copyFloat64sPortable(d2, slow[1:])
		if diff := cmp.Diff(d, d1, bitsEqual); diff != "" {
			t.Fatalf("fast float64 decode: %s", diff)
		}
		if diff := cmp.Diff(d, d2, bitsEqual); diff != "" {
			t.Fatalf("portable float64 decode: %s", diff)
		}
		f1, f2 := make([]float32, n), make([]float32, n)
		src := append([]byte{0}, fast32...)
		copyFloat32s(f1, src[1:])
		copyFloat32sPortable(f2, src[1:])
		if diff := cmp.Diff(f, f1, bitsEqual); diff != "" {
			t.Fatalf("fast float32 decode: %s", diff)
		}
		if diff := cmp.Diff(f, f2, bitsEqual); diff != "" {
			t.Fatalf("portable float32 decode: %s", diff)
		}
	}
}

// TestMultiBlockGeneral checks the general decoders with maps and arrays
// in several blocks and negative counts.
func TestMultiBlockGeneral(t *testing.T) {
	t.Parallel()
	str := func(s string) []byte { return append(appendLong(nil, int64(len(s))), s...) }
	entry := func(k, uri, path string) []byte {
		return append(append(str(k), str(uri)...), str(path)...)
	}
	// GetDataArrays: map of 3 entries as a negative block of 2 and a positive block of 1.
	blk := append(entry("a", "eml:///x", "/1"), entry("b", "eml:///y", "/2")...)
	in := appendLong(nil, -2)
	in = appendLong(in, int64(len(blk)))
	in = append(in, blk...)
	in = append(appendLong(in, 1), entry("c", "eml:///z", "/3")...)
	in = append(in, 0)
	var m GetDataArrays
	if n, err := DecodeRecord(in, &m); err != nil || n != len(in) {
		t.Fatalf("map: %d of %d, %v", n, len(in), err)
	}
	want := map[string]DataArrayIdentifier{"a": {"eml:///x", "/1"}, "b": {"eml:///y", "/2"}, "c": {"eml:///z", "/3"}}
	if diff := cmp.Diff(want, m.DataArrays); diff != "" {
		t.Fatalf("map (-want +got):\n%s", diff)
	}
	// AuthorizeResponse.challenges as blocks of 1 and 2.
	items := [][]byte{str("x"), str("y"), str("z")}
	in = append([]byte{1}, blockPlan(items, []int{1, 2}, true)...)
	var ar AuthorizeResponse
	if _, err := DecodeRecord(in, &ar); err != nil || !ar.Success || !cmp.Equal(ar.Challenges, []string{"x", "y", "z"}) {
		t.Fatalf("array: %v %+v", err, ar)
	}
	// A negative block whose declared size is wrong is rejected.
	bad := appendLong(nil, -1)
	bad = appendLong(bad, 5)
	bad = append(append(bad, entry("a", "u", "p")...), 0)
	if _, err := DecodeRecord(bad, &m); err == nil || !strings.Contains(err.Error(), "declared") {
		t.Fatalf("bad block size: %v", err)
	}
}
