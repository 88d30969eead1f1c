package transfer

import (
	"math/rand/v2"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// BenchmarkElements measures the conversion between local element bytes and
// ETP values for the types that need one (integers widen to int/long and are
// range-checked on the way back), per block of 1 Mi elements.
func BenchmarkElements(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, d := range []arrayfile.DType{arrayfile.Int16, arrayfile.Uint32, arrayfile.Int64, arrayfile.Uint64, arrayfile.Bool} {
		et, _ := ElementTypeOf(d)
		src := randomElements(r, d, 1<<20)
		var a etp.AnyArray
		b.Run("encode/"+d.String(), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := encodeBlock(et, src, &a, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
		dst := make([]byte, len(src))
		b.Run("decode/"+d.String(), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := decodeBlock(et, &a, dst, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
