package etp

import (
	"math/rand/v2"
	"testing"
	"time"
)

var benchSizes = []struct {
	name  string
	bytes int
}{{"1MiB", 1 << 20}, {"16MiB", 16 << 20}}

func benchDoubles(n int) []float64 {
	rng := rand.New(rand.NewPCG(9, 10))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * 1000
	}
	return v
}

// BenchmarkEncodeDoubles measures the hot-path encoding of an arrayOfDouble
// AnyArray into a reused buffer. SetBytes is the size of the values.
func BenchmarkEncodeDoubles(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			a := DoubleArray(benchDoubles(sz.bytes / 8))
			buf := make([]byte, 0, a.EncodedSize())
			b.SetBytes(int64(sz.bytes))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = AppendAnyArray(buf[:0], &a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeDoubles measures DecodeAnyArrayInto of an arrayOfDouble
// into a reused AnyArray ("reuse") and into a new one each time ("alloc").
func BenchmarkDecodeDoubles(b *testing.B) {
	for _, sz := range benchSizes {
		a := DoubleArray(benchDoubles(sz.bytes / 8))
		enc, _ := AppendAnyArray(nil, &a)
		b.Run(sz.name+"/reuse", func(b *testing.B) {
			var dst AnyArray
			b.SetBytes(int64(sz.bytes))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeAnyArrayInto(enc, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sz.name+"/alloc", func(b *testing.B) {
			b.SetBytes(int64(sz.bytes))
			b.ReportAllocs()
			for b.Loop() {
				var dst AnyArray
				if _, err := DecodeAnyArrayInto(enc, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// hambaArrayOfDouble is the Go shape hamba decodes an ArrayOfDouble into.
type hambaArrayOfDouble struct {
	Values []float64 `avro:"values"`
}

// BenchmarkHambaDecodeDoubles is the baseline: hamba/avro decoding the same
// ArrayOfDouble record (our bytes without the AnyArray union index).
func BenchmarkHambaDecodeDoubles(b *testing.B) {
	schema, err := Schema("Energistics.Etp.v12.Datatypes.ArrayOfDouble")
	if err != nil {
		b.Fatal(err)
	}
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			a := DoubleArray(benchDoubles(sz.bytes / 8))
			enc, _ := AppendAnyArray(nil, &a)
			enc = enc[1:] // the ArrayOfDouble record itself
			b.SetBytes(int64(sz.bytes))
			b.ReportAllocs()
			for b.Loop() {
				var v hambaArrayOfDouble
				if err := hambaOneBlock.Unmarshal(schema, enc, &v); err != nil || len(v.Values) != sz.bytes/8 {
					b.Fatal(err, len(v.Values))
				}
			}
		})
	}
}

// BenchmarkHambaEncodeDoubles is the encoding baseline.
func BenchmarkHambaEncodeDoubles(b *testing.B) {
	schema, err := Schema("Energistics.Etp.v12.Datatypes.ArrayOfDouble")
	if err != nil {
		b.Fatal(err)
	}
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			v := hambaArrayOfDouble{Values: benchDoubles(sz.bytes / 8)}
			b.SetBytes(int64(sz.bytes))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := hambaOneBlock.Marshal(schema, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchInts(n int) []int32 {
	rng := rand.New(rand.NewPCG(11, 12))
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(rng.Uint32()) >> rng.IntN(32) // mixed varint lengths
	}
	return v
}

func benchLongs(n int) []int64 {
	rng := rand.New(rand.NewPCG(13, 14))
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(rng.Uint64()) >> rng.IntN(64)
	}
	return v
}

// BenchmarkEncodeInts measures zig-zag varint encoding of 1 MiB of int32
// values (mixed lengths); SetBytes is the in-memory size.
func BenchmarkEncodeInts(b *testing.B) {
	a := IntArray(benchInts(1 << 18))
	buf := make([]byte, 0, a.EncodedSize())
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendAnyArray(buf[:0], &a)
	}
}

// BenchmarkDecodeInts measures varint decoding of 1 MiB of int32 values into
// a reused buffer.
func BenchmarkDecodeInts(b *testing.B) {
	a := IntArray(benchInts(1 << 18))
	enc, _ := AppendAnyArray(nil, &a)
	var dst AnyArray
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAnyArrayInto(enc, &dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeLongs measures varint encoding of 1 MiB of int64 values.
func BenchmarkEncodeLongs(b *testing.B) {
	a := LongArray(benchLongs(1 << 17))
	buf := make([]byte, 0, a.EncodedSize())
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendAnyArray(buf[:0], &a)
	}
}

// BenchmarkDecodeLongs measures varint decoding of 1 MiB of int64 values.
func BenchmarkDecodeLongs(b *testing.B) {
	a := LongArray(benchLongs(1 << 17))
	enc, _ := AppendAnyArray(nil, &a)
	var dst AnyArray
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAnyArrayInto(enc, &dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageDoubles measures a whole 1 MiB GetDataSubarraysResponse
// message: framing with and without the compression attempt (random doubles
// do not compress, so "gzip" measures the cost of finding that out) and
// decoding into a reused body.
func BenchmarkMessageDoubles(b *testing.B) {
	body := &GetDataSubarraysResponse{DataSubarrays: map[string]DataArray{
		"0": {Dimensions: []int64{512, 256}, Data: DoubleArray(benchDoubles(1 << 17))}}}
	h := MessageHeader{MessageID: 3, CorrelationID: 2, MessageFlags: FlagFinalPart}
	for _, compress := range []bool{false, true} {
		name := "append/plain"
		if compress {
			name = "append/gzip"
		}
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, EncodedSize(body)+64)
			b.SetBytes(1 << 20)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, _, err = AppendMessage(buf[:0], h, body, compress); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	msg, _, _ := AppendMessage(nil, h, body, false)
	b.Run("decode/into", func(b *testing.B) {
		var dst GetDataSubarraysResponse
		b.SetBytes(1 << 20)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeMessageInto(msg, nil, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/new", func(b *testing.B) {
		b.SetBytes(1 << 20)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := DecodeMessage(msg, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDoublesVsHamba runs the hot path and hamba on the same 1 MiB
// ArrayOfDouble in the same loop and reports how many times faster the hot
// path is ("x-decode", "x-encode"); ns/op is the sum of all four operations.
func BenchmarkDoublesVsHamba(b *testing.B) {
	schema, err := Schema("Energistics.Etp.v12.Datatypes.ArrayOfDouble")
	if err != nil {
		b.Fatal(err)
	}
	a := DoubleArray(benchDoubles(1 << 17))
	enc, _ := AppendAnyArray(nil, &a)
	buf := make([]byte, 0, len(enc))
	hv := hambaArrayOfDouble{Values: a.Doubles}
	var dst AnyArray
	var oursDec, hambaDec, oursEnc, hambaEnc time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := DecodeAnyArrayInto(enc, &dst); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		var v hambaArrayOfDouble
		if err := hambaOneBlock.Unmarshal(schema, enc[1:], &v); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		buf, _ = AppendAnyArray(buf[:0], &a)
		t3 := time.Now()
		if _, err := hambaOneBlock.Marshal(schema, &hv); err != nil {
			b.Fatal(err)
		}
		t4 := time.Now()
		oursDec, hambaDec, oursEnc, hambaEnc = oursDec+t1.Sub(t0), hambaDec+t2.Sub(t1), oursEnc+t3.Sub(t2), hambaEnc+t4.Sub(t3)
	}
	b.ReportMetric(float64(hambaDec)/float64(oursDec), "x-decode")
	b.ReportMetric(float64(hambaEnc)/float64(oursEnc), "x-encode")
}
