package chunking

import (
	"encoding/binary"
	"math"
)

// This file is the tests' own size model, written independently of size.go: it walks
// the Avro schema of each message field by field, as an encoder would, and counts the
// bytes using encoding/binary's zig-zag varints (the same encoding as Avro int/long).

type counter struct{ n int64 }

func (c *counter) long(v int64) {
	var buf [binary.MaxVarintLen64]byte
	c.n += int64(binary.PutVarint(buf[:], v))
}

// raw counts n bytes written verbatim.
func (c *counter) raw(n int64) { c.n += n }

func (c *counter) str(n int) { c.long(int64(n)); c.raw(int64(n)) }

func (c *counter) longs(vs []int64) {
	if len(vs) > 0 {
		c.long(int64(len(vs)))
		for _, v := range vs {
			c.long(v)
		}
	}
	c.long(0)
}

// worstElement is the longest encoding of one element of e.
func worstElement(e Element) int64 {
	switch e.Branch {
	case ArrayOfBoolean:
		return 1
	case ArrayOfInt:
		return int64(len(binary.AppendVarint(nil, math.MinInt32)))
	case ArrayOfLong:
		return int64(len(binary.AppendVarint(nil, math.MinInt64)))
	case ArrayOfFloat:
		return 4
	case ArrayOfDouble:
		return 8
	case ArrayOfString:
		return int64(len(binary.AppendVarint(nil, int64(e.Width)))) + int64(e.Width)
	default: // Bytes
		if e.Width == 0 {
			return 1
		}
		return int64(e.Width)
	}
}

// anyArray counts an AnyArray of n worst-case elements of e.
func (c *counter) anyArray(e Element, n int64) {
	c.long(int64(e.Branch)) // union index
	if e.Branch == Bytes {
		w := worstElement(e)
		c.long(n * w)
		c.raw(n * w)
		return
	}
	if n > 0 {
		c.long(n)
		c.raw(n * worstElement(e))
	}
	c.long(0)
}

func (c *counter) identifier(l Lengths) {
	c.str(l.URILen)
	c.str(l.PathLen)
}

// header counts the longest possible MessageHeader.
func (c *counter) header() {
	c.long(math.MinInt32) // protocol
	c.long(math.MinInt32) // messageType
	c.long(math.MinInt64) // correlationId
	c.long(math.MinInt64) // messageId
	c.long(math.MinInt32) // messageFlags
}

type testMsg int

const (
	msgPutSub testMsg = iota
	msgGetSub
	msgGetSubResp
	msgPutArrays
	msgGetArrays
	msgGetArraysResp
)

// testBody returns the body size of message m with one map entry.
func testBody(m testMsg, l Lengths, e Element, starts, counts []int64, n int64) int64 {
	var c counter
	c.long(1) // map block count
	c.str(l.KeyLen)
	switch m {
	case msgPutSub: // PutDataSubarraysType{uid, data, starts, counts}
		c.identifier(l)
		c.anyArray(e, n)
		c.longs(starts)
		c.longs(counts)
	case msgGetSub: // GetDataSubarraysType{uid, starts, counts}
		c.identifier(l)
		c.longs(starts)
		c.longs(counts)
	case msgGetSubResp, msgGetArraysResp: // DataArray{dimensions, data}
		c.longs(counts)
		c.anyArray(e, n)
	case msgPutArrays: // PutDataArraysType{uid, DataArray{dimensions, data}, customData}
		c.identifier(l)
		c.longs(counts)
		c.anyArray(e, n)
		c.long(0) // empty customData map
	case msgGetArrays: // DataArrayIdentifier
		c.identifier(l)
	}
	c.long(0) // map terminator
	return c.n
}

// testMessage returns the largest on-the-wire size of message m under l.
func testMessage(m testMsg, l Limits, e Element, starts, counts []int64, n int64) int64 {
	body := testBody(m, l.Lengths, e, starts, counts, n) + l.Reserve
	if l.Compressed {
		body = GzipBound(body) // checked against real compressors in TestGzipBoundHolds
	}
	var c counter
	c.header()
	return c.n + body
}

// testBlockMessage is the largest of the three subarray messages for one block.
func testBlockMessage(l Limits, e Element, starts, counts []int64, n int64) int64 {
	return max(
		testMessage(msgPutSub, l, e, starts, counts, n),
		testMessage(msgGetSub, l, e, starts, counts, n),
		testMessage(msgGetSubResp, l, e, starts, counts, n),
	)
}

// testBudget is the largest element count whose worst-case block (starts and counts
// bounded by the shape) fits, found by a plain linear-then-bisect search, or 0.
func testBudget(shape []int64, e Element, l Limits, total int64) int64 {
	fits := func(n int64) bool { return testBlockMessage(l, e, shape, shape, n) <= l.MaxMessageSize }
	if !fits(1) {
		return 0
	}
	good, bad := int64(1), int64(2)
	for bad <= total && fits(bad) {
		good, bad = bad, bad*2
	}
	if bad > total {
		if fits(total) {
			return total
		}
		bad = total
	}
	for bad-good > 1 {
		mid := good + (bad-good)/2
		if fits(mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	return good
}
