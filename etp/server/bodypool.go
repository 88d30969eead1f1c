package server

import (
	"sync"

	"github.com/etp-transfer/etp-transfer/etp"
)

// maxPooledBodyBytes bounds the array buffers a pooled request body may keep
// when it goes back to its pool; a body that grew larger (one huge message,
// or many keys) is left to the garbage collector.
const maxPooledBodyBytes = 64 << 20

// PutDataSubarrays and PutDataArrays bodies are decoded with
// etp.DecodeMessageInto into bodies from these pools, so that an upload of
// many equally sized blocks reuses the same array buffers (the decoder reuses
// the buffers of an entry whose key repeats) instead of allocating, and
// zeroing, a fresh []float64 for every message. A body is taken by the read
// loop and returned by putArrayBody only once nothing refers to it any more:
// after its handler has returned, or when it is not dispatched at all.
var (
	subarrayBodies sync.Pool // *etp.PutDataSubarrays
	arrayBodies    sync.Pool // *etp.PutDataArrays
)

// pooledArrayBody returns a pooled body for the DataArray messages that carry
// array payloads to the store (PutDataArrays, PutDataSubarrays), else nil.
func pooledArrayBody(p etp.Protocol, mt int32) etp.Message {
	if p != etp.ProtocolDataArray {
		return nil
	}
	switch mt {
	case (&etp.PutDataSubarrays{}).MessageType():
		if m, ok := subarrayBodies.Get().(*etp.PutDataSubarrays); ok {
			return m
		}
		return &etp.PutDataSubarrays{}
	case (&etp.PutDataArrays{}).MessageType():
		if m, ok := arrayBodies.Get().(*etp.PutDataArrays); ok {
			return m
		}
		return &etp.PutDataArrays{}
	}
	return nil
}

// putArrayBody returns a body from pooledArrayBody to its pool; the caller
// must hold the only reference to it (and to its slices). Bodies that
// poolable refuses are dropped; other types, and nil, are ignored.
func putArrayBody(body etp.Message) {
	if !poolable(body) {
		return
	}
	switch m := body.(type) {
	case *etp.PutDataSubarrays:
		subarrayBodies.Put(m)
	case *etp.PutDataArrays:
		arrayBodies.Put(m)
	}
}

// poolable reports whether body is a PutDataSubarrays or PutDataArrays small
// enough to keep: at most maxPooledKeys entries whose buffers hold at most
// maxPooledBodyBytes in all.
func poolable(body etp.Message) bool {
	n := 0
	switch m := body.(type) {
	case *etp.PutDataSubarrays:
		if m == nil || len(m.DataSubarrays) > maxPooledKeys {
			return false
		}
		for _, v := range m.DataSubarrays {
			n += anyArrayCap(&v.Data) + 8*(cap(v.Starts)+cap(v.Counts))
		}
	case *etp.PutDataArrays:
		if m == nil || len(m.DataArrays) > maxPooledKeys {
			return false
		}
		for _, v := range m.DataArrays {
			n += anyArrayCap(&v.Array.Data) + 8*cap(v.Array.Dimensions)
		}
	default:
		return false
	}
	return n <= maxPooledBodyBytes
}

// maxPooledKeys bounds the map entries a pooled body may keep.
const maxPooledKeys = 64

// anyArrayCap is the size in bytes of the buffers a holds (strings are
// counted by their headers only; the store rejects string arrays).
func anyArrayCap(a *etp.AnyArray) int {
	return cap(a.Bools) + 4*cap(a.Ints) + 8*cap(a.Longs) + 4*cap(a.Floats) +
		8*cap(a.Doubles) + 16*cap(a.Strings) + cap(a.Bytes)
}
