package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// On-disk metadata layout (bbolt buckets):
//
//	meta     "format" -> formatVersion
//	ds       "/" path -> dsRec          (bbolt keys cannot be empty)
//	obj      uri -> objRec
//	objdata  uri -> XML bytes
//	objbyds  lp(dataspace) uri -> empty       (listing by dataspace, sorted by URI)
//	arr      lp(uri) path -> arrRec           (prefix lp(uri) lists an object's arrays)
//	arrbyds  lp(dataspace) lp(uri) path -> empty
//
// lp(s) is uvarint(len(s)) followed by s, so prefixes never collide.
// Records start with a version byte followed by varint / length-prefixed
// fields. Decoding checks every length against the remaining bytes.

var (
	bucketMeta    = []byte("meta")
	bucketDS      = []byte("ds")
	bucketObj     = []byte("obj")
	bucketObjData = []byte("objdata")
	bucketObjByDS = []byte("objbyds")
	bucketArr     = []byte("arr")
	bucketArrByDS = []byte("arrbyds")

	allBuckets = [][]byte{bucketMeta, bucketDS, bucketObj, bucketObjData, bucketObjByDS, bucketArr, bucketArrByDS}

	keyFormat     = []byte("format")
	formatVersion = []byte("etp-transfer storage v1")
)

const recVersion = 1

type dsRec struct {
	created, lastWrite int64
	custom             []byte
}

type objRec struct {
	ds, typ, uuid, title            string
	lastChanged, created, lastWrite int64
	custom                          []byte
	size                            int64
}

type arrRec struct {
	ds, file           string
	kind               ElementKind
	transport, logical int32
	dims, preferred    []int64
	created, lastWrite int64
	custom             []byte
}

func (r *arrRec) byteSize() int64 {
	return ArrayMeta{Dimensions: r.dims, Kind: r.kind}.ByteSize()
}

func (r *dsRec) public(path string) Dataspace {
	return Dataspace{Path: path, CustomData: slices.Clone(r.custom), StoreCreated: r.created, StoreLastWrite: r.lastWrite}
}

func (r *objRec) public(uri string) ObjectInfo {
	return ObjectInfo{URI: uri, Dataspace: r.ds, Type: r.typ, UUID: r.uuid, Title: r.title,
		LastChanged: r.lastChanged, StoreCreated: r.created, StoreLastWrite: r.lastWrite,
		CustomData: slices.Clone(r.custom), Size: r.size}
}

func (r *arrRec) public() ArrayMeta {
	return ArrayMeta{Dataspace: r.ds, Dimensions: slices.Clone(r.dims), Kind: r.kind,
		TransportArrayType: r.transport, LogicalArrayType: r.logical,
		PreferredSubarrayDimensions: slices.Clone(r.preferred),
		StoreCreated:                r.created, StoreLastWrite: r.lastWrite, CustomData: slices.Clone(r.custom)}
}

// Keys.

func appendLP(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func arrKey(k ArrayKey) []byte { return append(appendLP(nil, k.URI), k.Path...) }

func arrPrefix(uri string) []byte { return appendLP(nil, uri) }

func dsPrefix(ds string) []byte { return appendLP(nil, ds) }

// dsKey is the key of dataspace path in the ds bucket.
func dsKey(path string) []byte { return append([]byte{'/'}, path...) }

func objByDSKey(ds, uri string) []byte { return append(dsPrefix(ds), uri...) }

func arrByDSKey(ds string, k ArrayKey) []byte { return append(dsPrefix(ds), arrKey(k)...) }

// cutLP splits b into the length-prefixed string at its start and the rest.
func cutLP(b []byte) (string, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}

func parseArrKey(b []byte) (ArrayKey, error) {
	uri, rest, ok := cutLP(b)
	if !ok {
		return ArrayKey{}, errors.New("corrupt array key")
	}
	return ArrayKey{URI: uri, Path: string(rest)}, nil
}

// Encoding.

type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) str(s string)     { e.b = appendLP(e.b, s) }
func (e *enc) bytes(p []byte) {
	e.uvarint(uint64(len(p)))
	e.b = append(e.b, p...)
}
func (e *enc) ints(v []int64) {
	e.uvarint(uint64(len(v)))
	for _, x := range v {
		e.varint(x)
	}
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errors.New("corrupt metadata record")
	}
	d.b = nil
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) raw() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *dec) str() string { return string(d.raw()) }

func (d *dec) bytes() []byte {
	p := d.raw()
	if len(p) == 0 {
		return nil
	}
	return slices.Clone(p)
}

func (d *dec) ints(maxLen int) []int64 {
	n := d.uvarint()
	if n > uint64(maxLen) || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = d.varint()
	}
	return v
}

func (d *dec) version() {
	if len(d.b) == 0 || d.b[0] != recVersion {
		d.fail()
		return
	}
	d.b = d.b[1:]
}

func (d *dec) done(what string) error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("corrupt metadata record: trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("%s: %w", what, d.err)
	}
	return nil
}

func (r *dsRec) encode() []byte {
	e := enc{b: []byte{recVersion}}
	e.varint(r.created)
	e.varint(r.lastWrite)
	e.bytes(r.custom)
	return e.b
}

func decodeDS(b []byte) (dsRec, error) {
	d := dec{b: b}
	d.version()
	r := dsRec{created: d.varint(), lastWrite: d.varint(), custom: d.bytes()}
	return r, d.done("dataspace record")
}

func (r *objRec) encode() []byte {
	e := enc{b: []byte{recVersion}}
	e.str(r.ds)
	e.str(r.typ)
	e.str(r.uuid)
	e.str(r.title)
	e.varint(r.lastChanged)
	e.varint(r.created)
	e.varint(r.lastWrite)
	e.bytes(r.custom)
	e.varint(r.size)
	return e.b
}

func decodeObj(b []byte) (objRec, error) {
	d := dec{b: b}
	d.version()
	r := objRec{ds: d.str(), typ: d.str(), uuid: d.str(), title: d.str(),
		lastChanged: d.varint(), created: d.varint(), lastWrite: d.varint(), custom: d.bytes(), size: d.varint()}
	return r, d.done("object record")
}

func (r *arrRec) encode() []byte {
	e := enc{b: []byte{recVersion}}
	e.str(r.ds)
	e.str(r.file)
	e.uvarint(uint64(r.kind))
	e.varint(int64(r.transport))
	e.varint(int64(r.logical))
	e.ints(r.dims)
	e.ints(r.preferred)
	e.varint(r.created)
	e.varint(r.lastWrite)
	e.bytes(r.custom)
	return e.b
}

func decodeArr(b []byte) (arrRec, error) {
	d := dec{b: b}
	d.version()
	r := arrRec{ds: d.str(), file: d.str()}
	k := d.uvarint()
	r.transport = int32(d.varint())
	r.logical = int32(d.varint())
	r.dims = d.ints(MaxDims)
	r.preferred = d.ints(MaxDims)
	r.created = d.varint()
	r.lastWrite = d.varint()
	r.custom = d.bytes()
	if err := d.done("array record"); err != nil {
		return arrRec{}, err
	}
	r.kind = ElementKind(k)
	if k >= uint64(kindEnd) || r.kind.Size() == 0 || !validFileID(r.file) {
		return arrRec{}, errors.New("array record: corrupt kind or file name")
	}
	if _, err := checkArrayMeta(&ArrayMeta{Dimensions: r.dims, Kind: r.kind}, 0); err != nil {
		return arrRec{}, fmt.Errorf("array record: %w", err)
	}
	return r, nil
}
