package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
)

// The main suite: the project's own client (etp.Dial) against the server
// over real sockets, for every message type the client sends, every array
// type, 1-D to 4-D shapes, message limits down to 4 KiB and gzip on and off.

func dialClient(t testing.TB, url string, maxMsg int64, gzip bool) *etp.Session {
	t.Helper()
	comp := "none"
	if gzip {
		comp = "gzip"
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s, err := etp.Dial(ctx, url, &etp.SessionOptions{MaxMessageSize: maxMsg, Compression: comp,
		DataObjectTypes: []string{"resqml20.*", "eml20.*"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// arrayKind is one transport/logical pair with a value generator.
type arrayKind struct {
	name      string
	transport etp.AnyArrayType
	logical   etp.AnyLogicalArrayType
	width     int64 // worst-case encoded bytes per element
	es        int   // bytes per element in the bytes branch
	gen       func(r *rand.Rand, n int) etp.AnyArray
}

func ints(r *rand.Rand, n int, lo, hi int64) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(lo + r.Int64N(hi-lo+1))
	}
	return v
}

func longs(r *rand.Rand, n int, lo, hi int64) []int64 {
	v := make([]int64, n)
	for i := range v {
		if lo == math.MinInt64 && hi == math.MaxInt64 {
			v[i] = int64(r.Uint64())
		} else {
			v[i] = lo + r.Int64N(hi-lo+1)
		}
	}
	return v
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var arrayKinds = []arrayKind{
	{"bool", etp.AnyArrayBoolean, etp.LogicalArrayBoolean, 1, 1, func(r *rand.Rand, n int) etp.AnyArray {
		v := make([]bool, n)
		for i := range v {
			v[i] = r.IntN(2) == 1
		}
		return etp.BoolArray(v)
	}},
	{"int8/int", etp.AnyArrayInt, etp.LogicalArrayInt8, 5, 1, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.IntArray(ints(r, n, math.MinInt8, math.MaxInt8))
	}},
	{"uint8/int", etp.AnyArrayInt, etp.LogicalArrayUInt8, 5, 1, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.IntArray(ints(r, n, 0, math.MaxUint8))
	}},
	{"int16/int", etp.AnyArrayInt, etp.LogicalArrayInt16LE, 5, 2, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.IntArray(ints(r, n, math.MinInt16, math.MaxInt16))
	}},
	{"uint16/long", etp.AnyArrayLong, etp.LogicalArrayUInt16LE, 10, 2, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.LongArray(longs(r, n, 0, math.MaxUint16))
	}},
	{"int32/int", etp.AnyArrayInt, etp.LogicalArrayInt32LE, 5, 4, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.IntArray(ints(r, n, math.MinInt32, math.MaxInt32))
	}},
	{"uint32/long", etp.AnyArrayLong, etp.LogicalArrayUInt32LE, 10, 4, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.LongArray(longs(r, n, 0, math.MaxUint32))
	}},
	{"int8/long", etp.AnyArrayLong, etp.LogicalArrayInt8, 10, 1, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.LongArray(longs(r, n, math.MinInt8, math.MaxInt8))
	}},
	{"int64/long", etp.AnyArrayLong, etp.LogicalArrayInt64LE, 10, 8, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.LongArray(longs(r, n, math.MinInt64, math.MaxInt64))
	}},
	{"uint64/long", etp.AnyArrayLong, etp.LogicalArrayUInt64LE, 10, 8, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.LongArray(longs(r, n, math.MinInt64, math.MaxInt64))
	}},
	{"float32", etp.AnyArrayFloat, etp.LogicalArrayFloat32LE, 4, 4, func(r *rand.Rand, n int) etp.AnyArray {
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(r.Uint32()) // NaN payloads and infinities included
		}
		return etp.FloatArray(v)
	}},
	{"float64", etp.AnyArrayDouble, etp.LogicalArrayDouble64LE, 8, 8, func(r *rand.Rand, n int) etp.AnyArray {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(r.Uint64())
		}
		return etp.DoubleArray(v)
	}},
	{"uint8/bytes", etp.AnyArrayBytes, etp.LogicalArrayUInt8, 1, 1, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.BytesArray(randBytes(r, n))
	}},
	{"int16BE/bytes", etp.AnyArrayBytes, etp.LogicalArrayInt16BE, 2, 2, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.BytesArray(randBytes(r, 2*n))
	}},
	{"double64BE/bytes", etp.AnyArrayBytes, etp.LogicalArrayDouble64BE, 8, 8, func(r *rand.Rand, n int) etp.AnyArray {
		return etp.BytesArray(randBytes(r, 8*n))
	}},
}

var arrayShapes = [][]int64{{1}, {0}, {17}, {3, 0}, {1, 1, 1, 1}, {7, 5, 3}, {4, 3, 2, 5}, {2, 300}, {1000}}

// boxIndices returns the row-major flat indices of the box (starts, counts)
// of an array of dims.
func boxIndices(dims, starts, counts []int64) []int64 {
	n := product(counts)
	out := make([]int64, 0, n)
	if n == 0 {
		return out
	}
	idx := make([]int64, len(dims))
	for {
		flat := int64(0)
		for d := range dims {
			flat = flat*dims[d] + starts[d] + idx[d]
		}
		out = append(out, flat)
		d := len(dims) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < counts[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

// pick returns the elements at idx of a (es bytes per element for bytes).
func pick(a etp.AnyArray, idx []int64, es int) etp.AnyArray {
	out := etp.AnyArray{Type: a.Type}
	for _, i := range idx {
		switch a.Type {
		case etp.AnyArrayBoolean:
			out.Bools = append(out.Bools, a.Bools[i])
		case etp.AnyArrayInt:
			out.Ints = append(out.Ints, a.Ints[i])
		case etp.AnyArrayLong:
			out.Longs = append(out.Longs, a.Longs[i])
		case etp.AnyArrayFloat:
			out.Floats = append(out.Floats, a.Floats[i])
		case etp.AnyArrayDouble:
			out.Doubles = append(out.Doubles, a.Doubles[i])
		case etp.AnyArrayBytes:
			out.Bytes = append(out.Bytes, a.Bytes[int(i)*es:(int(i)+1)*es]...)
		}
	}
	if out.Type == etp.AnyArrayBytes && out.Bytes == nil {
		out.Bytes = []byte{}
	}
	return out
}

// place writes the elements of src at idx of dst.
func place(dst *etp.AnyArray, src etp.AnyArray, idx []int64, es int) {
	for j, i := range idx {
		switch dst.Type {
		case etp.AnyArrayBoolean:
			dst.Bools[i] = src.Bools[j]
		case etp.AnyArrayInt:
			dst.Ints[i] = src.Ints[j]
		case etp.AnyArrayLong:
			dst.Longs[i] = src.Longs[j]
		case etp.AnyArrayFloat:
			dst.Floats[i] = src.Floats[j]
		case etp.AnyArrayDouble:
			dst.Doubles[i] = src.Doubles[j]
		case etp.AnyArrayBytes:
			copy(dst.Bytes[int(i)*es:(int(i)+1)*es], src.Bytes[j*es:(j+1)*es])
		}
	}
}

func emptyLike(a etp.AnyArray, n, es int) etp.AnyArray {
	out := etp.AnyArray{Type: a.Type}
	switch a.Type {
	case etp.AnyArrayBoolean:
		out.Bools = make([]bool, n)
	case etp.AnyArrayInt:
		out.Ints = make([]int32, n)
	case etp.AnyArrayLong:
		out.Longs = make([]int64, n)
	case etp.AnyArrayFloat:
		out.Floats = make([]float32, n)
	case etp.AnyArrayDouble:
		out.Doubles = make([]float64, n)
	case etp.AnyArrayBytes:
		out.Bytes = make([]byte, n*es)
	}
	return out
}

// blockBudget is the room for values in one request or response at the
// session limit: the limit minus the header, key, URI, path and shape.
func blockBudget(limit int64) int64 { return limit - 1024 }

func TestClientArrays(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	configs := []struct {
		limit int64
		gzip  bool
	}{{4096, true}, {4096, false}, {DefaultMaxMessageSize, true}}
	for _, cfg := range configs {
		t.Run(fmt.Sprintf("limit=%d/gzip=%v", cfg.limit, cfg.gzip), func(t *testing.T) {
			t.Parallel()
			s := dialClient(t, url, cfg.limit, cfg.gzip)
			if got := s.Info().MaxMessageSize; got != cfg.limit {
				t.Fatalf("session limit %d, want %d", got, cfg.limit)
			}
			ctx := testCtx(t)
			owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
			rnd := rand.New(rand.NewPCG(uint64(cfg.limit), 7))
			for _, k := range arrayKinds {
				for _, dims := range arrayShapes {
					name := fmt.Sprintf("%s/%v", k.name, dims)
					n := int(product(dims))
					want := k.gen(rnd, n)
					id := uid(owner, "/"+name)
					arrayRoundTrip(t, ctx, s, cfg.limit, k, dims, id, want)
				}
			}
		})
	}
}

func arrayRoundTrip(t *testing.T, ctx context.Context, s *etp.Session, limit int64, k arrayKind, dims []int64,
	id etp.DataArrayIdentifier, want etp.AnyArray) {
	t.Helper()
	name := id.PathInResource
	es := k.es
	if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: id,
		Metadata: etp.DataArrayMetadata{Dimensions: dims, TransportArrayType: k.transport, LogicalArrayType: k.logical}}}); err != nil {
		t.Fatalf("%s: allocate: %v", name, err)
	}
	zeros := make([]int64, len(dims))
	budget := blockBudget(limit)
	blocks := 0
	err := forSlabs(zeros, dims, k.width, budget, func(st, ct []int64) error {
		blocks++
		data := pick(want, boxIndices(dims, st, ct), es)
		_, err := s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: id, Data: data,
			Starts: append([]int64(nil), st...), Counts: append([]int64(nil), ct...)}})
		return err
	})
	if err != nil {
		t.Fatalf("%s: write: %v", name, err)
	}
	md, err := s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{"0": id})
	if err != nil {
		t.Fatalf("%s: metadata: %v", name, err)
	}
	if m := md.Success["0"]; fmt.Sprint(m.Dimensions) != fmt.Sprint(dims) || m.TransportArrayType != k.transport ||
		m.LogicalArrayType != k.logical {
		t.Fatalf("%s: metadata %+v", name, m)
	}
	got := emptyLike(want, len(boxIndices(dims, zeros, dims)), es)
	err = forSlabs(zeros, dims, k.width, budget, func(st, ct []int64) error {
		res, err := s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{"0": {UID: id,
			Starts: append([]int64(nil), st...), Counts: append([]int64(nil), ct...)}})
		if err != nil {
			return err
		}
		block := res.Success["0"]
		if fmt.Sprint(block.Dimensions) != fmt.Sprint(ct) {
			return fmt.Errorf("block dimensions %v, want %v", block.Dimensions, ct)
		}
		place(&got, block.Data, boxIndices(dims, st, ct), es)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: read: %v", name, err)
	}
	if !anyArrayEqual(want, got) {
		t.Fatalf("%s: downloaded values differ from the uploaded ones (%d blocks)", name, blocks)
	}
	// Whole-array requests when the array fits one message, else
	// EMAXSIZE_EXCEEDED.
	whole := int64(want.EncodedSize())
	res, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": id})
	switch {
	case whole <= budget:
		if err != nil || !anyArrayEqual(want, res.Success["0"].Data) {
			t.Fatalf("%s: GetDataArrays: %v", name, err)
		}
		// PutDataArrays over the allocated array keeps its logical type; on a
		// new path the transport's natural logical type applies.
		ids := []etp.DataArrayIdentifier{id}
		if defaultLogical(k.transport) == k.logical {
			ids = append(ids, uid(id.URI, name+"/put"))
		}
		for _, id2 := range ids {
			if _, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"0": {UID: id2,
				Array: etp.DataArray{Dimensions: dims, Data: want}}}); err != nil {
				t.Fatalf("%s: PutDataArrays: %v", id2.PathInResource, err)
			}
			res, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": id2})
			if err != nil || !anyArrayEqual(want, res.Success["0"].Data) {
				t.Fatalf("%s: GetDataArrays after PutDataArrays: %v", id2.PathInResource, err)
			}
			md, err := s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{"0": id2})
			if err != nil || md.Success["0"].LogicalArrayType != k.logical {
				t.Fatalf("%s: logical type after PutDataArrays: %v %v", id2.PathInResource, md, err)
			}
		}
	case whole > limit:
		if etp.CodeOf(err) != etp.EMaxSizeExceeded {
			t.Fatalf("%s: GetDataArrays of %d bytes at limit %d: %v", name, whole, limit, err)
		}
	}
}

func TestClientStoreAndDataspaces(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxDataObjectSize: 1 << 20})
	for _, cfg := range []struct {
		limit int64
		gzip  bool
	}{{4096, false}, {4096, true}, {DefaultMaxMessageSize, true}} {
		t.Run(fmt.Sprintf("limit=%d/gzip=%v", cfg.limit, cfg.gzip), func(t *testing.T) {
			t.Parallel()
			s := dialClient(t, url, cfg.limit, cfg.gzip)
			ctx := testCtx(t)
			ds := fmt.Sprintf("client/%d-%v", cfg.limit, cfg.gzip)
			dsURI := etp.DataspaceURI(ds)
			if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: dsURI}}); err != nil {
				t.Fatal(err)
			}
			_, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: dsURI}})
			if etp.CodeOf(err) != etp.EInvalidArgument {
				t.Fatalf("re-creating a dataspace: %v", err)
			}
			list, err := s.GetDataspaces(ctx)
			if err != nil || !strings.Contains(fmt.Sprint(list), dsURI) {
				t.Fatalf("dataspaces %v: %v", list, err)
			}
			big := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "big", 100_000)
			crs := newTestObject(ds, "resqml20.obj_LocalDepth3dCrs", "crs", 0)
			grid := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "grid", 0, [2]string{crs.typ, crs.uuid.String()})
			res, err := s.PutDataObjects(ctx, map[string]etp.DataObject{"big": big.dataObject(), "crs": crs.dataObject(),
				"grid": grid.dataObject()})
			if err != nil || len(res.Success) != 3 {
				t.Fatalf("put: %v", err)
			}
			got, err := s.GetDataObjects(ctx, map[string]string{"big": big.uri, "crs": crs.uri, "grid": grid.uri,
				"missing": newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "m", 0).uri})
			if etp.CodeOf(err) != etp.ENotFound || got.Errors["missing"].Code != etp.ENotFound {
				t.Fatalf("get: %v", err)
			}
			for k, o := range map[string]testObject{"big": big, "crs": crs, "grid": grid} {
				if !bytes.Equal(got.Success[k].Data, o.xml) || got.Success[k].Resource.URI != o.uri {
					t.Fatalf("%s differs after the round trip", k)
				}
			}
			rs, edges, err := s.GetResources(ctx, etp.ContextInfo{URI: grid.uri, Depth: 1}, etp.ContextScopeTargets,
				&etp.GetResourcesOptions{IncludeEdges: true, CountObjects: true})
			if err != nil || len(rs) != 1 || rs[0].URI != crs.uri || len(edges) != 1 {
				t.Fatalf("discovery %v %v: %v", rs, edges, err)
			}
			rs, _, err = s.GetResources(ctx, etp.ContextInfo{URI: dsURI, Depth: 1}, etp.ContextScopeSelf, nil)
			if err != nil || len(rs) != 3 {
				t.Fatalf("listing %d resources: %v", len(rs), err)
			}
			if _, err := s.DeleteDataspaces(ctx, map[string]string{"0": dsURI}); etp.CodeOf(err) != etp.ERequestDenied {
				t.Fatalf("deleting a full dataspace: %v", err)
			}
			del, err := s.DeleteDataObjects(ctx, map[string]string{"big": big.uri, "crs": crs.uri, "grid": grid.uri})
			if err != nil || del.Success["big"][0] != big.uri {
				t.Fatalf("delete: %v", err)
			}
			if _, err := s.DeleteDataspaces(ctx, map[string]string{"0": dsURI}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClientTransactions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	ctx := testCtx(t)
	a := dialClient(t, url, 0, true)
	b := dialClient(t, url, 0, true)
	const ds = "eml:///dataspace('ctx')"
	if _, err := a.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: ds}}); err != nil {
		t.Fatal(err)
	}
	owner := etp.ObjectURI("ctx", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	put := func(s *etp.Session, path string) error {
		_, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"0": {UID: uid(owner, path),
			Array: etp.DataArray{Dimensions: []int64{3}, Data: etp.DoubleArray([]float64{1, 2, 3})}}})
		return err
	}
	exists := func(s *etp.Session, path string) bool {
		_, err := s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{"0": uid(owner, path)})
		if err != nil && etp.CodeOf(err) != etp.ENotFound {
			t.Fatal(err)
		}
		return err == nil
	}
	t.Run("committed", func(t *testing.T) {
		id, err := a.StartTransaction(ctx, false, []string{ds}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := put(a, "/c"); err != nil {
			t.Fatal(err)
		}
		if exists(b, "/c") || !exists(a, "/c") {
			t.Fatal("uncommitted array visible to the other session, or not to its own")
		}
		if _, err := b.StartTransaction(ctx, false, []string{ds}, "race"); etp.CodeOf(err) != etp.EMaxTransactionsExceeded {
			t.Fatalf("second transaction on a held dataspace: %v", err)
		}
		if _, err := a.StartTransaction(ctx, false, []string{ds}, "again"); etp.CodeOf(err) != etp.EMaxTransactionsExceeded {
			t.Fatalf("second transaction in a session: %v", err)
		}
		if err := put(b, "/blocked"); etp.CodeOf(err) != etp.ERequestDenied {
			t.Fatalf("write to a held dataspace: %v", err)
		}
		if err := a.CommitTransaction(ctx, id); err != nil {
			t.Fatal(err)
		}
		if !exists(b, "/c") {
			t.Fatal("committed array not visible")
		}
	})
	t.Run("rolled back", func(t *testing.T) {
		id, err := a.StartTransaction(ctx, false, []string{ds}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := put(a, "/r"); err != nil {
			t.Fatal(err)
		}
		if err := a.RollbackTransaction(ctx, id); err != nil {
			t.Fatal(err)
		}
		if exists(a, "/r") || exists(b, "/r") {
			t.Fatal("rolled back array visible")
		}
	})
	t.Run("abandoned", func(t *testing.T) {
		c := dialClient(t, url, 0, false)
		if _, err := c.StartTransaction(ctx, false, []string{ds}, ""); err != nil {
			t.Fatal(err)
		}
		if err := put(c, "/abandoned"); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		var id etp.UUID
		var err error
		for {
			id, err = b.StartTransaction(ctx, false, []string{ds}, "after")
			if etp.CodeOf(err) != etp.EMaxTransactionsExceeded {
				break
			}
			if ctx.Err() != nil {
				t.Fatal("the dataspace stayed held")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if exists(b, "/abandoned") {
			t.Fatal("the abandoned transaction was committed")
		}
		if err := b.RollbackTransaction(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
}

// TestClientRacingSessions writes disjoint blocks of one array from two
// sessions at once, several requests in flight on each, then reads it back.
func TestClientRacingSessions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	ctx := testCtx(t)
	sessions := []*etp.Session{dialClient(t, url, 16<<10, true), dialClient(t, url, 16<<10, false)}
	id := uid(etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), "/race")
	const rows, cols = 64, 256
	if _, err := sessions[0].PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: id,
		Metadata: etp.DataArrayMetadata{Dimensions: []int64{rows, cols}, TransportArrayType: etp.AnyArrayDouble,
			LogicalArrayType: etp.LogicalArrayDouble64LE}}}); err != nil {
		t.Fatal(err)
	}
	row := func(r int) []float64 {
		v := make([]float64, cols)
		for i := range v {
			v[i] = float64(r*cols + i)
		}
		return v
	}
	var wg sync.WaitGroup
	errs := make(chan error, rows)
	for r := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := sessions[r%2].PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: id,
				Data: etp.DoubleArray(row(r)), Starts: []int64{int64(r), 0}, Counts: []int64{1, cols}}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for r := range rows {
		res, err := sessions[(r+1)%2].GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{"0": {UID: id,
			Starts: []int64{int64(r), 0}, Counts: []int64{1, cols}}})
		if err != nil {
			t.Fatal(err)
		}
		if !anyArrayEqual(res.Success["0"].Data, etp.DoubleArray(row(r))) {
			t.Fatalf("row %d differs", r)
		}
	}
}

// TestClientRefusals checks the codes the client sees for refused requests.
func TestClientRefusals(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxDataArraySize: 1 << 20})
	s := dialClient(t, url, 0, false)
	ctx := testCtx(t)
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	tests := []struct {
		name string
		call func() error
		code etp.ErrorCode
	}{
		{"missing array", func() error {
			_, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": uid(owner, "/none")})
			return err
		}, etp.ENotFound},
		{"too large", func() error {
			_, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: uid(owner, "/big"),
				Metadata: etp.DataArrayMetadata{Dimensions: []int64{1 << 20}, TransportArrayType: etp.AnyArrayDouble,
					LogicalArrayType: etp.LogicalArrayDouble64LE}}})
			return err
		}, etp.EMaxSizeExceeded},
		{"strings", func() error {
			_, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"0": {UID: uid(owner, "/s"),
				Array: etp.DataArray{Dimensions: []int64{1}, Data: etp.StringArray([]string{"a"})}}})
			return err
		}, etp.ENotSupported},
		{"bad URI", func() error {
			_, err := s.GetDataObjects(ctx, map[string]string{"0": "eml:///nope"})
			return err
		}, etp.EInvalidURI},
		{"missing dataspace", func() error {
			_, _, err := s.GetResources(ctx, etp.ContextInfo{URI: "eml:///dataspace('none')", Depth: 1}, etp.ContextScopeSelf, nil)
			return err
		}, etp.ENotFound},
		{"commit without transaction", func() error { return s.CommitTransaction(ctx, etp.NewUUID()) }, etp.EInvalidState},
		{"deleted resources", func() error {
			_, err := s.GetDeletedResources(ctx, "eml:///", nil, nil)
			return err
		}, etp.ENotSupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if etp.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			var pe *etp.ProtocolError
			if !errors.As(err, &pe) || pe.Message == "" {
				t.Fatalf("no message in %v", err)
			}
		})
	}
}

// TestClientManySessions runs many sessions at once, each writing and
// reading its own array with requests in flight.
func TestClientManySessions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxConcurrentRequests: 2})
	ctx := testCtx(t)
	const sessions, requests = 12, 8
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	var wg sync.WaitGroup
	errs := make(chan error, sessions*requests)
	for i := range sessions {
		s := dialClient(t, url, 8<<10, i%2 == 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := uid(owner, fmt.Sprintf("/s%d", i))
			if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: id,
				Metadata: etp.DataArrayMetadata{Dimensions: []int64{requests, 100}, TransportArrayType: etp.AnyArrayLong,
					LogicalArrayType: etp.LogicalArrayInt64LE}}}); err != nil {
				errs <- err
				return
			}
			var inner sync.WaitGroup
			for r := range requests {
				inner.Add(1)
				go func() {
					defer inner.Done()
					vals := make([]int64, 100)
					for j := range vals {
						vals[j] = int64(i*1_000_000 + r*1000 + j)
					}
					if _, err := s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: id,
						Data: etp.LongArray(vals), Starts: []int64{int64(r), 0}, Counts: []int64{1, 100}}}); err != nil {
						errs <- err
						return
					}
					res, err := s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{"0": {UID: id,
						Starts: []int64{int64(r), 0}, Counts: []int64{1, 100}}})
					if err == nil && !anyArrayEqual(res.Success["0"].Data, etp.LongArray(vals)) {
						err = fmt.Errorf("session %d row %d differs", i, r)
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			inner.Wait()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
