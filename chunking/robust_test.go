package chunking

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkAnyInput runs NewPlan and FitsWhole on arbitrary input: they must not panic,
// must fail with one of the package's sentinels or succeed, and a plan's first, middle
// and last blocks must lie inside the array and fit the limit.
func checkAnyInput(t fataler, shape []int64, e Element, l Limits) {
	t.Helper()
	sentinels := []error{ErrInvalidShape, ErrInvalidElement, ErrInvalidLimits, ErrMessageTooSmall, ErrArrayTooLarge}
	known := func(err error) bool {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return true
			}
		}
		return false
	}
	if _, err := FitsWhole(shape, e, l); err != nil && !known(err) {
		t.Fatalf("FitsWhole: unexpected error %v", err)
	}
	p, err := NewPlan(shape, e, l)
	if err != nil {
		if !known(err) {
			t.Fatalf("NewPlan: unexpected error %v", err)
		}
		return
	}
	if p.Len() < 0 || p.Budget() < 0 || p.MaxElementsPerBlock() > p.Budget() || p.MaxBlockMessageSize() > l.MaxMessageSize {
		t.Fatalf("plan %v: Len %d, Budget %d, MaxElementsPerBlock %d, MaxBlockMessageSize %d (limit %d)",
			p, p.Len(), p.Budget(), p.MaxElementsPerBlock(), p.MaxBlockMessageSize(), l.MaxMessageSize)
	}
	for _, i := range []int64{0, p.Len() / 2, p.Len() - 1} {
		if i < 0 || i >= p.Len() {
			continue
		}
		b, err := p.Block(i)
		if err != nil {
			t.Fatalf("Block(%d) of %d: %v", i, p.Len(), err)
		}
		elems := int64(1)
		for a := range shape {
			if b.Starts[a] < 0 || b.Counts[a] < 1 || b.Starts[a] > shape[a]-b.Counts[a] {
				t.Fatalf("block %d %+v outside shape %v", i, b, shape)
			}
			elems *= b.Counts[a]
		}
		if elems != b.Elements || elems > p.Budget() {
			t.Fatalf("block %d %+v: %d elements, budget %d", i, b, elems, p.Budget())
		}
		if size := testBlockMessage(l, e, b.Starts, b.Counts, elems); size <= 0 || size > l.MaxMessageSize {
			t.Fatalf("block %d %+v: message of %d bytes, limit %d", i, b, size, l.MaxMessageSize)
		}
	}
}

// TestAnyInput throws extreme values at the planner: huge, negative and overflowing
// dimensions, limits up to math.MaxInt64, unknown branches and odd widths.
func TestAnyInput(t *testing.T) {
	t.Parallel()
	anyInt64 := rapid.OneOf(rapid.Int64(), rapid.Int64Range(-2, 40), rapid.Int64Range(1<<30, math.MaxInt64),
		rapid.SampledFrom([]int64{0, 1, math.MaxInt64, math.MinInt64, math.MaxInt32}))
	anyInt := rapid.OneOf(rapid.Int(), rapid.IntRange(-2, 300), rapid.SampledFrom([]int{0, math.MaxInt, math.MinInt}))
	rapid.Check(t, func(t *rapid.T) {
		rank := rapid.IntRange(0, MaxRank+2).Draw(t, "rank")
		shape := rapid.SliceOfN(anyInt64, rank, rank).Draw(t, "shape")
		e := Element{Branch: Branch(rapid.IntRange(0, 8).Draw(t, "branch")), Width: anyInt.Draw(t, "width")}
		l := Limits{
			MaxMessageSize:   anyInt64.Draw(t, "maxMessageSize"),
			MaxDataArraySize: rapid.OneOf(rapid.Just(int64(0)), anyInt64).Draw(t, "maxDataArraySize"),
			Compressed:       rapid.Bool().Draw(t, "compressed"),
			Reserve:          rapid.OneOf(rapid.Just(int64(0)), anyInt64).Draw(t, "reserve"),
			Lengths:          Lengths{KeyLen: anyInt.Draw(t, "key"), URILen: anyInt.Draw(t, "uri"), PathLen: anyInt.Draw(t, "path")},
		}
		if rapid.Bool().Draw(t, "preferred") {
			n := rapid.IntRange(0, rank+1).Draw(t, "preferredRank")
			l.Preferred = rapid.SliceOfN(anyInt64, n, n).Draw(t, "preferredDims")
		}
		checkAnyInput(t, shape, e, l)
	})
}

// FuzzNewPlan is the same check as TestAnyInput for go test -fuzz, on up to 3-D shapes.
func FuzzNewPlan(f *testing.F) {
	f.Add(int64(1024), int64(1024), int64(512), uint8(3), uint8(4), 0, int64(64<<10), false, int64(0), 10, 100, 40)
	f.Add(int64(7), int64(0), int64(3), uint8(2), uint8(6), 2, int64(2048), true, int64(3), 0, 0, 0)
	f.Add(int64(1)<<40, int64(3), int64(1), uint8(1), uint8(2), 0, int64(math.MaxInt64), true, int64(1), 1, 5000, 1)
	f.Fuzz(func(t *testing.T, d0, d1, d2 int64, rank, branch uint8, width int, limit int64, compressed bool, pref int64, key, uri, path int) {
		shape := []int64{d0, d1, d2}[:min(int(rank), 3)]
		l := Limits{MaxMessageSize: limit, Compressed: compressed, Lengths: Lengths{KeyLen: key, URILen: uri, PathLen: path}}
		if pref != 0 {
			l.Preferred = make([]int64, len(shape))
			for i := range l.Preferred {
				l.Preferred[i] = pref
			}
		}
		checkAnyInput(t, shape, Element{Branch: Branch(branch), Width: width}, l)
	})
}
