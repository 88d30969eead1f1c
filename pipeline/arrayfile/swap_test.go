package arrayfile

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

func TestSwapBytes(t *testing.T) {
	for _, size := range []int{1, 2, 4, 8} {
		for _, elems := range []int{0, 1, 3, 4, 5, 17, 64, 1001} {
			t.Run(fmt.Sprintf("size%d/n%d", size, elems), func(t *testing.T) {
				b := make([]byte, size*elems)
				for i := range b {
					b[i] = byte(i*31 + 7)
				}
				want := bytes.Clone(b)
				if size > 1 {
					for i := 0; i < len(want); i += size {
						slices.Reverse(want[i : i+size])
					}
				}
				swapBytes(b, size)
				if !bytes.Equal(b, want) {
					t.Fatalf("swapBytes(%d) = %x, want %x", size, b, want)
				}
			})
		}
	}
}

func BenchmarkSwapBytes(b *testing.B) {
	for _, size := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("size%d", size), func(b *testing.B) {
			buf := make([]byte, 1<<20)
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				swapBytes(buf, size)
			}
		})
	}
}
