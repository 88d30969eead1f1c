package hdf5

import (
	"encoding/binary"
	"fmt"
)

// undef is the "undefined address" of the format (all bits set), after
// widening from the file's offset size.
const undef = ^uint64(0)

// rd decodes little-endian fields from b, a copy of the file bytes starting at
// file offset at. The first read past the end records an ErrInvalid error
// naming what and the offset; later reads return zeros, so parsers check
// r.err once after a group of fields.
type rd struct {
	b    []byte
	p    int
	at   int64
	what string
	so   int // size of offsets
	sl   int // size of lengths
	err  error
}

func (f *File) newRd(b []byte, at int64, what string) *rd {
	return &rd{b: b, at: at, what: what, so: f.sizeOff, sl: f.sizeLen}
}

func (r *rd) fail(format string, args ...any) {
	if r.err == nil {
		r.err = corrupt(r.what, r.at+int64(r.p), format, args...)
	}
}

func (r *rd) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.p {
		r.fail("truncated: need %d bytes, %d left", n, len(r.b)-r.p)
		return nil
	}
	s := r.b[r.p : r.p+n]
	r.p += n
	return s
}

func (r *rd) left() int { return len(r.b) - r.p }

func (r *rd) skip(n int) { r.take(n) }

func (r *rd) u8() uint8 {
	s := r.take(1)
	if s == nil {
		return 0
	}
	return s[0]
}

func (r *rd) u16() uint16 {
	s := r.take(2)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(s)
}

func (r *rd) u32() uint32 {
	s := r.take(4)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(s)
}

func (r *rd) u64() uint64 { return r.uN(8) }

// uN reads an n-byte little-endian unsigned integer (0 <= n <= 8).
func (r *rd) uN(n int) uint64 {
	if n > 8 {
		r.fail("integer field of %d bytes", n)
		return 0
	}
	s := r.take(n)
	if s == nil {
		return 0
	}
	return leUint(s)
}

// addr reads a file address; an all-ones value is undef.
func (r *rd) addr() uint64 {
	s := r.take(r.so)
	if s == nil {
		return undef
	}
	return addrOf(s)
}

// length reads a "size of lengths" field.
func (r *rd) length() uint64 { return r.uN(r.sl) }

// sig checks a 4-byte signature.
func (r *rd) sig(want string) {
	s := r.take(4)
	if s != nil && string(s) != want {
		r.p -= 4
		r.fail("bad signature %q, want %q", s, want)
	}
}

// checksum verifies the lookup3 checksum stored at r.p over b[start:r.p].
func (r *rd) checksum(start int) {
	if r.err != nil {
		return
	}
	body := r.b[start:r.p]
	got := r.u32()
	if r.err == nil {
		if want := lookup3(body); got != want {
			r.p -= 4
			r.fail("checksum mismatch (stored %#08x, computed %#08x)", got, want)
		}
	}
}

func leUint(s []byte) uint64 {
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}

func addrOf(s []byte) uint64 {
	all := true
	for _, c := range s {
		if c != 0xff {
			all = false
			break
		}
	}
	if all {
		return undef
	}
	return leUint(s)
}

// bytesFor returns how many bytes encode values up to v (at least 1), the
// rule the format uses for variable-size fields: floor(log2(v))/8 + 1.
func bytesFor(v uint64) int {
	n := 1
	for v >>= 8; v > 0; v >>= 8 {
		n++
	}
	return n
}

// log2 returns floor(log2(v)) for v > 0 and 0 for v == 0.
func log2(v uint64) int {
	n := 0
	for v > 1 {
		v >>= 1
		n++
	}
	return n
}

func (r *rd) errorf(format string, args ...any) error {
	return corrupt(r.what, r.at+int64(r.p), "%s", fmt.Sprintf(format, args...))
}
