package arrayfile

import (
	"fmt"
	"math"
)

// MaxDims is the largest number of dimensions accepted (NumPy 2's limit).
const MaxDims = 64

// Elements returns the number of elements of an array of the given shape: the
// product of its dimensions, 1 for a 0-D (empty) shape and 0 when any
// dimension is 0. A negative dimension, more than MaxDims dimensions, or a
// product of the non-zero dimensions that overflows int64 is an error (even
// when another dimension is 0, so offsets within any valid shape fit int64).
func Elements(shape []int64) (int64, error) {
	if len(shape) > MaxDims {
		return 0, fmt.Errorf("arrayfile: shape %v has %d dimensions, at most %d are supported", shape, len(shape), MaxDims)
	}
	n := int64(1)
	zero := false
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("arrayfile: shape %v: dimension %d is negative", shape, i)
		}
		if d == 0 {
			zero = true
			continue
		}
		if n > math.MaxInt64/d {
			return 0, fmt.Errorf("arrayfile: shape %v: element count overflows int64", shape)
		}
		n *= d
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// dataSize returns Elements(shape) * size, checking for overflow.
func dataSize(shape []int64, size int) (int64, error) {
	n, err := Elements(shape)
	if err != nil {
		return 0, err
	}
	if size <= 0 {
		return 0, fmt.Errorf("arrayfile: invalid element size %d", size)
	}
	if n > math.MaxInt64/int64(size) {
		return 0, fmt.Errorf("arrayfile: shape %v with %d-byte elements: byte size overflows int64", shape, size)
	}
	return n * int64(size), nil
}

// checkBox validates the block (starts, counts) against shape and returns
// its element count. Errors match ErrBlock.
func checkBox(shape, starts, counts []int64) (int64, error) {
	if len(starts) != len(shape) || len(counts) != len(shape) {
		return 0, errorf(ErrBlock, "block starts %v counts %v: rank must be %d (shape %v)", starts, counts, len(shape), shape)
	}
	n := int64(1)
	for i := range shape {
		s, c := starts[i], counts[i]
		if s < 0 || c < 0 {
			return 0, errorf(ErrBlock, "block starts %v counts %v: dimension %d is negative", starts, counts, i)
		}
		// s+c may overflow; compare without adding.
		if s > shape[i] || c > shape[i]-s {
			return 0, errorf(ErrBlock, "block starts %v counts %v is out of range of shape %v in dimension %d", starts, counts, shape, i)
		}
		n *= c // bounded by Elements(shape), which fits int64
	}
	return n, nil
}

// runPlan describes how a valid block maps onto the row-major file: the
// block is a set of equally long contiguous runs of runElems elements. The
// runs are indexed by the outer dimensions [0, split); dimensions [split,
// rank) are coalesced into one run.
type runPlan struct {
	split    int     // first dimension of the coalesced run
	runElems int64   // elements per contiguous run
	strides  []int64 // element stride of each dimension in the file
}

// planRuns computes the run decomposition of a valid, non-empty block.
// Trailing dimensions the block covers fully merge with the next one out, so
// a block of whole rows (or whole planes) is a single run.
func planRuns(shape, counts []int64) runPlan {
	n := len(shape)
	strides := make([]int64, n)
	s := int64(1)
	for i := n - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	if n == 0 {
		return runPlan{split: 0, runElems: 1, strides: strides}
	}
	split := n - 1
	run := counts[split]
	for split > 0 && counts[split] == shape[split] {
		split--
		run *= counts[split]
	}
	// Leading dimensions of count 1 do not break contiguity either.
	for split > 0 && counts[split-1] == 1 {
		split--
	}
	return runPlan{split: split, runElems: run, strides: strides}
}

// forEachGroup calls fn for the contiguous runs of a valid, non-empty block
// in row-major order, handing over up to maxGroup consecutive runs of the
// innermost outer dimension (split-1) at a time: n runs whose file element
// offsets (relative to the data start) are fileElem + j*groupStride(p) and
// whose block-buffer element offsets are bufElem + j*p.runElems, j < n. A
// block that is one run gives a single call with n = 1. It stops at the first
// error fn returns. maxGroup < 1 counts as 1.
func forEachGroup(p runPlan, starts, counts []int64, maxGroup int64, fn func(fileElem, bufElem, n int64) error) error {
	base := int64(0)
	for d := range starts {
		base += starts[d] * p.strides[d]
	}
	if p.split == 0 {
		return fn(base, 0, 1)
	}
	maxGroup = max(maxGroup, 1)
	inner := p.split - 1
	innerCount, innerStride := counts[inner], p.strides[inner]
	idx := make([]int64, inner) // odometer over dimensions [0, inner)
	off, buf := base, int64(0)
	for {
		for i := int64(0); i < innerCount; {
			n := min(maxGroup, innerCount-i)
			if err := fn(off+i*innerStride, buf, n); err != nil {
				return err
			}
			buf += n * p.runElems
			i += n
		}
		d := inner - 1
		for ; d >= 0; d-- {
			idx[d]++
			off += p.strides[d]
			if idx[d] < counts[d] {
				break
			}
			off -= idx[d] * p.strides[d]
			idx[d] = 0
		}
		if d < 0 {
			return nil
		}
	}
}

// groupStride returns the file element distance between consecutive runs of
// a group (0 when the block is a single run).
func groupStride(p runPlan) int64 {
	if p.split == 0 {
		return 0
	}
	return p.strides[p.split-1]
}
