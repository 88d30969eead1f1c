package hdf5

import "math"

// elements returns the product of shape (1 for rank 0), or -1 on overflow.
func elements(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d == 0 {
			return 0
		}
		if n > math.MaxInt64/d {
			return -1
		}
		n *= d
	}
	return n
}

// checkBox validates (starts, counts) against shape and returns the number
// of elements in the box. Errors match ErrBlock.
func checkBox(shape, starts, counts []int64) (int64, error) {
	if len(starts) != len(shape) || len(counts) != len(shape) {
		return 0, errorf(ErrBlock, "block starts %v counts %v: rank must be %d (shape %v)", starts, counts, len(shape), shape)
	}
	n := int64(1)
	for i := range shape {
		s, c := starts[i], counts[i]
		if s < 0 || c < 0 || s > shape[i] || c > shape[i]-s {
			return 0, errorf(ErrBlock, "block starts %v counts %v outside shape %v in dimension %d", starts, counts, shape, i)
		}
		if n != 0 {
			if c == 0 {
				n = 0
			} else {
				n *= c // cannot overflow: the box lies inside a valid shape
			}
		}
	}
	return n, nil
}

// boxRuns calls fn for every contiguous run of a box of cnt elements that
// starts at sstart in a row-major array of shape sshape and is placed at
// dstart in a row-major array of shape dshape, in row-major order of the box.
// soff and doff are element offsets in the two arrays, n the run length. A
// box with a zero count makes no calls; rank 0 makes one call of one element.
func boxRuns(sshape, sstart, dshape, dstart, cnt []int64, fn func(soff, doff, n int64) error) error {
	rank := len(cnt)
	if rank == 0 {
		return fn(0, 0, 1)
	}
	for _, c := range cnt {
		if c == 0 {
			return nil
		}
	}
	// Merge trailing dimensions that both arrays hold whole.
	k := rank - 1
	run := cnt[k]
	for k > 0 && cnt[k] == sshape[k] && cnt[k] == dshape[k] {
		k--
		run *= cnt[k]
	}
	var sstr, dstr [MaxRank + 1]int64
	sstr[rank-1], dstr[rank-1] = 1, 1
	for d := rank - 2; d >= 0; d-- {
		sstr[d] = sstr[d+1] * sshape[d+1]
		dstr[d] = dstr[d+1] * dshape[d+1]
	}
	var base0, base1 int64
	for d := k; d < rank; d++ {
		base0 += sstart[d] * sstr[d]
		base1 += dstart[d] * dstr[d]
	}
	var idx [MaxRank + 1]int64
	for {
		soff, doff := base0, base1
		for d := 0; d < k; d++ {
			soff += (sstart[d] + idx[d]) * sstr[d]
			doff += (dstart[d] + idx[d]) * dstr[d]
		}
		if err := fn(soff, doff, run); err != nil {
			return err
		}
		d := k - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < cnt[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return nil
		}
	}
}

// copyBox copies a box of cnt elements of es bytes from src (shape sshape,
// box at sstart) to dst (shape dshape, box at dstart).
func copyBox(dst []byte, dshape, dstart []int64, src []byte, sshape, sstart, cnt []int64, es int64) {
	_ = boxRuns(sshape, sstart, dshape, dstart, cnt, func(soff, doff, n int64) error {
		copy(dst[doff*es:(doff+n)*es], src[soff*es:(soff+n)*es])
		return nil
	})
}

// fillBytes fills dst with repetitions of the element v (zeros when v is
// empty).
func fillBytes(dst, v []byte) {
	if len(v) == 0 || allZero(v) {
		clear(dst)
		return
	}
	if len(dst) == 0 {
		return
	}
	n := copy(dst, v)
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// swapBytes reverses the bytes of every size-byte element of b in place.
func swapBytes(b []byte, size int) {
	switch size {
	case 2:
		for i := 0; i+1 < len(b); i += 2 {
			b[i], b[i+1] = b[i+1], b[i]
		}
	case 4:
		for i := 0; i+3 < len(b); i += 4 {
			b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
		}
	case 8:
		for i := 0; i+7 < len(b); i += 8 {
			b[i], b[i+1], b[i+2], b[i+3], b[i+4], b[i+5], b[i+6], b[i+7] = b[i+7], b[i+6], b[i+5], b[i+4], b[i+3], b[i+2], b[i+1], b[i]
		}
	}
}
