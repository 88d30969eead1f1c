package server

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
)

// rawArrayCase is one stored array of TestRawArrayParts.
type rawArrayCase struct {
	path    string
	t       etp.AnyArrayType
	l       etp.AnyLogicalArrayType
	dims    []int64
	data    etp.AnyArray // as written (PutDataSubarrays, whole box)
	starts  []int64      // read box; nil: whole array
	counts  []int64
	want    etp.AnyArray // as read
	wantErr etp.ErrorCode
}

func seq[T int32 | int64 | float32 | float64](n int, f func(i int) T) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

// TestRawArrayParts checks the responses whose values are read in place
// (double, float, bytes) next to codec-built ones (int, long, boolean):
// the values, the per-key errors and, for every uncompressed positive
// part, that the bytes on the wire are exactly the codec's encoding of the
// decoded body.
func TestRawArrayParts(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	grid := seq(6*7, func(i int) float64 { return float64(i) + 0.5 })
	var gridBox []float64
	for r := 2; r < 5; r++ {
		gridBox = append(gridBox, grid[r*7+1:r*7+4]...)
	}
	be := make([]byte, 4*5)
	for i := range 5 {
		binary.BigEndian.PutUint32(be[4*i:], uint32(1000*i+7))
	}
	le16 := make([]byte, 2*9)
	for i := range 9 {
		binary.LittleEndian.PutUint16(le16[2*i:], uint16(300*i))
	}
	arrays := []rawArrayCase{
		{path: "/d", t: etp.AnyArrayDouble, l: etp.LogicalArrayDouble64LE, dims: []int64{5},
			data: etp.DoubleArray([]float64{1, -2.5, math.Inf(1), math.Copysign(0, -1), 1e300}),
			want: etp.DoubleArray([]float64{1, -2.5, math.Inf(1), math.Copysign(0, -1), 1e300})},
		{path: "/grid", t: etp.AnyArrayDouble, l: etp.LogicalArrayDouble64LE, dims: []int64{6, 7},
			data: etp.DoubleArray(grid), starts: []int64{2, 1}, counts: []int64{3, 3}, want: etp.DoubleArray(gridBox)},
		{path: "/empty", t: etp.AnyArrayDouble, l: etp.LogicalArrayDouble64LE, dims: []int64{4},
			data: etp.DoubleArray(make([]float64, 4)), starts: []int64{1}, counts: []int64{0},
			want: etp.DoubleArray([]float64{})},
		{path: "/f", t: etp.AnyArrayFloat, l: etp.LogicalArrayFloat32LE, dims: []int64{300},
			data: etp.FloatArray(seq(300, func(i int) float32 { return float32(i) / 3 })),
			want: etp.FloatArray(seq(300, func(i int) float32 { return float32(i) / 3 }))},
		{path: "/be", t: etp.AnyArrayBytes, l: etp.LogicalArrayUInt32BE, dims: []int64{5},
			data: etp.BytesArray(be), want: etp.BytesArray(be)},
		{path: "/le16", t: etp.AnyArrayBytes, l: etp.LogicalArrayInt16LE, dims: []int64{9},
			data: etp.BytesArray(le16), starts: []int64{3}, counts: []int64{4}, want: etp.BytesArray(le16[6:14])},
		{path: "/i", t: etp.AnyArrayInt, l: etp.LogicalArrayInt32LE, dims: []int64{4},
			data: etp.IntArray([]int32{-1, 0, 1 << 30, 5}), want: etp.IntArray([]int32{-1, 0, 1 << 30, 5})},
		{path: "/l", t: etp.AnyArrayLong, l: etp.LogicalArrayInt64LE, dims: []int64{3},
			data: etp.LongArray([]int64{math.MinInt64, 0, 9}), want: etp.LongArray([]int64{math.MinInt64, 0, 9})},
		{path: "/b", t: etp.AnyArrayBoolean, l: etp.LogicalArrayBoolean, dims: []int64{3},
			data: etp.BoolArray([]bool{true, false, true}), want: etp.BoolArray([]bool{true, false, true})},
		{path: "/bad", t: etp.AnyArrayDouble, l: etp.LogicalArrayDouble64LE, dims: []int64{3},
			data: etp.DoubleArray(make([]float64, 3)), starts: []int64{2}, counts: []int64{2},
			wantErr: etp.EInvalidArgument},
	}
	tests := []struct {
		name  string
		limit int64
		keys  []string // paths requested; "/missing" was never written
	}{
		{name: "one double", limit: 1 << 20, keys: []string{"/d"}},
		{name: "every type in one part", limit: 1 << 20,
			keys: []string{"/d", "/grid", "/empty", "/f", "/be", "/le16", "/i", "/l", "/b", "/bad", "/missing"}},
		{name: "codec types only", limit: 1 << 20, keys: []string{"/i", "/l", "/b"}},
		{name: "split parts", limit: 1400, keys: []string{"/f", "/d", "/f", "/grid", "/i", "/f", "/missing"}},
	}
	c, _ := openRaw(t, url, 1<<20)
	put := map[string]etp.PutUninitializedDataArrayType{}
	for _, a := range arrays {
		put[a.path] = etp.PutUninitializedDataArrayType{UID: uid(owner, a.path), Metadata: etp.DataArrayMetadata{
			Dimensions: a.dims, TransportArrayType: a.t, LogicalArrayType: a.l}}
	}
	merge(t, c.request(&etp.PutUninitializedDataArrays{DataArrays: put}), 0).noErrors(t)
	sub := map[string]etp.PutDataSubarraysType{}
	for _, a := range arrays {
		sub[a.path] = etp.PutDataSubarraysType{UID: uid(owner, a.path), Data: a.data,
			Starts: make([]int64, len(a.dims)), Counts: a.dims}
	}
	merge(t, c.request(&etp.PutDataSubarrays{DataSubarrays: sub}), 0).noErrors(t)
	byPath := map[string]rawArrayCase{}
	for _, a := range arrays {
		byPath[a.path] = a
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := openRaw(t, url, tc.limit)
			req := map[string]etp.GetDataSubarraysType{}
			for i, p := range tc.keys {
				a := byPath[p]
				req[string(rune('a'+i))+p] = etp.GetDataSubarraysType{UID: uid(owner, p), Starts: a.starts, Counts: a.counts}
			}
			msgs := c.request(&etp.GetDataSubarrays{DataSubarrays: req})
			ans := merge(t, msgs, tc.limit)
			checkWireBytes(t, msgs)
			got := map[string]etp.DataArray{}
			for _, p := range ans.parts {
				for k, v := range p.(*etp.GetDataSubarraysResponse).DataSubarrays {
					got[k] = v
				}
			}
			for k, r := range req {
				a, known := byPath[r.UID.PathInResource]
				switch {
				case !known:
					ans.keyCode(t, k, etp.ENotFound)
				case a.wantErr != 0:
					ans.keyCode(t, k, a.wantErr)
				default:
					v, ok := got[k]
					if !ok {
						t.Fatalf("key %q missing: %s", k, describe(msgs))
					}
					if !anyArrayEqual(v.Data, a.want) {
						t.Errorf("key %q: got %+v, want %+v", k, v.Data, a.want)
					}
					wantDims := a.counts
					if wantDims == nil {
						wantDims = a.dims
					}
					if !slicesEqual(v.Dimensions, wantDims) {
						t.Errorf("key %q: dimensions %v, want %v", k, v.Dimensions, wantDims)
					}
				}
			}
			if len(got)+len(ans.errs) != len(req) {
				t.Errorf("%d values and %d errors for %d keys", len(got), len(ans.errs), len(req))
			}
		})
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkWireBytes fails unless every uncompressed message equals the
// codec's encoding of its decoded body.
func checkWireBytes(t *testing.T, msgs []inMsg) {
	t.Helper()
	for i, m := range msgs {
		if m.err != nil {
			t.Fatalf("part %d: %v", i, m.err)
		}
		if m.h.HasFlag(etp.FlagCompressed) {
			continue
		}
		want, _, err := etp.AppendMessage(nil, m.h, m.body, false)
		if err != nil {
			t.Fatalf("part %d: re-encode: %v", i, err)
		}
		if !bytes.Equal(m.raw, want) {
			t.Fatalf("part %d (%T): %d bytes on the wire differ from the codec's %d", i, m.body, len(m.raw), len(want))
		}
	}
}

// TestRawArrayCompression checks that a session with gzip gets compressed
// parts where the codec would compress (small, or values that shrink) and
// plain ones for incompressible values, with the right values either way.
func TestRawArrayCompression(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	const n = 64 << 10 // 512 KiB of doubles: above the codec's sampling threshold
	rng := rand.New(rand.NewPCG(1, 2))
	noise := seq(n, func(int) float64 { return rng.Float64() })
	tests := []struct {
		name       string
		values     []float64
		compressed bool
	}{
		{name: "zeros", values: make([]float64, n), compressed: true},
		{name: "noise", values: noise, compressed: false},
		{name: "small zeros", values: make([]float64, 1000), compressed: true},
		{name: "tiny", values: []float64{1}, compressed: false},
	}
	const limit = 2 << 20
	c, _ := openRaw(t, url, limit, "gzip")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := "/" + tc.name
			merge(t, c.request(&etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{
				"a": {UID: uid(owner, p), Array: etp.DataArray{Dimensions: []int64{int64(len(tc.values))},
					Data: etp.DoubleArray(tc.values)}},
			}}), limit).noErrors(t)
			msgs := c.request(&etp.GetDataSubarrays{DataSubarrays: map[string]etp.GetDataSubarraysType{
				"a": {UID: uid(owner, p)}}})
			ans := merge(t, msgs, limit)
			ans.noErrors(t)
			checkWireBytes(t, msgs)
			if len(msgs) != 1 {
				t.Fatalf("%d messages: %s", len(msgs), describe(msgs))
			}
			if got := msgs[0].h.HasFlag(etp.FlagCompressed); got != tc.compressed {
				t.Errorf("compressed = %v, want %v", got, tc.compressed)
			}
			v := ans.parts[0].(*etp.GetDataSubarraysResponse).DataSubarrays["a"]
			if !anyArrayEqual(v.Data, etp.DoubleArray(tc.values)) {
				t.Errorf("values differ (%d of %d)", len(v.Data.Doubles), len(tc.values))
			}
		})
	}
}
