package arrayfile

import (
	"encoding/binary"
	"math/bits"
)

// swapBytes reverses the byte order of each size-byte element of b in place.
// len(b) must be a multiple of size; sizes other than 2, 4 and 8 are left
// alone. The loops advance the slice so the compiler drops bounds checks and
// turns each step into a load, a BSWAP and a store.
func swapBytes(b []byte, size int) {
	switch size {
	case 2:
		for len(b) >= 32 {
			for i := 0; i < 32; i += 8 {
				v := binary.LittleEndian.Uint64(b[i : i+8])
				binary.LittleEndian.PutUint64(b[i:i+8], swap16x4(v))
			}
			b = b[32:]
		}
		for len(b) >= 2 {
			b[0], b[1] = b[1], b[0]
			b = b[2:]
		}
	case 4:
		for len(b) >= 32 {
			for i := 0; i < 32; i += 8 {
				v := binary.LittleEndian.Uint64(b[i : i+8])
				binary.LittleEndian.PutUint64(b[i:i+8], bits.RotateLeft64(bits.ReverseBytes64(v), 32))
			}
			b = b[32:]
		}
		for len(b) >= 4 {
			binary.BigEndian.PutUint32(b, binary.LittleEndian.Uint32(b))
			b = b[4:]
		}
	case 8:
		for len(b) >= 32 {
			v0 := binary.LittleEndian.Uint64(b[0:8])
			v1 := binary.LittleEndian.Uint64(b[8:16])
			v2 := binary.LittleEndian.Uint64(b[16:24])
			v3 := binary.LittleEndian.Uint64(b[24:32])
			binary.BigEndian.PutUint64(b[0:8], v0)
			binary.BigEndian.PutUint64(b[8:16], v1)
			binary.BigEndian.PutUint64(b[16:24], v2)
			binary.BigEndian.PutUint64(b[24:32], v3)
			b = b[32:]
		}
		for len(b) >= 8 {
			binary.BigEndian.PutUint64(b, binary.LittleEndian.Uint64(b))
			b = b[8:]
		}
	}
}

// swap16x4 swaps the two bytes of each of the four 16-bit lanes of v.
func swap16x4(v uint64) uint64 {
	return (v&0x00ff00ff00ff00ff)<<8 | (v>>8)&0x00ff00ff00ff00ff
}
