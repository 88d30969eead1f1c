package server

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
)

// TestPooledBodiesConcurrentUploads sends many PutDataSubarrays (always
// under the key "0", so that the server's pooled bodies reuse their buffers)
// from several goroutines of one session, then PutDataArrays of changing
// shapes inside a transaction, and checks every value and dimension read
// back: a body returned to its pool while a handler still used it would
// mix the blocks up.
func TestPooledBodiesConcurrentUploads(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	ctx := testCtx(t)
	s := dialClient(t, url, 0, false)
	const ds = "eml:///dataspace('pool')"
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: ds}}); err != nil {
		t.Fatal(err)
	}
	owner := etp.ObjectURI("pool", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	const rows, cols = 64, 512
	id := uid(owner, "/sub")
	if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: id,
		Metadata: etp.DataArrayMetadata{Dimensions: []int64{rows, cols}, TransportArrayType: etp.AnyArrayDouble,
			LogicalArrayType: etp.LogicalArrayDouble64LE}}}); err != nil {
		t.Fatal(err)
	}
	value := func(r, c int) float64 { return float64(r*cols+c) + 0.5 }
	var wg sync.WaitGroup
	errs := make(chan error, rows)
	for w := range 8 {
		wg.Go(func() {
			for r := w; r < rows; r += 8 {
				row := make([]float64, cols)
				for c := range row {
					row[c] = value(r, c)
				}
				_, err := s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: id,
					Data: etp.DoubleArray(row), Starts: []int64{int64(r), 0}, Counts: []int64{1, cols}}})
				if err != nil {
					errs <- fmt.Errorf("row %d: %w", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": id})
	if err != nil {
		t.Fatal(err)
	}
	d := got.Success["0"].Data.Doubles
	if len(d) != rows*cols {
		t.Fatalf("read back %d values, want %d", len(d), rows*cols)
	}
	for i, v := range d {
		if want := value(i/cols, i%cols); v != want {
			t.Fatalf("value %d is %v, want %v", i, v, want)
		}
	}

	// Whole arrays of changing shapes under one key, inside a transaction,
	// which keeps the metadata (dimensions) until the commit.
	tx, err := s.StartTransaction(ctx, false, []string{ds}, "pool")
	if err != nil {
		t.Fatal(err)
	}
	shapes := [][]int64{{6}, {2, 3}, {3, 1, 2}, {1}, {4, 2}}
	for i, dims := range shapes {
		n := int(product(dims))
		data := make([]int64, n)
		for j := range data {
			data[j] = int64(100*i + j)
		}
		if _, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"0": {UID: uid(owner, fmt.Sprintf("/whole%d", i)),
			Array: etp.DataArray{Dimensions: dims, Data: etp.LongArray(data)}}}); err != nil {
			t.Fatalf("shape %v: %v", dims, err)
		}
	}
	if err := s.CommitTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for i, dims := range shapes {
		got, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": uid(owner, fmt.Sprintf("/whole%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		a := got.Success["0"]
		if !slices.Equal(a.Dimensions, dims) {
			t.Fatalf("array %d has dimensions %v, want %v", i, a.Dimensions, dims)
		}
		for j, v := range a.Data.Longs {
			if v != int64(100*i+j) {
				t.Fatalf("array %d value %d is %d", i, j, v)
			}
		}
	}
}

func TestPoolable(t *testing.T) {
	t.Parallel()
	many := map[string]etp.PutDataSubarraysType{}
	for i := range maxPooledKeys + 1 {
		many[fmt.Sprint(i)] = etp.PutDataSubarraysType{}
	}
	for _, tc := range []struct {
		name string
		body etp.Message
		want bool
	}{
		{name: "empty subarrays", body: &etp.PutDataSubarrays{}, want: true},
		{name: "4 MiB of doubles", body: &etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{
			"0": {Data: etp.DoubleArray(make([]float64, 512<<10)), Starts: []int64{0}, Counts: []int64{512 << 10}}}}, want: true},
		{name: "over the byte bound", body: &etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{
			"0": {Data: etp.BytesArray(make([]byte, maxPooledBodyBytes+1))}}}, want: false},
		{name: "bound split over keys", body: &etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{
			"a": {Array: etp.DataArray{Data: etp.BytesArray(make([]byte, maxPooledBodyBytes/2))}},
			"b": {Array: etp.DataArray{Data: etp.BytesArray(make([]byte, maxPooledBodyBytes/2+1))}}}}, want: false},
		{name: "small arrays", body: &etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{
			"a": {Array: etp.DataArray{Dimensions: []int64{2}, Data: etp.FloatArray([]float32{1, 2})}}}}, want: true},
		{name: "too many keys", body: &etp.PutDataSubarrays{DataSubarrays: many}, want: false},
		{name: "nil body", body: (*etp.PutDataSubarrays)(nil), want: false},
		{name: "other type", body: &etp.GetDataArrays{}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := poolable(tc.body); got != tc.want {
				t.Fatalf("poolable = %v, want %v", got, tc.want)
			}
		})
	}
}
