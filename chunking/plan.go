package chunking

import (
	"fmt"
	"iter"
	"math"
	"slices"
)

// MaxRank is the largest number of dimensions NewPlan and FitsWhole accept. It is the
// HDF5 limit (H5S_MAX_RANK), which bounds the arrays RESQML stores keep.
const MaxRank = 32

// Limits are the session and store limits a plan must respect, and the lengths of the
// strings every message for the array carries. The zero value is not usable:
// MaxMessageSize must be set. Limits is plain data; NewPlan copies what it keeps.
type Limits struct {
	// MaxMessageSize is the session's MaxWebSocketMessagePayloadSize: the largest
	// complete message (header + body, after compression) either side may send
	// (BRIEF 2.9). Required, > 0.
	MaxMessageSize int64

	// MaxDataArraySize is the store's DataArray protocol capability of that name: the
	// largest whole array, product(dimensions) × Element.LogicalSize bytes (BRIEF 3.6).
	// 0 means unlimited.
	MaxDataArraySize int64

	// Compressed says messages may be gzip-compressed (a compression algorithm was
	// negotiated, BRIEF 2.8). Sizes then reserve GzipBound's worst-case growth, so a
	// block fits whether or not a given message ends up compressed. Default false.
	Compressed bool

	// Reserve is extra body bytes to allow in every message for anything this package
	// does not model, such as a MessageHeaderExtension (BRIEF 2.7); it counts before
	// compression. Default 0, must not be negative.
	Reserve int64

	// Lengths are the byte lengths of the map key, uri and pathInResource sent with
	// every block. Default: all empty.
	Lengths

	// Preferred is the store's preferredSubarrayDimensions (DataArrayMetadata, BRIEF
	// 5.2), optional. When set it must have one value per dimension, each >= 1; a
	// value above its dimension is treated as the dimension. Blocks then never exceed
	// Preferred along any axis and never straddle a multiple of it: the array is cut
	// into Preferred-sized tiles (smaller at the far edges) and a tile is split further
	// only when it does not fit one message.
	Preferred []int64
}

// Block is one sub-array of a plan: a PutDataSubarrays or GetDataSubarrays request's
// starts and counts (BRIEF 5.3).
type Block struct {
	// Index is the block's position in the plan, 0..Plan.Len()-1.
	Index int64

	// Starts and Counts have one entry per dimension: the block covers indices
	// Starts[i] .. Starts[i]+Counts[i]-1 along axis i. Every count is >= 1. The slices
	// are freshly allocated for each call and belong to the caller.
	Starts, Counts []int64

	// Elements is the number of elements in the block, the product of Counts.
	Elements int64

	// Offset is the row-major (C order, BRIEF 5.3) flat index of the block's first
	// element in the whole array. Multiply by the element size for a byte offset.
	Offset int64

	// Contiguous reports whether the block is one run of the flattened array, that is
	// elements Offset .. Offset+Elements-1. Blocks of a plan without Preferred always
	// are; with Preferred, a block that spans several indices of one axis but not the
	// whole array along a faster axis is not.
	Contiguous bool
}

// axis is the plan's cut of one dimension: tiles of length tile (the tile at the far
// edge may be shorter), each split into the fewest near-equal pieces no longer than
// piece. Segments are the pieces numbered across the whole dimension.
type axis struct {
	dim        int64 // array dimension
	tile       int64 // preferred tile length, <= dim
	piece      int64 // longest block extent inside a tile, <= tile
	fullTiles  int64 // dim / tile
	perTile    int64 // pieces in a full tile: ceil(tile/piece)
	lastPieces int64 // pieces in the partial tile at the far edge (0 if none)
	segments   int64 // pieces along the whole dimension
	stride     int64 // elements per step of this index in row-major order
}

// segment returns the start and count of segment j (0 <= j < segments). A tile of
// length L cut into m pieces gets L%m pieces of L/m+1 first, then pieces of L/m.
func (x *axis) segment(j int64) (start, count int64) {
	t, u := j/x.perTile, j%x.perTile
	tileStart := t * x.tile
	tileLen, m := x.tile, x.perTile
	if t >= x.fullTiles {
		tileLen, m = x.dim-tileStart, x.lastPieces
	}
	q, r := tileLen/m, tileLen%m
	start = tileStart + u*q + min(u, r)
	count = q
	if u < r {
		count++
	}
	return start, count
}

// Plan splits one array into blocks that each fit one message, in both directions:
// every block's PutDataSubarrays request, GetDataSubarrays request and
// GetDataSubarraysResponse stays within Limits.MaxMessageSize, sized by the worst case
// of the element type (see the package documentation).
//
// Blocks cover the array exactly once and come in row-major order of their Starts.
// Without Preferred each block is a contiguous slab: whole slices of the outermost axis
// when one slice fits, else whole slices of the next axis within one outer index, and
// so on inwards; the cut axis is split into near-equal pieces (lengths differ by at most
// one, longer pieces first). The block count is then at most twice the lower bound
// ceil(Elements() / Budget()).
//
// Blocks are computed on demand from O(rank) state, so a plan of a huge array costs no
// memory per block. A Plan is immutable and safe for concurrent use.
type Plan struct {
	shape    []int64
	elem     Element
	limits   Limits // Preferred cleared; the plan's tiles are in axes
	total    int64
	budget   int64
	maxBlock int64
	blocks   int64
	axes     []axis
}

// NewPlan plans the blocks of an array of the given shape (dimensions from slowest- to
// fastest-varying, BRIEF 5.3) whose elements travel as e, under limits l.
//
// An array with a zero dimension has no elements and gets a plan with zero blocks (the
// message limit is then not checked, as nothing will be sent); allocate it with
// PutUninitializedDataArrays or send it whole with PutDataArrays. A shape with no
// dimensions is an error: ETP arrays have at least one dimension, so pass [1] for a
// scalar.
//
// Errors wrap ErrInvalidShape, ErrInvalidElement, ErrInvalidLimits, ErrArrayTooLarge or
// ErrMessageTooSmall and name the numbers involved. NewPlan does no I/O and allocates
// O(len(shape)).
func NewPlan(shape []int64, e Element, l Limits) (*Plan, error) {
	total, err := checkShape(shape)
	if err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := l.validate(len(shape)); err != nil {
		return nil, err
	}
	if err := checkArraySize(shape, total, e, l); err != nil {
		return nil, err
	}
	p := &Plan{shape: slices.Clone(shape), elem: e, limits: l, total: total}
	p.limits.Preferred = nil
	if total == 0 {
		return p, nil
	}

	p.budget, err = budget(p.shape, total, e, l)
	if err != nil {
		return nil, err
	}
	tile := slices.Clone(p.shape)
	if len(l.Preferred) > 0 {
		for i, v := range l.Preferred {
			tile[i] = min(v, tile[i])
		}
	}
	piece := pieces(tile, p.budget)
	p.axes = make([]axis, len(shape))
	p.blocks, p.maxBlock = 1, 1
	stride := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		x := axis{dim: shape[i], tile: tile[i], piece: piece[i], stride: stride}
		x.fullTiles = x.dim / x.tile
		x.perTile = ceilDiv(x.tile, x.piece)
		x.lastPieces = ceilDiv(x.dim%x.tile, x.piece)
		x.segments = x.fullTiles*x.perTile + x.lastPieces
		p.axes[i] = x
		p.blocks = mulSat(p.blocks, x.segments)
		p.maxBlock *= x.piece // <= total: no overflow
		stride *= x.dim       // <= total: no overflow
	}
	return p, nil
}

// checkShape validates shape and returns its element count.
func checkShape(shape []int64) (int64, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("%w: no dimensions (ETP arrays have at least one; use [1] for a scalar)", ErrInvalidShape)
	}
	if len(shape) > MaxRank {
		return 0, fmt.Errorf("%w: %d dimensions, more than the maximum of %d", ErrInvalidShape, len(shape), MaxRank)
	}
	total := int64(1)
	overflow := false
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: dimension %d of %v is negative (%d)", ErrInvalidShape, i, shape, d)
		}
		if d != 0 && total > math.MaxInt64/d {
			overflow = true
		}
		total *= d // wraps only when overflow is set; then total is not used
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	if overflow {
		return 0, fmt.Errorf("%w: %v has more than %d elements (int64 overflow)", ErrInvalidShape, shape, int64(math.MaxInt64))
	}
	return total, nil
}

// validate checks l for an array of the given rank.
func (l *Limits) validate(rank int) error {
	switch {
	case l.MaxMessageSize <= 0:
		return fmt.Errorf("%w: MaxMessageSize must be positive, got %d", ErrInvalidLimits, l.MaxMessageSize)
	case l.MaxDataArraySize < 0:
		return fmt.Errorf("%w: MaxDataArraySize must be 0 (unlimited) or positive, got %d", ErrInvalidLimits, l.MaxDataArraySize)
	case l.Reserve < 0:
		return fmt.Errorf("%w: Reserve must not be negative, got %d", ErrInvalidLimits, l.Reserve)
	case l.KeyLen < 0 || l.URILen < 0 || l.PathLen < 0:
		return fmt.Errorf("%w: negative string length (key %d, uri %d, path %d)", ErrInvalidLimits, l.KeyLen, l.URILen, l.PathLen)
	}
	if len(l.Preferred) == 0 {
		return nil
	}
	if len(l.Preferred) != rank {
		return fmt.Errorf("%w: Preferred %v has %d dimensions, the array has %d", ErrInvalidLimits, l.Preferred, len(l.Preferred), rank)
	}
	for i, v := range l.Preferred {
		if v < 1 {
			return fmt.Errorf("%w: Preferred %v: dimension %d is %d, want >= 1", ErrInvalidLimits, l.Preferred, i, v)
		}
	}
	return nil
}

// checkArraySize enforces MaxDataArraySize on the whole array.
func checkArraySize(shape []int64, total int64, e Element, l Limits) error {
	if l.MaxDataArraySize == 0 {
		return nil
	}
	size := mulSat(total, e.LogicalSize())
	if size > l.MaxDataArraySize {
		return fmt.Errorf("%w: %v of %v is %d elements × %d bytes, over the store's limit of %d bytes",
			ErrArrayTooLarge, shape, e, total, e.LogicalSize(), l.MaxDataArraySize)
	}
	return nil
}

// blockMessageSize is the worst-case size of the largest of the three messages that
// carry a block of n elements of an array with the given shape: PutDataSubarrays,
// GetDataSubarrays and GetDataSubarraysResponse. starts and counts are bounded by the
// shape itself, since start < dim, count <= dim and varint size grows with the value.
func blockMessageSize(shape []int64, e Element, l Limits, n int64) int64 {
	data := AnyArraySize(e, n)
	put := PutDataSubarraysBodySize(l.Lengths, shape, shape, data)
	get := GetDataSubarraysBodySize(l.Lengths, shape, shape)
	resp := GetDataSubarraysResponseBodySize(l.KeyLen, shape, data)
	body := addSat(max(put, get, resp), l.Reserve)
	return MessageSize(body, l.Compressed)
}

// budget returns the largest n <= total elements whose block messages fit the limit.
func budget(shape []int64, total int64, e Element, l Limits) (int64, error) {
	if one := blockMessageSize(shape, e, l, 1); !fits(one, l.MaxMessageSize) {
		zero := blockMessageSize(shape, e, l, 0)
		return 0, fmt.Errorf("%w: a block of one %v element of %v needs a %d-byte message (%d bytes of header, identifiers, indices and framing; key %d, uri %d, path %d bytes; compressed %t), over the limit of %d bytes",
			ErrMessageTooSmall, e, shape, one, zero, l.KeyLen, l.URILen, l.PathLen, l.Compressed, l.MaxMessageSize)
	}
	// Message size grows with n; find the largest n that fits.
	lo, hi := int64(1), total // blockMessageSize(lo) fits
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if fits(blockMessageSize(shape, e, l, mid), l.MaxMessageSize) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// pieces returns the block extent along each axis for a tile of the given shape and a
// budget of elements per block: 1 on the axes outside the cut axis a, whole tile on the
// axes inside it, and along a the near-equal split of the tile into the fewest pieces
// that fit. a is the outermost axis whose inner slices fit the budget.
func pieces(tile []int64, budget int64) []int64 {
	k := len(tile)
	inner := make([]int64, k) // inner[i] = product of tile[i+1:]
	inner[k-1] = 1
	for i := k - 2; i >= 0; i-- {
		inner[i] = inner[i+1] * tile[i+1]
	}
	a := 0
	for inner[a] > budget {
		a++ // stops at k-1 at the latest: inner[k-1] = 1 <= budget
	}
	piece := make([]int64, k)
	for i := range piece {
		switch {
		case i < a:
			piece[i] = 1
		case i > a:
			piece[i] = tile[i]
		default:
			most := min(tile[a], budget/inner[a])
			piece[i] = ceilDiv(tile[a], ceilDiv(tile[a], most))
		}
	}
	return piece
}

// ceilDiv returns ceil(a/b) for a >= 0, b > 0, without overflow near math.MaxInt64.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// Len returns the number of blocks; 0 for an empty array.
func (p *Plan) Len() int64 { return p.blocks }

// Block returns block i, computed in O(rank). The error wraps ErrBlockIndex when i is
// outside [0, Len()).
func (p *Plan) Block(i int64) (Block, error) {
	if i < 0 || i >= p.blocks {
		return Block{}, fmt.Errorf("%w: block %d of a plan with %d blocks", ErrBlockIndex, i, p.blocks)
	}
	return p.block(i), nil
}

// All returns an iterator over the blocks in order, as (index, block) pairs. Each block
// has its own Starts and Counts, so blocks may be handed to other goroutines.
func (p *Plan) All() iter.Seq2[int64, Block] {
	return func(yield func(int64, Block) bool) {
		for i := range p.blocks {
			if !yield(i, p.block(i)) {
				return
			}
		}
	}
}

// block computes block i, 0 <= i < p.blocks.
func (p *Plan) block(i int64) Block {
	k := len(p.axes)
	buf := make([]int64, 2*k)
	b := Block{Index: i, Starts: buf[:k:k], Counts: buf[k:], Elements: 1, Contiguous: true}
	rest := i
	for a := k - 1; a >= 0; a-- {
		x := &p.axes[a]
		j := rest % x.segments
		rest /= x.segments
		b.Starts[a], b.Counts[a] = x.segment(j)
		b.Elements *= b.Counts[a]
		b.Offset += b.Starts[a] * x.stride
	}
	multi := false // some outer axis already spans more than one index
	for a, c := range b.Counts {
		if multi && c != p.shape[a] {
			b.Contiguous = false
			break
		}
		if c > 1 {
			multi = true
		}
	}
	return b
}

// Shape returns a copy of the planned array's dimensions.
func (p *Plan) Shape() []int64 { return slices.Clone(p.shape) }

// Element returns the element description the plan was made for.
func (p *Plan) Element() Element { return p.elem }

// Elements returns the number of elements in the whole array.
func (p *Plan) Elements() int64 { return p.total }

// Budget returns the largest number of elements one block's messages can carry under
// the limits, whatever the block's position; 0 for an empty array. Blocks may be
// smaller (balanced splits, preferred tiles, array edges): see MaxElementsPerBlock.
func (p *Plan) Budget() int64 { return p.budget }

// MaxElementsPerBlock returns the number of elements of the largest block (the first
// one); 0 for an empty array. It is at most Budget. Use it to size block buffers.
func (p *Plan) MaxElementsPerBlock() int64 {
	if p.total == 0 {
		return 0
	}
	return p.maxBlock
}

// MaxBlockMessageSize returns the worst-case size in bytes of the largest message
// (request or response, compressed or not, header included) any block of the plan
// produces; at most Limits.MaxMessageSize, and 0 for an empty array. Use it to size
// encode buffers.
func (p *Plan) MaxBlockMessageSize() int64 {
	if p.total == 0 {
		return 0
	}
	return blockMessageSize(p.shape, p.elem, p.limits, p.maxBlock)
}

// String summarises the plan, for logs and dry runs.
func (p *Plan) String() string {
	if p.total == 0 {
		return fmt.Sprintf("%v %v: empty, 0 blocks", p.shape, p.elem)
	}
	first := p.block(0)
	return fmt.Sprintf("%v %v: %d elements in %d blocks of up to %v (%d elements, message <= %d bytes)",
		p.shape, p.elem, p.total, p.blocks, first.Counts, p.maxBlock, p.MaxBlockMessageSize())
}

// FitsWhole reports whether the whole array fits one PutDataArrays request, one
// GetDataArrays request and one GetDataArraysResponse under l (empty customData, one
// map entry, worst-case element sizes, compression bound when l.Compressed), so it can
// move without subarrays. Preferred is ignored. An empty array always fits unless the
// strings alone exceed the limit.
//
// Errors are NewPlan's validation errors, and ErrArrayTooLarge when the array exceeds
// l.MaxDataArraySize (then no form of transfer is acceptable to the store).
func FitsWhole(shape []int64, e Element, l Limits) (bool, error) {
	total, err := checkShape(shape)
	if err != nil {
		return false, err
	}
	if err := e.Validate(); err != nil {
		return false, err
	}
	l.Preferred = nil
	if err := l.validate(len(shape)); err != nil {
		return false, err
	}
	if err := checkArraySize(shape, total, e, l); err != nil {
		return false, err
	}
	data := AnyArraySize(e, total)
	put := PutDataArraysBodySize(l.Lengths, shape, data)
	get := GetDataArraysBodySize(l.Lengths)
	resp := GetDataArraysResponseBodySize(l.KeyLen, shape, data)
	body := addSat(max(put, get, resp), l.Reserve)
	return fits(MessageSize(body, l.Compressed), l.MaxMessageSize), nil
}

// fits reports whether a message of size bytes fits limit. A saturated size stands for
// a message too large to count, which never fits.
func fits(size, limit int64) bool { return size <= limit && size != math.MaxInt64 }
