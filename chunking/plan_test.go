package chunking

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

var double = Element{Branch: ArrayOfDouble}

// limitFor returns a message limit under which exactly n elements of e fit in one
// block of an array of the given shape (n+1 do not, for fixed-size elements).
func limitFor(shape []int64, e Element, l Limits, n int64) Limits {
	l.MaxMessageSize = testBlockMessage(l, e, shape, shape, n)
	return l
}

func TestNewPlanErrors(t *testing.T) {
	t.Parallel()
	ok := Limits{MaxMessageSize: 1 << 20}
	oneDouble := testBlockMessage(Limits{}, double, []int64{10}, []int64{10}, 1)
	tests := []struct {
		name    string
		shape   []int64
		e       Element
		l       Limits
		wantErr error
		wantMsg string
	}{
		{"no dimensions", []int64{}, double, ok, ErrInvalidShape, "no dimensions (ETP arrays have at least one; use [1] for a scalar)"},
		{"nil shape", nil, double, ok, ErrInvalidShape, "no dimensions"},
		{"too many dimensions", make([]int64, 33), double, ok, ErrInvalidShape, "33 dimensions, more than the maximum of 32"},
		{"negative dimension", []int64{3, -1}, double, ok, ErrInvalidShape, "dimension 1 of [3 -1] is negative (-1)"},
		{"element count overflows", []int64{1 << 32, 1 << 31}, double, ok, ErrInvalidShape, "[4294967296 2147483648] has more than 9223372036854775807 elements (int64 overflow)"},
		{"unknown branch", []int64{4}, Element{Branch: 7}, ok, ErrInvalidElement, "unknown AnyArray branch 7 (want 0..6)"},
		{"negative width", []int64{4}, Element{Branch: Bytes, Width: -2}, ok, ErrInvalidElement, "negative width -2 for bytes"},
		{"zero message size", []int64{4}, double, Limits{}, ErrInvalidLimits, "MaxMessageSize must be positive, got 0"},
		{"negative message size", []int64{4}, double, Limits{MaxMessageSize: -5}, ErrInvalidLimits, "got -5"},
		{"negative array size", []int64{4}, double, Limits{MaxMessageSize: 1 << 20, MaxDataArraySize: -1}, ErrInvalidLimits, "MaxDataArraySize must be 0 (unlimited) or positive, got -1"},
		{"negative reserve", []int64{4}, double, Limits{MaxMessageSize: 1 << 20, Reserve: -1}, ErrInvalidLimits, "Reserve must not be negative, got -1"},
		{"negative key length", []int64{4}, double, Limits{MaxMessageSize: 1 << 20, Lengths: Lengths{KeyLen: -1}}, ErrInvalidLimits, "negative string length (key -1, uri 0, path 0)"},
		{"preferred of wrong rank", []int64{4, 4}, double, Limits{MaxMessageSize: 1 << 20, Preferred: []int64{2}}, ErrInvalidLimits, "Preferred [2] has 1 dimensions, the array has 2"},
		{"preferred zero", []int64{4, 4}, double, Limits{MaxMessageSize: 1 << 20, Preferred: []int64{2, 0}}, ErrInvalidLimits, "Preferred [2 0]: dimension 1 is 0, want >= 1"},
		{"preferred checked for empty arrays too", []int64{0, 4}, double, Limits{MaxMessageSize: 1 << 20, Preferred: []int64{-1, 1}}, ErrInvalidLimits, "dimension 0 is -1"},
		{"array over MaxDataArraySize", []int64{10, 100}, double, Limits{MaxMessageSize: 1 << 20, MaxDataArraySize: 7999}, ErrArrayTooLarge,
			"[10 100] of ArrayOfDouble is 1000 elements × 8 bytes, over the store's limit of 7999 bytes"},
		{"varint array over MaxDataArraySize by logical size", []int64{1000}, Element{Branch: ArrayOfInt}, Limits{MaxMessageSize: 1 << 20, MaxDataArraySize: 3999}, ErrArrayTooLarge,
			"1000 elements × 4 bytes"},
		{"limit one byte short of one element", []int64{10}, double, Limits{MaxMessageSize: oneDouble - 1}, ErrMessageTooSmall,
			fmt.Sprintf("a block of one ArrayOfDouble element of [10] needs a %d-byte message", oneDouble)},
		{"long uri in a 2 KiB limit", []int64{10}, double, Limits{MaxMessageSize: 2048, Lengths: Lengths{URILen: 3000}}, ErrMessageTooSmall,
			"uri 3000"},
		{"compression overhead counted", []int64{10}, double, Limits{MaxMessageSize: oneDouble, Compressed: true}, ErrMessageTooSmall,
			fmt.Sprintf("over the limit of %d bytes", oneDouble)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPlan(tt.shape, tt.e, tt.l)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewPlan(%v, %v, %+v) = %v, %v; want error wrapping %v", tt.shape, tt.e, tt.l, p, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			// FitsWhole shares the validation, except Preferred (ignored) and the
			// one-element check (it answers false instead).
			if tt.wantErr == ErrMessageTooSmall || len(tt.l.Preferred) > 0 {
				return
			}
			if _, ferr := FitsWhole(tt.shape, tt.e, tt.l); !errors.Is(ferr, tt.wantErr) {
				t.Errorf("FitsWhole error = %v, want one wrapping %v", ferr, tt.wantErr)
			}
		})
	}
}

type wantBlock struct {
	starts, counts []int64
	offset         int64
	contiguous     bool
}

func TestPlanBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shape []int64
		e     Element
		l     Limits
		// wantBlocks lists the expected blocks by index (a subset for big plans).
		wantLen    int64
		wantMax    int64
		wantBlocks map[int64]wantBlock
	}{
		{
			name: "fits in one block", shape: []int64{10}, e: double, l: Limits{MaxMessageSize: 1 << 20},
			wantLen: 1, wantMax: 10,
			wantBlocks: map[int64]wantBlock{0: {[]int64{0}, []int64{10}, 0, true}},
		},
		{
			name: "scalar as [1]", shape: []int64{1}, e: Element{Branch: ArrayOfLong}, l: Limits{MaxMessageSize: 100},
			wantLen: 1, wantMax: 1,
			wantBlocks: map[int64]wantBlock{0: {[]int64{0}, []int64{1}, 0, true}},
		},
		{
			name: "whole rows: budget 5, rows of 4", shape: []int64{3, 4}, e: double, l: limitFor([]int64{3, 4}, double, Limits{}, 5),
			wantLen: 3, wantMax: 4,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{1, 4}, 0, true},
				1: {[]int64{1, 0}, []int64{1, 4}, 4, true},
				2: {[]int64{2, 0}, []int64{1, 4}, 8, true},
			},
		},
		{
			name: "two rows then one: budget 8", shape: []int64{3, 4}, e: double, l: limitFor([]int64{3, 4}, double, Limits{}, 8),
			wantLen: 2, wantMax: 8,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{2, 4}, 0, true},
				1: {[]int64{2, 0}, []int64{1, 4}, 8, true},
			},
		},
		{
			name: "row does not fit: balanced pieces 4,3,3", shape: []int64{2, 10}, e: double, l: limitFor([]int64{2, 10}, double, Limits{}, 4),
			wantLen: 6, wantMax: 4,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{1, 4}, 0, true},
				1: {[]int64{0, 4}, []int64{1, 3}, 4, true},
				2: {[]int64{0, 7}, []int64{1, 3}, 7, true},
				3: {[]int64{1, 0}, []int64{1, 4}, 10, true},
				5: {[]int64{1, 7}, []int64{1, 3}, 17, true},
			},
		},
		{
			name: "one element per block", shape: []int64{2, 3, 4}, e: double, l: limitFor([]int64{2, 3, 4}, double, Limits{}, 1),
			wantLen: 24, wantMax: 1,
			wantBlocks: map[int64]wantBlock{
				0:  {[]int64{0, 0, 0}, []int64{1, 1, 1}, 0, true},
				13: {[]int64{1, 0, 1}, []int64{1, 1, 1}, 13, true},
				23: {[]int64{1, 2, 3}, []int64{1, 1, 1}, 23, true},
			},
		},
		{
			name: "middle axis cut: slabs of 2 rows within a plane", shape: []int64{2, 5, 3}, e: Element{Branch: ArrayOfFloat}, l: limitFor([]int64{2, 5, 3}, Element{Branch: ArrayOfFloat}, Limits{}, 7),
			wantLen: 6, wantMax: 6,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0, 0}, []int64{1, 2, 3}, 0, true},
				2: {[]int64{0, 4, 0}, []int64{1, 1, 3}, 12, true},
				3: {[]int64{1, 0, 0}, []int64{1, 2, 3}, 15, true},
			},
		},
		{
			name: "preferred tiles", shape: []int64{10, 10}, e: double, l: Limits{MaxMessageSize: 1 << 20, Preferred: []int64{4, 4}},
			wantLen: 9, wantMax: 16,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{4, 4}, 0, false},
				2: {[]int64{0, 8}, []int64{4, 2}, 8, false},
				3: {[]int64{4, 0}, []int64{4, 4}, 40, false},
				8: {[]int64{8, 8}, []int64{2, 2}, 88, false},
			},
		},
		{
			name: "preferred larger than the array is clamped", shape: []int64{10, 10}, e: double, l: Limits{MaxMessageSize: 1 << 20, Preferred: []int64{20, 3}},
			wantLen: 4, wantMax: 30,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{10, 3}, 0, false},
				3: {[]int64{0, 9}, []int64{10, 1}, 9, false},
			},
		},
		{
			name: "preferred full rows stay contiguous", shape: []int64{10, 10}, e: double, l: Limits{MaxMessageSize: 1 << 20, Preferred: []int64{3, 10}},
			wantLen: 4, wantMax: 30,
			wantBlocks: map[int64]wantBlock{
				0: {[]int64{0, 0}, []int64{3, 10}, 0, true},
				3: {[]int64{9, 0}, []int64{1, 10}, 90, true},
			},
		},
		{
			name: "preferred tile split when it does not fit", shape: []int64{10, 10}, e: double,
			l:       limitFor([]int64{10, 10}, double, Limits{Preferred: []int64{4, 4}}, 6),
			wantLen: 30, wantMax: 4,
			wantBlocks: map[int64]wantBlock{
				// Parts of one row are contiguous runs.
				0:  {[]int64{0, 0}, []int64{1, 4}, 0, true},
				2:  {[]int64{0, 8}, []int64{1, 2}, 8, true},
				3:  {[]int64{1, 0}, []int64{1, 4}, 10, true},
				29: {[]int64{9, 8}, []int64{1, 2}, 98, true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPlan(tt.shape, tt.e, tt.l)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if p.Len() != tt.wantLen || p.MaxElementsPerBlock() != tt.wantMax {
				t.Errorf("Len = %d, MaxElementsPerBlock = %d; want %d, %d (%v)", p.Len(), p.MaxElementsPerBlock(), tt.wantLen, tt.wantMax, p)
			}
			for i, w := range tt.wantBlocks {
				b, err := p.Block(i)
				if err != nil {
					t.Fatalf("Block(%d): %v", i, err)
				}
				got := wantBlock{b.Starts, b.Counts, b.Offset, b.Contiguous}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(wantBlock{})); diff != "" {
					t.Errorf("Block(%d) mismatch (-want +got):\n%s", i, diff)
				}
			}
			if _, err := p.Block(p.Len()); !errors.Is(err, ErrBlockIndex) {
				t.Errorf("Block(Len()) error = %v, want ErrBlockIndex", err)
			}
			if _, err := p.Block(-1); !errors.Is(err, ErrBlockIndex) {
				t.Errorf("Block(-1) error = %v, want ErrBlockIndex", err)
			}
		})
	}
}

func TestEmptyArrayHasNoBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shape []int64
		l     Limits
	}{
		{"zero length vector", []int64{0}, Limits{MaxMessageSize: 1 << 20}},
		{"zero inner axis", []int64{5, 0}, Limits{MaxMessageSize: 1 << 20}},
		{"zero axis beside huge ones", []int64{1 << 40, 0, 1 << 40}, Limits{MaxMessageSize: 1 << 20}},
		{"limit too small is not checked", []int64{0, 3}, Limits{MaxMessageSize: 1}},
		{"preferred", []int64{0, 3}, Limits{MaxMessageSize: 1 << 20, Preferred: []int64{1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPlan(tt.shape, double, tt.l)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if p.Len() != 0 || p.Elements() != 0 || p.MaxElementsPerBlock() != 0 || p.Budget() != 0 || p.MaxBlockMessageSize() != 0 {
				t.Errorf("empty plan: Len %d, Elements %d, MaxElementsPerBlock %d, Budget %d, MaxBlockMessageSize %d; want all 0",
					p.Len(), p.Elements(), p.MaxElementsPerBlock(), p.Budget(), p.MaxBlockMessageSize())
			}
			for i, b := range p.All() {
				t.Errorf("All yielded block %d: %+v", i, b)
			}
			if _, err := p.Block(0); !errors.Is(err, ErrBlockIndex) {
				t.Errorf("Block(0) error = %v, want ErrBlockIndex", err)
			}
			if !strings.Contains(p.String(), "0 blocks") {
				t.Errorf("String() = %q, want it to say 0 blocks", p.String())
			}
		})
	}
}

func TestPlanDoesNotAliasInput(t *testing.T) {
	t.Parallel()
	shape := []int64{4, 4}
	pref := []int64{2, 2}
	p, err := NewPlan(shape, double, Limits{MaxMessageSize: 1 << 20, Preferred: pref})
	if err != nil {
		t.Fatal(err)
	}
	shape[0], pref[0] = 100, 1
	if got := p.Shape(); !cmp.Equal(got, []int64{4, 4}) || p.Len() != 4 {
		t.Fatalf("plan changed with its inputs: shape %v, %d blocks", got, p.Len())
	}
	p.Shape()[1] = 9
	b, _ := p.Block(3)
	b.Starts[0] = 77
	b2, _ := p.Block(3)
	if !cmp.Equal(b2.Starts, []int64{2, 2}) || !cmp.Equal(p.Shape(), []int64{4, 4}) {
		t.Fatalf("plan state aliased by returned slices: block %v, shape %v", b2.Starts, p.Shape())
	}
}

func TestFitsWhole(t *testing.T) {
	t.Parallel()
	shape := []int64{2, 3}
	lens := LengthsOf("0", "eml:///dataspace('x')/eml20.obj_EpcExternalPartReference(1)", "/RESQML/a")
	exact := func(compressed bool) int64 {
		l := Limits{Compressed: compressed, Lengths: lens}
		return max(testMessage(msgPutArrays, l, double, nil, shape, 6),
			testMessage(msgGetArrays, l, double, nil, shape, 6),
			testMessage(msgGetArraysResp, l, double, nil, shape, 6))
	}
	tests := []struct {
		name    string
		shape   []int64
		l       Limits
		want    bool
		wantErr error
	}{
		{"exactly at the limit", shape, Limits{MaxMessageSize: exact(false), Lengths: lens}, true, nil},
		{"one byte short", shape, Limits{MaxMessageSize: exact(false) - 1, Lengths: lens}, false, nil},
		{"compressed at the limit", shape, Limits{MaxMessageSize: exact(true), Compressed: true, Lengths: lens}, true, nil},
		{"compressed one byte short", shape, Limits{MaxMessageSize: exact(true) - 1, Compressed: true, Lengths: lens}, false, nil},
		{"reserve counts", shape, Limits{MaxMessageSize: exact(false), Reserve: 1, Lengths: lens}, false, nil},
		{"empty array", []int64{0, 7}, Limits{MaxMessageSize: 200}, true, nil},
		{"big array", []int64{1 << 20, 1 << 20}, Limits{MaxMessageSize: 1 << 30}, false, nil},
		{"over MaxDataArraySize", shape, Limits{MaxMessageSize: 1 << 20, MaxDataArraySize: 47}, false, ErrArrayTooLarge},
		{"at MaxDataArraySize", shape, Limits{MaxMessageSize: 1 << 20, MaxDataArraySize: 48}, true, nil},
		{"preferred ignored", shape, Limits{MaxMessageSize: 1 << 20, Preferred: []int64{1}}, true, nil},
		{"invalid shape", []int64{-1}, Limits{MaxMessageSize: 1 << 20}, false, ErrInvalidShape},
		{"invalid limits", shape, Limits{}, false, ErrInvalidLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FitsWhole(tt.shape, double, tt.l)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("FitsWhole(%v, %+v) = %t, %v; want %t, %v", tt.shape, tt.l, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestPlanProperties checks plans of random shapes, element types and limits against
// the tests' independent size model: exact cover without overlap, row-major order,
// contiguity, every block's messages within the limit, an exact budget, a block count
// within twice the lower bound, and deterministic blocks.
func TestPlanProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, checkPlanProperties)
}

func checkPlanProperties(t *rapid.T) {
	rank := rapid.IntRange(1, 4).Draw(t, "rank")
	shape := make([]int64, rank)
	room := int64(1) << 40 // keep element counts well inside int64
	for i := range shape {
		hi := rapid.SampledFrom([]int64{12, 3000, 1 << 20}).Draw(t, "dimScale")
		shape[i] = rapid.Int64Range(0, min(hi, room)).Draw(t, "dim")
		room /= max(shape[i], 1)
	}
	e := drawElement(t)
	l := Limits{
		MaxMessageSize: int64(math.Exp2(rapid.Float64Range(11, 26).Draw(t, "log2Limit"))),
		Compressed:     rapid.Bool().Draw(t, "compressed"),
		Lengths: Lengths{
			KeyLen:  rapid.IntRange(0, 64).Draw(t, "keyLen"),
			URILen:  rapid.IntRange(0, 400).Draw(t, "uriLen"),
			PathLen: rapid.IntRange(0, 200).Draw(t, "pathLen"),
		},
		Reserve: rapid.SampledFrom([]int64{0, 0, 1, 100}).Draw(t, "reserve"),
	}
	total := int64(1)
	for _, d := range shape {
		total *= d
	}
	if rapid.IntRange(0, 4).Draw(t, "maxArraySizeKind") == 0 {
		l.MaxDataArraySize = rapid.Int64Range(1, 2*total*e.LogicalSize()+1).Draw(t, "maxDataArraySize")
	}
	var tile []int64
	if rapid.Bool().Draw(t, "preferred") {
		l.Preferred = make([]int64, rank)
		tile = make([]int64, rank)
		for i, d := range shape {
			l.Preferred[i] = rapid.Int64Range(1, d+3).Draw(t, "preferredDim")
			tile[i] = min(l.Preferred[i], d)
		}
	}

	p, err := NewPlan(shape, e, l)
	switch {
	case l.MaxDataArraySize > 0 && total*e.LogicalSize() > l.MaxDataArraySize:
		if !errors.Is(err, ErrArrayTooLarge) {
			t.Fatalf("array of %d bytes over MaxDataArraySize %d: err = %v", total*e.LogicalSize(), l.MaxDataArraySize, err)
		}
		return
	case total == 0:
		if err != nil || p.Len() != 0 {
			t.Fatalf("empty array: plan %v, err %v; want 0 blocks", p, err)
		}
		return
	}
	n := testBudget(shape, e, l, total)
	if n == 0 {
		if !errors.Is(err, ErrMessageTooSmall) {
			t.Fatalf("one element cannot fit in %d bytes, but NewPlan = %v, %v", l.MaxMessageSize, p, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	if p.Budget() != n {
		t.Fatalf("Budget = %d, independent model says %d", p.Budget(), n)
	}
	if p.MaxElementsPerBlock() > n || p.MaxBlockMessageSize() > l.MaxMessageSize {
		t.Fatalf("MaxElementsPerBlock %d (budget %d), MaxBlockMessageSize %d (limit %d)", p.MaxElementsPerBlock(), n, p.MaxBlockMessageSize(), l.MaxMessageSize)
	}

	// Block count bounds.
	lower := ceilDiv(total, n)
	if p.Len() < lower {
		t.Fatalf("%d blocks, fewer than the lower bound %d", p.Len(), lower)
	}
	if tile == nil {
		if p.Len() > 2*lower {
			t.Fatalf("%d blocks, more than twice the lower bound %d", p.Len(), lower)
		}
	} else {
		tiles, tileElems := int64(1), int64(1)
		for i, d := range shape {
			tiles *= ceilDiv(d, tile[i])
			tileElems *= tile[i]
		}
		if most := tiles * 2 * ceilDiv(tileElems, n); p.Len() > most {
			t.Fatalf("%d blocks, more than %d (%d tiles of %v)", p.Len(), most, tiles, tile)
		}
	}

	strides := make([]int64, rank)
	strides[rank-1] = 1
	for i := rank - 2; i >= 0; i-- {
		strides[i] = strides[i+1] * shape[i+1]
	}
	checkBlock := func(i int64, b Block) {
		again, err := p.Block(i)
		if err != nil || !cmp.Equal(again, b) {
			t.Fatalf("Block(%d) = %+v, %v; want %+v again", i, again, err, b)
		}
		if b.Index != i || len(b.Starts) != rank || len(b.Counts) != rank {
			t.Fatalf("block %d: %+v", i, b)
		}
		elems, offset, last := int64(1), int64(0), int64(0)
		for a := range rank {
			s, c := b.Starts[a], b.Counts[a]
			if s < 0 || c < 1 || s+c > shape[a] {
				t.Fatalf("block %d: axis %d start %d count %d outside dimension %d", i, a, s, c, shape[a])
			}
			if tile != nil && (c > tile[a] || s/tile[a] != (s+c-1)/tile[a]) {
				t.Fatalf("block %d: axis %d [%d, %d) straddles or exceeds preferred tile %d", i, a, s, s+c, tile[a])
			}
			elems *= c
			offset += s * strides[a]
			last += (s + c - 1) * strides[a]
		}
		contiguous := last-offset+1 == elems
		if b.Elements != elems || b.Offset != offset || b.Contiguous != contiguous {
			t.Fatalf("block %d %+v: want Elements %d, Offset %d, Contiguous %t", i, b, elems, offset, contiguous)
		}
		if tile == nil && !b.Contiguous {
			t.Fatalf("block %d %+v is not contiguous without preferred dimensions", i, b)
		}
		if elems > p.MaxElementsPerBlock() {
			t.Fatalf("block %d has %d elements, over MaxElementsPerBlock %d", i, elems, p.MaxElementsPerBlock())
		}
		if size := testBlockMessage(l, e, b.Starts, b.Counts, elems); size > l.MaxMessageSize {
			t.Fatalf("block %d %+v: message of %d bytes over the limit of %d", i, b, size, l.MaxMessageSize)
		}
	}
	before := func(a, b Block) bool { // a's starts strictly precede b's, lexicographically
		for k := range a.Starts {
			if a.Starts[k] != b.Starts[k] {
				return a.Starts[k] < b.Starts[k]
			}
		}
		return false
	}

	if p.Len() > 4096 {
		// Sample: the ends, random blocks and their successors.
		idx := []int64{0, 1, p.Len() - 2, p.Len() - 1}
		for range 100 {
			idx = append(idx, rapid.Int64Range(0, p.Len()-2).Draw(t, "sample"))
		}
		for _, i := range idx {
			b, err := p.Block(i)
			if err != nil {
				t.Fatal(err)
			}
			checkBlock(i, b)
			if i+1 < p.Len() {
				next, _ := p.Block(i + 1)
				if !before(b, next) {
					t.Fatalf("blocks %d %v and %d %v out of row-major order", i, b.Starts, i+1, next.Starts)
				}
				if tile == nil && next.Offset != b.Offset+b.Elements {
					t.Fatalf("block %d ends at %d, block %d starts at %d", i, b.Offset+b.Elements, i+1, next.Offset)
				}
			}
		}
		last, _ := p.Block(p.Len() - 1)
		if tile == nil && last.Offset+last.Elements != total {
			t.Fatalf("last block ends at %d, array has %d elements", last.Offset+last.Elements, total)
		}
		return
	}

	var seen []bool
	if total <= 1<<16 {
		seen = make([]bool, total)
	}
	var sum, count int64
	var prev Block
	for i, b := range p.All() {
		if i != count {
			t.Fatalf("All yielded index %d, want %d", i, count)
		}
		checkBlock(i, b)
		if i > 0 && !before(prev, b) {
			t.Fatalf("blocks %d %v and %d %v out of row-major order", i-1, prev.Starts, i, b.Starts)
		}
		if tile == nil && b.Offset != sum {
			t.Fatalf("block %d starts at %d, previous blocks end at %d", i, b.Offset, sum)
		}
		if seen != nil {
			markBlock(t, seen, strides, b)
		}
		sum += b.Elements
		count++
		prev = b
	}
	if count != p.Len() || sum != total {
		t.Fatalf("All yielded %d blocks with %d elements; want %d blocks, %d elements", count, sum, p.Len(), total)
	}
	for off, ok := range seen {
		if !ok {
			t.Fatalf("element %d is in no block", off)
		}
	}
}

// markBlock marks every element of b in seen, failing on one already marked.
func markBlock(t *rapid.T, seen []bool, strides []int64, b Block) {
	idx := make([]int64, len(b.Counts)) // odometer over the block
	for {
		off := int64(0)
		for a, v := range idx {
			off += (b.Starts[a] + v) * strides[a]
		}
		if seen[off] {
			t.Fatalf("element %d covered twice (second time by block %d %+v)", off, b.Index, b)
		}
		seen[off] = true
		a := len(idx) - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < b.Counts[a] {
				break
			}
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

func TestPlanString(t *testing.T) {
	t.Parallel()
	p, err := NewPlan([]int64{2, 10}, double, limitFor([]int64{2, 10}, double, Limits{}, 4))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[2 10] ArrayOfDouble: 20 elements in 6 blocks of up to [1 4] (4 elements, message <= %d bytes)", p.MaxBlockMessageSize())
	if got := p.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
