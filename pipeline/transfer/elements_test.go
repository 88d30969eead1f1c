package transfer

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// randomElements returns n random elements of d as little-endian bytes, with
// uint64 values kept at or below MaxInt64 and bools 0 or 1.
func randomElements(r *rand.Rand, d arrayfile.DType, n int) []byte {
	b := make([]byte, n*d.Size())
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	switch d {
	case arrayfile.Bool:
		for i := range b {
			b[i] &= 1
		}
	case arrayfile.Uint64:
		for i := 7; i < len(b); i += 8 {
			b[i] &= 0x7f
		}
	case arrayfile.Float32:
		for i := 0; i < len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], math.Float32bits(r.Float32()*1e6-5e5))
		}
	case arrayfile.Float64:
		for i := 0; i < len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], math.Float64bits(r.NormFloat64()))
		}
	}
	return b
}

func TestElementRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range arrayfile.DTypes() {
		t.Run(d.String(), func(t *testing.T) {
			et, err := ElementTypeOf(d)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ElementTypeFromMetadata(et.Transport, et.Logical)
			if err != nil || back != et {
				t.Fatalf("ElementTypeFromMetadata(%v, %v) = %v, %v; want %v", et.Transport, et.Logical, back, err, et)
			}
			for _, n := range []int{0, 1, 1000} {
				src := randomElements(r, d, n)
				var a etp.AnyArray
				if err := encodeBlock(et, src, &a, 0); err != nil {
					t.Fatal(err)
				}
				if a.Type != et.Transport || a.Len() != n {
					t.Fatalf("encoded %v with %d values, want %v with %d", a.Type, a.Len(), et.Transport, n)
				}
				// Through the wire codec and back.
				wire, err := etp.AppendAnyArray(nil, &a)
				if err != nil {
					t.Fatal(err)
				}
				var got etp.AnyArray
				if _, err := etp.DecodeAnyArrayInto(wire, &got); err != nil {
					t.Fatal(err)
				}
				dst := make([]byte, len(src))
				if err := decodeBlock(et, &got, dst, 0); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(dst, src) {
					t.Fatalf("round trip of %d %v elements changed the bytes", n, d)
				}
			}
		})
	}
}

func TestElementErrors(t *testing.T) {
	u64 := make([]byte, 16)
	binary.LittleEndian.PutUint64(u64[8:], math.MaxUint64)
	et, _ := ElementTypeOf(arrayfile.Uint64)
	var a etp.AnyArray
	err := encodeBlock(et, u64, &a, 40)
	if err == nil || !strings.Contains(err.Error(), "element 41: uint64 value 18446744073709551615 does not fit") {
		t.Errorf("uint64 overflow: got %v", err)
	}

	i8, _ := ElementTypeOf(arrayfile.Int8)
	err = decodeBlock(i8, &etp.AnyArray{Type: etp.AnyArrayInt, Ints: []int32{1, 300}}, make([]byte, 2), 10)
	if err == nil || !strings.Contains(err.Error(), "element 11: value 300 does not fit int8") {
		t.Errorf("int8 range: got %v", err)
	}
	err = decodeBlock(i8, &etp.AnyArray{Type: etp.AnyArrayInt, Ints: []int32{1}}, make([]byte, 2), 0)
	if err == nil || !strings.Contains(err.Error(), "store sent 1 values for a block of 2 elements") {
		t.Errorf("count mismatch: got %v", err)
	}
	err = decodeBlock(i8, &etp.AnyArray{Type: etp.AnyArrayDouble, Doubles: []float64{1}}, make([]byte, 1), 0)
	if err == nil || !strings.Contains(err.Error(), "store sent arrayOfDouble values for an array of arrayOfInt") {
		t.Errorf("type mismatch: got %v", err)
	}
}

func TestElementTypeFromOSDUMetadata(t *testing.T) {
	// open-etp-server reports logical type 0 (arrayOfBoolean) for everything.
	cases := []struct {
		transport etp.AnyArrayType
		want      arrayfile.DType
	}{
		{etp.AnyArrayDouble, arrayfile.Float64},
		{etp.AnyArrayFloat, arrayfile.Float32},
		{etp.AnyArrayLong, arrayfile.Int64},
		{etp.AnyArrayInt, arrayfile.Int32},
		{etp.AnyArrayBoolean, arrayfile.Bool},
		{etp.AnyArrayBytes, arrayfile.Uint8},
	}
	for _, c := range cases {
		et, err := ElementTypeFromMetadata(c.transport, etp.LogicalArrayBoolean)
		if err != nil || et.DType != c.want {
			t.Errorf("%v with logical 0: got %v, %v; want %v", c.transport, et.DType, err, c.want)
		}
	}
	// An int16 array sent as arrayOfLong keeps its logical type.
	et, err := ElementTypeFromMetadata(etp.AnyArrayLong, etp.LogicalArrayInt16LE)
	if err != nil || et.DType != arrayfile.Int16 {
		t.Errorf("long/int16: got %v, %v", et.DType, err)
	}
	if _, err := ElementTypeFromMetadata(etp.AnyArrayString, etp.LogicalArrayString); err == nil {
		t.Error("string arrays: want an error")
	}
}
