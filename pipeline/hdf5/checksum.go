package hdf5

import (
	"encoding/binary"
	"math/bits"
)

// lookup3 is Bob Jenkins' lookup3 hashlittle over b with initial value 0,
// the checksum of HDF5 version 2 metadata (File Format Specification 3.0,
// "Jenkins' lookup3 checksum").
func lookup3(b []byte) uint32 {
	a := uint32(0xdeadbeef) + uint32(len(b))
	bb, c := a, a
	for len(b) > 12 {
		a += binary.LittleEndian.Uint32(b[0:])
		bb += binary.LittleEndian.Uint32(b[4:])
		c += binary.LittleEndian.Uint32(b[8:])
		a -= c
		a ^= bits.RotateLeft32(c, 4)
		c += bb
		bb -= a
		bb ^= bits.RotateLeft32(a, 6)
		a += c
		c -= bb
		c ^= bits.RotateLeft32(bb, 8)
		bb += a
		a -= c
		a ^= bits.RotateLeft32(c, 16)
		c += bb
		bb -= a
		bb ^= bits.RotateLeft32(a, 19)
		a += c
		c -= bb
		c ^= bits.RotateLeft32(bb, 4)
		bb += a
		b = b[12:]
	}
	if len(b) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], b)
	a += binary.LittleEndian.Uint32(tail[0:])
	bb += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= bb
	c -= bits.RotateLeft32(bb, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	bb ^= a
	bb -= bits.RotateLeft32(a, 25)
	c ^= bb
	c -= bits.RotateLeft32(bb, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	bb ^= a
	bb -= bits.RotateLeft32(a, 14)
	c ^= bb
	c -= bits.RotateLeft32(bb, 24)
	return c
}

// fletcher32 is HDF5's Fletcher-32 checksum of the fletcher32 filter: sums
// over big-endian 16-bit words, an odd last byte counting as the high byte.
func fletcher32(b []byte) uint32 {
	var s1, s2 uint32
	for len(b) >= 2 {
		n := min(len(b)/2, 360)
		for i := 0; i < n; i++ {
			s1 += uint32(b[0])<<8 | uint32(b[1])
			s2 += s1
			b = b[2:]
		}
		s1 = (s1 & 0xffff) + (s1 >> 16)
		s2 = (s2 & 0xffff) + (s2 >> 16)
	}
	if len(b) == 1 {
		s1 += uint32(b[0]) << 8
		s2 += s1
		s1 = (s1 & 0xffff) + (s1 >> 16)
		s2 = (s2 & 0xffff) + (s2 >> 16)
	}
	s1 = (s1 & 0xffff) + (s1 >> 16)
	s2 = (s2 & 0xffff) + (s2 >> 16)
	return s2<<16 | s1
}
