package server

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/etp-transfer/etp-transfer/etp"
)

func uid(uri, path string) etp.DataArrayIdentifier {
	return etp.DataArrayIdentifier{URI: uri, PathInResource: path}
}

func TestDataArrayRefusals(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxDataArraySize: 1 << 20})
	c, _ := openRaw(t, url, 16<<10)
	putDataspace(t, c, "arr")
	owner := etp.ObjectURI("arr", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	doubles := etp.DoubleArray([]float64{1, 2, 3, 4, 5, 6})
	a := merge(t, c.request(&etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{
		"ok":         {UID: uid(owner, "/a"), Array: etp.DataArray{Dimensions: []int64{2, 3}, Data: doubles}},
		"mismatch":   {UID: uid(owner, "/b"), Array: etp.DataArray{Dimensions: []int64{2, 2}, Data: doubles}},
		"strings":    {UID: uid(owner, "/s"), Array: etp.DataArray{Dimensions: []int64{1}, Data: etp.StringArray([]string{"x"})}},
		"noDims":     {UID: uid(owner, "/n"), Array: etp.DataArray{Data: doubles}},
		"negative":   {UID: uid(owner, "/m"), Array: etp.DataArray{Dimensions: []int64{-6}, Data: doubles}},
		"tooBig":     {UID: uid(owner, "/big"), Array: etp.DataArray{Dimensions: []int64{1 << 20, 1 << 20}, Data: doubles}},
		"badURI":     {UID: uid("eml:///dataspace('arr')/x", "/a"), Array: etp.DataArray{Dimensions: []int64{6}, Data: doubles}},
		"dataspace":  {UID: uid("eml:///dataspace('arr')", "/a"), Array: etp.DataArray{Dimensions: []int64{6}, Data: doubles}},
		"noSpace":    {UID: uid(etp.ObjectURI("zz", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), "/a"), Array: etp.DataArray{Dimensions: []int64{6}, Data: doubles}},
		"badBytes":   {UID: uid(owner, "/bb"), Array: etp.DataArray{Dimensions: []int64{3}, Data: etp.BytesArray([]byte{1, 2})}},
		"tooManyDim": {UID: uid(owner, "/d"), Array: etp.DataArray{Dimensions: make([]int64, 33), Data: etp.DoubleArray(nil)}},
	}}), 0)
	if got := successKeys(a.parts); len(got) != 1 || !got["ok"] {
		t.Fatalf("successes %v: %s", got, describe(a.msgs))
	}
	for k, code := range map[string]etp.ErrorCode{"mismatch": etp.EInvalidArgument, "strings": etp.ENotSupported,
		"noDims": etp.EInvalidArgument, "negative": etp.EInvalidArgument, "tooBig": etp.EMaxSizeExceeded,
		"badURI": etp.EInvalidURI, "dataspace": etp.EInvalidURI, "noSpace": etp.ENotFound, "badBytes": etp.EInvalidArgument,
		"tooManyDim": etp.EInvalidArgument} {
		a.keyCode(t, k, code)
	}

	md := func(t etp.AnyArrayType, l etp.AnyLogicalArrayType, dims ...int64) etp.DataArrayMetadata {
		return etp.DataArrayMetadata{Dimensions: dims, TransportArrayType: t, LogicalArrayType: l}
	}
	a = merge(t, c.request(&etp.PutUninitializedDataArrays{DataArrays: map[string]etp.PutUninitializedDataArrayType{
		"ok":       {UID: uid(owner, "/u"), Metadata: md(etp.AnyArrayInt, etp.LogicalArrayInt16LE, 4, 4)},
		"pair":     {UID: uid(owner, "/p"), Metadata: md(etp.AnyArrayFloat, etp.LogicalArrayDouble64LE, 4)},
		"int64Int": {UID: uid(owner, "/q"), Metadata: md(etp.AnyArrayInt, etp.LogicalArrayInt64LE, 4)},
		"string":   {UID: uid(owner, "/r"), Metadata: md(etp.AnyArrayString, etp.LogicalArrayString, 4)},
		"tooBig":   {UID: uid(owner, "/t"), Metadata: md(etp.AnyArrayDouble, etp.LogicalArrayDouble64LE, 1<<18)},
		"pref": {UID: uid(owner, "/v"), Metadata: etp.DataArrayMetadata{Dimensions: []int64{4}, PreferredSubarrayDimensions: []int64{5},
			TransportArrayType: etp.AnyArrayLong, LogicalArrayType: etp.LogicalArrayInt64LE}},
	}}), 0)
	if got := successKeys(a.parts); len(got) != 1 || !got["ok"] {
		t.Fatalf("successes %v: %s", got, describe(a.msgs))
	}
	for k, code := range map[string]etp.ErrorCode{"pair": etp.EInvalidArgument, "int64Int": etp.EInvalidArgument,
		"string": etp.ENotSupported, "tooBig": etp.EMaxSizeExceeded, "pref": etp.EInvalidArgument} {
		a.keyCode(t, k, code)
	}

	sub := func(data etp.AnyArray, starts, counts []int64) etp.PutDataSubarraysType {
		return etp.PutDataSubarraysType{UID: uid(owner, "/u"), Data: data, Starts: starts, Counts: counts}
	}
	a = merge(t, c.request(&etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{
		"ok":       sub(etp.IntArray([]int32{1, -2, 32767, -32768}), []int64{1, 1}, []int64{2, 2}),
		"range":    sub(etp.IntArray([]int32{1, 40000}), []int64{0, 0}, []int64{1, 2}),
		"type":     sub(etp.LongArray([]int64{1, 2}), []int64{0, 0}, []int64{1, 2}),
		"outside":  sub(etp.IntArray([]int32{1, 2}), []int64{0, 3}, []int64{1, 2}),
		"negative": sub(etp.IntArray([]int32{1}), []int64{-1, 0}, []int64{1, 1}),
		"rank":     sub(etp.IntArray([]int32{1, 2}), []int64{0}, []int64{2}),
		"count":    sub(etp.IntArray([]int32{1, 2, 3}), []int64{0, 0}, []int64{1, 2}),
		"missing":  {UID: uid(owner, "/none"), Data: etp.IntArray([]int32{1}), Starts: []int64{0}, Counts: []int64{1}},
	}}), 0)
	if got := successKeys(a.parts); len(got) != 1 || !got["ok"] {
		t.Fatalf("successes %v: %s", got, describe(a.msgs))
	}
	for k, code := range map[string]etp.ErrorCode{"range": etp.EInvalidArgument, "type": etp.EInvalidArgument,
		"outside": etp.EInvalidArgument, "negative": etp.EInvalidArgument, "rank": etp.EInvalidArgument,
		"count": etp.EInvalidArgument, "missing": etp.ENotFound} {
		a.keyCode(t, k, code)
	}

	a = merge(t, c.request(&etp.GetDataSubarrays{DataSubarrays: map[string]etp.GetDataSubarraysType{
		"ok":      {UID: uid(owner, "/u"), Starts: []int64{1, 0}, Counts: []int64{2, 4}},
		"whole":   {UID: uid(owner, "/u")},
		"outside": {UID: uid(owner, "/u"), Starts: []int64{3, 0}, Counts: []int64{2, 4}},
		"missing": {UID: uid(owner, "/none"), Starts: []int64{0}, Counts: []int64{1}},
	}}), 0)
	got := a.parts[0].(*etp.GetDataSubarraysResponse).DataSubarrays
	want := map[string]etp.DataArray{
		"ok":    {Dimensions: []int64{2, 4}, Data: etp.IntArray([]int32{0, 1, -2, 0, 0, 32767, -32768, 0})},
		"whole": {Dimensions: []int64{4, 4}, Data: etp.IntArray([]int32{0, 0, 0, 0, 0, 1, -2, 0, 0, 32767, -32768, 0, 0, 0, 0, 0})},
	}
	if d := cmp.Diff(want, got, cmp.Comparer(anyArrayEqual)); d != "" {
		t.Errorf("sub-arrays (-want +got):\n%s", d)
	}
	a.keyCode(t, "outside", etp.EInvalidArgument)
	a.keyCode(t, "missing", etp.ENotFound)

	a = merge(t, c.request(&etp.GetDataArrayMetadata{DataArrays: map[string]etp.DataArrayIdentifier{
		"u": uid(owner, "/u"), "a": uid(owner, "/a"), "missing": uid(owner, "/none"), "bad": uid("nope", ""),
	}}), 0)
	meta := a.parts[0].(*etp.GetDataArrayMetadataResponse).ArrayMetadata
	if m := meta["u"]; !cmp.Equal(m.Dimensions, []int64{4, 4}) || m.TransportArrayType != etp.AnyArrayInt ||
		m.LogicalArrayType != etp.LogicalArrayInt16LE || m.StoreCreated == 0 || m.StoreLastWrite < m.StoreCreated {
		t.Errorf("metadata u %+v", m)
	}
	if m := meta["a"]; m.TransportArrayType != etp.AnyArrayDouble || m.LogicalArrayType != etp.LogicalArrayDouble64LE {
		t.Errorf("metadata a %+v", m)
	}
	a.keyCode(t, "missing", etp.ENotFound)
	a.keyCode(t, "bad", etp.EInvalidURI)
}

func anyArrayEqual(a, b etp.AnyArray) bool {
	if a.Type != b.Type || a.Len() != b.Len() {
		return false
	}
	switch a.Type {
	case etp.AnyArrayBoolean:
		return cmp.Equal(a.Bools, b.Bools, cmp.Comparer(func(x, y []bool) bool { return fmt.Sprint(x) == fmt.Sprint(y) }))
	case etp.AnyArrayInt:
		return fmt.Sprint(a.Ints) == fmt.Sprint(b.Ints)
	case etp.AnyArrayLong:
		return fmt.Sprint(a.Longs) == fmt.Sprint(b.Longs)
	case etp.AnyArrayFloat:
		for i := range a.Floats {
			if math.Float32bits(a.Floats[i]) != math.Float32bits(b.Floats[i]) {
				return false
			}
		}
		return true
	case etp.AnyArrayDouble:
		for i := range a.Doubles {
			if math.Float64bits(a.Doubles[i]) != math.Float64bits(b.Doubles[i]) {
				return false
			}
		}
		return true
	case etp.AnyArrayBytes:
		return string(a.Bytes) == string(b.Bytes)
	}
	return false
}

// TestDataArrayLimits checks EMAXSIZE_EXCEEDED for an array that cannot fit
// one message, the exact-size scan of varint arrays, and multipart
// responses when several keys do not fit one message.
func TestDataArrayLimits(t *testing.T) {
	t.Parallel()
	const limit = 8 << 10
	_, url := startServer(t, nil)
	c, _ := openRaw(t, url, limit)
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	meta := func(tt etp.AnyArrayType, l etp.AnyLogicalArrayType, n int64) etp.DataArrayMetadata {
		return etp.DataArrayMetadata{Dimensions: []int64{n}, TransportArrayType: tt, LogicalArrayType: l}
	}
	merge(t, c.request(&etp.PutUninitializedDataArrays{DataArrays: map[string]etp.PutUninitializedDataArrayType{
		"big":   {UID: uid(owner, "/big"), Metadata: meta(etp.AnyArrayDouble, etp.LogicalArrayDouble64LE, 2000)},
		"longs": {UID: uid(owner, "/longs"), Metadata: meta(etp.AnyArrayLong, etp.LogicalArrayInt64LE, 5000)},
		"mid":   {UID: uid(owner, "/mid"), Metadata: meta(etp.AnyArrayFloat, etp.LogicalArrayFloat32LE, 1500)},
	}}), limit).noErrors(t)
	// 5000 zero longs encode in ~5 KB although the worst case is 50 KB.
	a := merge(t, c.request(&etp.GetDataArrays{DataArrays: map[string]etp.DataArrayIdentifier{
		"big": uid(owner, "/big"), "longs": uid(owner, "/longs"),
	}}), limit)
	a.keyCode(t, "big", etp.EMaxSizeExceeded)
	if got := a.parts[0].(*etp.GetDataArraysResponse).DataArrays["longs"]; len(got.Data.Longs) != 5000 {
		t.Fatalf("longs: %d values", len(got.Data.Longs))
	}
	// Three 6000-byte float blocks: three parts.
	a = merge(t, c.request(&etp.GetDataSubarrays{DataSubarrays: map[string]etp.GetDataSubarraysType{
		"0": {UID: uid(owner, "/mid")}, "1": {UID: uid(owner, "/mid")}, "2": {UID: uid(owner, "/mid")},
	}}), limit)
	a.noErrors(t)
	if len(a.parts) != 3 {
		t.Fatalf("%d parts, want 3", len(a.parts))
	}
}
