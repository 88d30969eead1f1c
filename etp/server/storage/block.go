package storage

import (
	"fmt"
)

// box is a validated row-major sub-box of an array, ready to be cut into
// contiguous runs of the array file.
type box struct {
	dims, starts, counts []int64
	esize                int64
	bytes                int64 // total bytes of the box
}

// newBox validates starts and counts against dims. Empty starts and counts
// (the ETP schema defaults) select the whole array. bufLen is the length of
// the caller's buffer, which must equal the box's byte size.
func newBox(dims, starts, counts []int64, esize int64, bufLen int) (box, error) {
	if len(starts) == 0 && len(counts) == 0 {
		starts = make([]int64, len(dims))
		counts = dims
	}
	if len(starts) != len(dims) || len(counts) != len(dims) {
		return box{}, fmt.Errorf("%d starts and %d counts for %d dimensions: %w", len(starts), len(counts), len(dims), ErrInvalid)
	}
	n := esize
	for i, d := range dims {
		s, c := starts[i], counts[i]
		if s < 0 || c < 0 {
			return box{}, fmt.Errorf("starts[%d] = %d, counts[%d] = %d: negative: %w", i, s, i, c, ErrInvalid)
		}
		if s > d || c > d-s {
			return box{}, fmt.Errorf("starts[%d] + counts[%d] = %d + %d exceeds dimension %d: %w", i, i, s, c, d, ErrInvalid)
		}
		n *= c // counts are bounded by dims, whose byte product fits int64
	}
	if int64(bufLen) != n {
		return box{}, fmt.Errorf("buffer of %d bytes for a block of %d bytes (counts %v, %d-byte elements): %w", bufLen, n, counts, esize, ErrInvalid)
	}
	return box{dims: dims, starts: starts, counts: counts, esize: esize, bytes: n}, nil
}

// runs calls fn for every contiguous run of the box in the array file, in
// buffer order: fileOff is the byte offset in the file, bufOff the offset in
// the caller's buffer, n the run length in bytes. Trailing dimensions that the
// box covers completely are coalesced into one run, so a box of full rows is
// a single call.
func (b *box) runs(fn func(fileOff, bufOff, n int64) error) error {
	if b.bytes == 0 {
		return nil
	}
	nd := len(b.dims)
	// j is the smallest index such that every dimension after j is covered
	// completely; a run spans counts[j] * stride[j] elements.
	j := nd - 1
	for j > 0 && b.starts[j] == 0 && b.counts[j] == b.dims[j] {
		j--
	}
	var strideBuf [MaxDims]int64
	stride := strideBuf[:nd]
	stride[nd-1] = 1
	for i := nd - 2; i >= 0; i-- {
		stride[i] = stride[i+1] * b.dims[i+1]
	}
	runBytes := b.counts[j] * stride[j] * b.esize
	base := b.starts[j] * stride[j]
	var idxBuf [MaxDims]int64
	idx := idxBuf[:j] // odometer over dimensions 0..j-1
	var bufOff int64
	for {
		off := base
		for i := range idx {
			off += (b.starts[i] + idx[i]) * stride[i]
		}
		if err := fn(off*b.esize, bufOff, runBytes); err != nil {
			return err
		}
		bufOff += runBytes
		i := j - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < b.counts[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}
