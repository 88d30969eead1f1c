package server

import (
	"errors"
	"maps"
	"math"
	"slices"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// DataArray protocol (9), BRIEF 5. Arrays are keyed by (canonical URI,
// pathInResource); the URI's dataspace must exist, the data object it names
// need not (its arrays are deleted with it when it does).

// slabBytes is the largest block read at once when an exact encoded size
// has to be computed by scanning an array.
const slabBytes = 1 << 20

// arrayKey validates a DataArrayIdentifier.
func arrayKey(uid etp.DataArrayIdentifier) (storage.ArrayKey, etp.URI, *etp.ErrorInfo) {
	u, err := etp.ParseURI(uid.URI)
	if err != nil {
		return storage.ArrayKey{}, u, errInfo(etp.EInvalidURI, "%v", err)
	}
	if u.IsDataspace() {
		return storage.ArrayKey{}, u, errInfo(etp.EInvalidURI,
			"%q is a dataspace URI; a data array is identified by the URI of the data object that owns it", uid.URI)
	}
	if u.Version != "" {
		return storage.ArrayKey{}, u, errInfo(etp.ENotSupported, "%s: this store keeps no object versions", uid.URI)
	}
	return storage.ArrayKey{URI: u.String(), Path: uid.PathInResource}, u, nil
}

// arrayBytes returns count x element size of dims, failing on negative
// dimensions, a count of dimensions outside 1..MaxDims, or overflow.
func arrayBytes(dims []int64, es int) (int64, *etp.ErrorInfo) {
	if len(dims) == 0 || len(dims) > storage.MaxDims {
		return 0, errInfo(etp.EInvalidArgument, "%d dimensions; this store supports 1 to %d", len(dims), storage.MaxDims)
	}
	n := int64(es)
	for i, d := range dims {
		if d < 0 {
			return 0, errInfo(etp.EInvalidArgument, "dimensions[%d] = %d is negative", i, d)
		}
		if d == 0 {
			return 0, nil
		}
		if n > math.MaxInt64/d {
			return math.MaxInt64, nil
		}
		n *= d
	}
	return n, nil
}

func product(v []int64) int64 {
	n := int64(1)
	for _, d := range v {
		n *= d
	}
	return n
}

func (s *session) checkArraySize(dims []int64, k storage.ElementKind) *etp.ErrorInfo {
	size, ei := arrayBytes(dims, k.Size())
	if ei != nil {
		return ei
	}
	if size > s.srv.opts.MaxDataArraySize {
		return errInfo(etp.EMaxSizeExceeded, "array of %v %s elements (%d bytes) exceeds the MaxDataArraySize of %d bytes",
			dims, k, size, s.srv.opts.MaxDataArraySize)
	}
	return nil
}

// checkBox validates starts and counts of a sub-array against dims.
func checkBox(dims, starts, counts []int64) *etp.ErrorInfo {
	if len(starts) != len(dims) || len(counts) != len(dims) {
		return errInfo(etp.EInvalidArgument, "%d starts and %d counts for an array of %d dimensions %v",
			len(starts), len(counts), len(dims), dims)
	}
	for i := range dims {
		if starts[i] < 0 || counts[i] < 0 || starts[i] > dims[i] || counts[i] > dims[i]-starts[i] {
			return errInfo(etp.EInvalidArgument, "starts[%d] = %d with counts[%d] = %d is outside dimension %d of size %d",
				i, starts[i], i, counts[i], i, dims[i])
		}
	}
	return nil
}

func metadataOf(m storage.ArrayMeta) etp.DataArrayMetadata {
	pref := m.PreferredSubarrayDimensions
	if pref == nil {
		pref = []int64{}
	}
	return etp.DataArrayMetadata{Dimensions: m.Dimensions, PreferredSubarrayDimensions: pref,
		TransportArrayType: etp.AnyArrayType(m.TransportArrayType), LogicalArrayType: etp.AnyLogicalArrayType(m.LogicalArrayType),
		StoreLastWrite: m.StoreLastWrite, StoreCreated: m.StoreCreated, CustomData: decodeCustomData(m.CustomData)}
}

// lookupArray validates uid and returns where to read it and its metadata.
func (s *session) lookupArray(uid etp.DataArrayIdentifier) (storage.ReadWriter, storage.ArrayKey, storage.ArrayMeta, *etp.ErrorInfo) {
	key, u, ei := arrayKey(uid)
	if ei != nil {
		return nil, key, storage.ArrayMeta{}, ei
	}
	rw, ei := s.rwFor(u.Dataspace, false)
	if ei != nil {
		return nil, key, storage.ArrayMeta{}, ei
	}
	m, err := rw.GetArrayMeta(key)
	if err != nil {
		return nil, key, m, s.storageError(err)
	}
	return rw, key, m, nil
}

func (s *session) getDataArrayMetadata(h etp.MessageHeader, m *etp.GetDataArrayMetadata) {
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]etp.DataArrayMetadata) etp.Message {
		return &etp.GetDataArrayMetadataResponse{ArrayMetadata: v}
	}
	var entries []mapEntry[etp.DataArrayMetadata]
	for _, k := range slices.Sorted(maps.Keys(m.DataArrays)) {
		_, _, meta, ei := s.lookupArray(m.DataArrays[k])
		if ei != nil {
			errs[k] = *ei
			continue
		}
		md := metadataOf(meta)
		entries = append(entries, mapEntry[etp.DataArrayMetadata]{key: k, bound: entrySize(build, k, md),
			load: func() (etp.DataArrayMetadata, *etp.ErrorInfo) { return md, nil }})
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) getDataArrays(h etp.MessageHeader, m *etp.GetDataArrays) {
	build := func(v map[string]etp.DataArray) etp.Message { return &etp.GetDataArraysResponse{DataArrays: v} }
	boxes := map[string]readBox{}
	for k, uid := range m.DataArrays {
		boxes[k] = readBox{uid: uid}
	}
	s.sendArrays(h, boxes, build)
}

func (s *session) getDataSubarrays(h etp.MessageHeader, m *etp.GetDataSubarrays) {
	build := func(v map[string]etp.DataArray) etp.Message { return &etp.GetDataSubarraysResponse{DataSubarrays: v} }
	boxes := map[string]readBox{}
	for k, g := range m.DataSubarrays {
		boxes[k] = readBox{uid: g.UID, starts: g.Starts, counts: g.Counts, sub: true}
	}
	s.sendArrays(h, boxes, build)
}

// readBox is one array (or sub-array) to read.
type readBox struct {
	uid            etp.DataArrayIdentifier
	starts, counts []int64
	sub            bool
}

// sendArrays answers GetDataArrays and GetDataSubarrays. Each key's size is
// bounded from the metadata (exact for fixed-width transports; for int and
// long the array is scanned when the worst case does not fit), keys are
// packed into parts, and each part's arrays are read only when it is built.
// An array that cannot fit one message gets EMAXSIZE_EXCEEDED: the client
// must use smaller sub-arrays (BRIEF 5.3). Double, float and bytes values
// are read from storage straight into the message buffer (rawparts.go).
func (s *session) sendArrays(h etp.MessageHeader, boxes map[string]readBox, build func(map[string]etp.DataArray) etp.Message) {
	errs := map[string]etp.ErrorInfo{}
	capacity := int64(s.partCapacity(build(nil)))
	var items []arrayItem
	for _, k := range slices.Sorted(maps.Keys(boxes)) {
		b := boxes[k]
		it, ei := s.arrayEntry(k, b, capacity, build)
		if ei != nil {
			errs[k] = *ei
			continue
		}
		items = append(items, it)
	}
	r := s.respond(h)
	s.packArrays(r, items, errs, build)
	if r.parts == 0 && len(errs) == 0 {
		r.add(build(nil))
	}
	sendErrors(r, errs)
	r.finish()
}

func (s *session) arrayEntry(k string, b readBox, capacity int64, build func(map[string]etp.DataArray) etp.Message) (arrayItem, *etp.ErrorInfo) {
	var e arrayItem
	rw, key, meta, ei := s.lookupArray(b.uid)
	if ei != nil {
		return e, ei
	}
	starts, counts := b.starts, b.counts
	if len(starts) == 0 && len(counts) == 0 {
		starts, counts = make([]int64, len(meta.Dimensions)), meta.Dimensions
	} else if ei := checkBox(meta.Dimensions, starts, counts); ei != nil {
		return e, ei
	}
	t := etp.AnyArrayType(meta.TransportArrayType)
	l := etp.AnyLogicalArrayType(meta.LogicalArrayType)
	n := product(counts)
	dims := slices.Clone(counts)
	overhead := int64(entrySize(build, k, etp.DataArray{Dimensions: dims, Data: etp.AnyArray{Type: t}}))
	lo, hi := payloadBounds(t, meta.Kind, n)
	tooBig := func(need int64) *etp.ErrorInfo {
		what := "array"
		if b.sub {
			what = "sub-array"
		}
		return errInfo(etp.EMaxSizeExceeded, "the %s of %d elements needs at least %d bytes, more than fit one message "+
			"of the session limit %d; request smaller sub-arrays with GetDataSubarrays", what, n, need, s.limit())
	}
	if overhead+lo > capacity {
		return e, tooBig(overhead + lo)
	}
	bound := overhead + hi
	if bound > capacity {
		exact, err := scanVarintSize(rw, key, meta.Kind, starts, counts)
		if err != nil {
			return e, s.storageError(err)
		}
		bound = overhead + exact + 12
		if bound > capacity {
			return e, tooBig(bound)
		}
	}
	read := func(dst []byte) error { return rw.ReadBlock(key, starts, counts, dst) }
	e = arrayItem{mapEntry: mapEntry[etp.DataArray]{key: k, bound: int(bound), load: func() (etp.DataArray, *etp.ErrorInfo) {
		a, err := fromStorage(t, l, meta.Kind, int(n), read)
		if err != nil {
			return etp.DataArray{}, s.storageError(err)
		}
		return etp.DataArray{Dimensions: dims, Data: a}, nil
	}}, dims: dims}
	if ok, swap := rawTransport(t, l, meta.Kind); ok {
		e.raw = &rawArray{t: t, n: n, bytes: n * int64(meta.Kind.Size()), swap: swap, read: read}
	}
	return e, nil
}

// scanVarintSize reads the box in slabs of at most slabBytes and returns the
// encoded size of its values as Avro varints.
func scanVarintSize(rw storage.ReadWriter, key storage.ArrayKey, k storage.ElementKind, starts, counts []int64) (int64, error) {
	var total int64
	buf := make([]byte, 0, slabBytes)
	err := forSlabs(starts, counts, int64(k.Size()), slabBytes, func(st, ct []int64) error {
		raw := buf[:product(ct)*int64(k.Size())]
		if err := rw.ReadBlock(key, st, ct, raw); err != nil {
			return err
		}
		total += varintPayload(raw, k)
		return nil
	})
	return total, err
}

// forSlabs calls fn for consecutive row-major slabs of the box (starts,
// counts) of at most maxBytes each (at least one element). Empty boxes call
// nothing.
func forSlabs(starts, counts []int64, es, maxBytes int64, fn func(st, ct []int64) error) error {
	nd := len(counts)
	for _, c := range counts {
		if c == 0 {
			return nil
		}
	}
	// d is the dimension along which slabs are cut: every dimension after it
	// is taken whole.
	d, inner := nd-1, es
	for d > 0 && inner*counts[d] <= maxBytes {
		inner *= counts[d]
		d--
	}
	step := max(maxBytes/inner, 1)
	idx := make([]int64, d) // odometer over dimensions before d
	st := slices.Clone(starts)
	ct := slices.Clone(counts)
	for {
		for i := 0; i < d; i++ {
			st[i], ct[i] = starts[i]+idx[i], 1
		}
		for off := int64(0); off < counts[d]; off += step {
			st[d], ct[d] = starts[d]+off, min(step, counts[d]-off)
			if err := fn(st, ct); err != nil {
				return err
			}
		}
		i := d - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < counts[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

// putDataArrays writes whole arrays, creating or replacing them. The
// logical type is the one of the array being replaced when its transport
// is the same, else the transport's natural one (int32 for arrayOfInt, ...).
func (s *session) putDataArrays(h etp.MessageHeader, m *etp.PutDataArrays) {
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]string) etp.Message { return &etp.PutDataArraysResponse{Success: v} }
	var entries []mapEntry[string]
	for _, k := range slices.Sorted(maps.Keys(m.DataArrays)) {
		p := m.DataArrays[k]
		if ei := s.putDataArray(&p); ei != nil {
			errs[k] = *ei
			continue
		}
		entries = append(entries, okEntry(build, k))
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) putDataArray(p *etp.PutDataArraysType) *etp.ErrorInfo {
	key, u, ei := arrayKey(p.UID)
	if ei != nil {
		return ei
	}
	t := p.Array.Data.Type
	if t == etp.AnyArrayString {
		return errInfo(etp.ENotSupported, "arrays of strings are not supported by this store")
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	// A copy: the body's buffers go back to a pool after the handler, and a
	// transaction keeps the metadata until it ends.
	dims := slices.Clone(p.Array.Dimensions)
	l := defaultLogical(t)
	var pref []int64
	old, err := rw.GetArrayMeta(key)
	switch {
	case err == nil:
		if etp.AnyArrayType(old.TransportArrayType) == t && allowedPair(t, etp.AnyLogicalArrayType(old.LogicalArrayType)) {
			l = etp.AnyLogicalArrayType(old.LogicalArrayType)
		}
		if slices.Equal(old.Dimensions, dims) {
			pref = old.PreferredSubarrayDimensions
		}
	case !errors.Is(err, storage.ErrNotFound):
		return s.storageError(err)
	}
	k, _ := kindOf(l)
	if ei := s.checkArraySize(dims, k); ei != nil {
		return ei
	}
	n, ei := dataCount(&p.Array.Data, k)
	if ei != nil {
		return ei
	}
	if want := product(dims); n != want {
		return errInfo(etp.EInvalidArgument, "dimensions %v hold %d elements but the data has %d", dims, want, n)
	}
	raw, ei := toStorage(&p.Array.Data, l, k)
	if ei != nil {
		return ei
	}
	custom, err := encodeCustomData(p.CustomData)
	if err != nil {
		return errInfo(etp.EInvalidArgument, "customData: %v", err)
	}
	meta := storage.ArrayMeta{Dataspace: u.Dataspace, Dimensions: dims, Kind: k, TransportArrayType: int32(t),
		LogicalArrayType: int32(l), PreferredSubarrayDimensions: pref, CustomData: custom}
	if _, err := rw.PutArray(key, meta, raw); err != nil {
		return s.storageError(err)
	}
	return nil
}

// putUninitializedDataArrays allocates arrays (contents read as zeros until
// written).
func (s *session) putUninitializedDataArrays(h etp.MessageHeader, m *etp.PutUninitializedDataArrays) {
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]string) etp.Message { return &etp.PutUninitializedDataArraysResponse{Success: v} }
	var entries []mapEntry[string]
	for _, k := range slices.Sorted(maps.Keys(m.DataArrays)) {
		p := m.DataArrays[k]
		if ei := s.putUninitialized(&p); ei != nil {
			errs[k] = *ei
			continue
		}
		entries = append(entries, okEntry(build, k))
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) putUninitialized(p *etp.PutUninitializedDataArrayType) *etp.ErrorInfo {
	key, u, ei := arrayKey(p.UID)
	if ei != nil {
		return ei
	}
	md := &p.Metadata
	t, l := md.TransportArrayType, md.LogicalArrayType
	if t == etp.AnyArrayString || l == etp.LogicalArrayString {
		return errInfo(etp.ENotSupported, "arrays of strings are not supported by this store")
	}
	if !allowedPair(t, l) {
		return errInfo(etp.EInvalidArgument, "logical type %s cannot travel as transport type %s", l, t)
	}
	k, _ := kindOf(l)
	if ei := s.checkArraySize(md.Dimensions, k); ei != nil {
		return ei
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	custom, err := encodeCustomData(md.CustomData)
	if err != nil {
		return errInfo(etp.EInvalidArgument, "customData: %v", err)
	}
	meta := storage.ArrayMeta{Dataspace: u.Dataspace, Dimensions: md.Dimensions, Kind: k, TransportArrayType: int32(t),
		LogicalArrayType: int32(l), PreferredSubarrayDimensions: md.PreferredSubarrayDimensions, CustomData: custom}
	if _, err := rw.CreateArray(key, meta); err != nil {
		return s.storageError(err)
	}
	return nil
}

// putDataSubarrays writes blocks of existing arrays. The data must use the
// array's transport type and hold product(counts) elements.
func (s *session) putDataSubarrays(h etp.MessageHeader, m *etp.PutDataSubarrays) {
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]string) etp.Message { return &etp.PutDataSubarraysResponse{Success: v} }
	var entries []mapEntry[string]
	for _, k := range slices.Sorted(maps.Keys(m.DataSubarrays)) {
		p := m.DataSubarrays[k]
		if ei := s.putDataSubarray(&p); ei != nil {
			errs[k] = *ei
			continue
		}
		entries = append(entries, okEntry(build, k))
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) putDataSubarray(p *etp.PutDataSubarraysType) *etp.ErrorInfo {
	key, u, ei := arrayKey(p.UID)
	if ei != nil {
		return ei
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	meta, err := rw.GetArrayMeta(key)
	if err != nil {
		return s.storageError(err)
	}
	t := etp.AnyArrayType(meta.TransportArrayType)
	if p.Data.Type != t {
		return errInfo(etp.EInvalidArgument, "the array was created with transport type %s; the data is %s", t, p.Data.Type)
	}
	if ei := checkBox(meta.Dimensions, p.Starts, p.Counts); ei != nil {
		return ei
	}
	n, ei := dataCount(&p.Data, meta.Kind)
	if ei != nil {
		return ei
	}
	if want := product(p.Counts); n != want {
		return errInfo(etp.EInvalidArgument, "counts %v hold %d elements but the data has %d", p.Counts, want, n)
	}
	raw, ei := toStorage(&p.Data, etp.AnyLogicalArrayType(meta.LogicalArrayType), meta.Kind)
	if ei != nil {
		return ei
	}
	if err := rw.WriteBlock(key, p.Starts, p.Counts, raw); err != nil {
		return s.storageError(err)
	}
	return nil
}
