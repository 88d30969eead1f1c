package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/etp-transfer/etp-transfer/chunking"
	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// Client is what the array path needs from one ETP session: single-array
// DataArray requests (ETP 1.2 protocol 9) and the negotiated limits. Session
// adapts an *etp.Session to it. Implementations must be safe for concurrent
// use: several requests are in flight on one session at once.
type Client interface {
	// Limits returns the session's negotiated limits for array messages.
	Limits() Limits
	GetDataArrayMetadata(ctx context.Context, id etp.DataArrayIdentifier) (etp.DataArrayMetadata, error)
	PutDataArray(ctx context.Context, id etp.DataArrayIdentifier, dims []int64, data *etp.AnyArray) error
	PutUninitializedDataArray(ctx context.Context, id etp.DataArrayIdentifier, meta etp.DataArrayMetadata) error
	// PutDataSubarrays writes several blocks in one request.
	PutDataSubarrays(ctx context.Context, id etp.DataArrayIdentifier, blocks []Subarray) error
	GetDataArray(ctx context.Context, id etp.DataArrayIdentifier, dst *etp.AnyArray) error
	// GetDataSubarrays reads several blocks in one request into their Data,
	// reusing its buffers where it can.
	GetDataSubarrays(ctx context.Context, id etp.DataArrayIdentifier, blocks []Subarray) error
}

// Subarray is one block of a multi-block request: its box and its values.
type Subarray struct {
	Starts, Counts []int64
	Data           etp.AnyArray
}

// Limits are the negotiated session limits that bound array messages.
type Limits struct {
	// MaxMessageSize is the session's MaxWebSocketMessagePayloadSize.
	MaxMessageSize int64
	// MaxDataArraySize is the store's MaxDataArraySize, 0 when unknown.
	MaxDataArraySize int64
	// Compressed reports that gzip was negotiated, so messages may grow by
	// gzip's worst case.
	Compressed bool
}

// Source is a local array read block by block. *arrayfile.Reader is one.
type Source interface {
	Info() arrayfile.Info
	// ReadBlock reads the row-major box (starts, counts) as little-endian
	// element bytes into dst. It is called from several goroutines at once.
	ReadBlock(starts, counts []int64, dst []byte) error
}

// Sink receives a downloaded array block by block. *arrayfile.Writer is one.
type Sink interface {
	// WriteBlock writes the row-major box (starts, counts) from little-endian
	// element bytes. It is called from several goroutines at once.
	WriteBlock(starts, counts []int64, src []byte) error
}

// DefaultBlockBytes is the default upper bound on the array payload of one
// message: large enough to run at wire speed, small enough that memory stays
// bounded (about InFlight x sessions x 3 x BlockBytes).
const DefaultBlockBytes = 4 << 20

// DefaultInFlight is the default number of requests in flight per session.
const DefaultInFlight = 4

// Options tune a transfer. The zero value is usable.
type Options struct {
	// InFlight is the number of requests in flight per session. Default 4.
	InFlight int
	// BlockBytes caps the message size used for planning blocks, on top of
	// the session limit. Default DefaultBlockBytes; it never raises the
	// session limit.
	BlockBytes int64
	// Progress, when set, is called after each block with the number of
	// array bytes (elements x element size) it moved. It is called from
	// several goroutines at once.
	Progress func(n int64)
	// State, when set, records which blocks are done so that a second call
	// with the same State (after a dropped connection, on new sessions) only
	// moves what is left. A State belongs to one array and one direction.
	State *State
}

// State records the progress of one array transfer across attempts.
type State struct {
	mu        sync.Mutex
	allocated bool
	done      map[int64]bool
	blocks    int64
}

// Remaining returns the number of blocks not yet moved, or -1 before the
// first attempt planned the array.
func (s *State) Remaining() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return -1
	}
	return s.blocks - int64(len(s.done))
}

func (s *State) begin(blocks int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil || s.blocks != blocks {
		s.done = make(map[int64]bool)
		s.blocks = blocks
	}
}

// allocate sends PutUninitializedDataArrays with meta, unless an earlier
// attempt with this State did; it reports whether it sent it.
func (s *State) allocate(ctx context.Context, c Client, id etp.DataArrayIdentifier, meta etp.DataArrayMetadata) (bool, error) {
	s.mu.Lock()
	done := s.allocated
	s.mu.Unlock()
	if done {
		return false, nil
	}
	if err := c.PutUninitializedDataArray(ctx, id, meta); err != nil {
		return false, fmt.Errorf("PutUninitializedDataArrays: %w", err)
	}
	s.mu.Lock()
	s.allocated = true
	s.mu.Unlock()
	return true, nil
}

// newMetadata is the metadata an array of et and shape is allocated with.
func newMetadata(et ElementType, shape []int64) etp.DataArrayMetadata {
	now := time.Now().UnixMicro()
	return etp.DataArrayMetadata{Dimensions: shape, TransportArrayType: et.Transport, LogicalArrayType: et.Logical,
		StoreCreated: now, StoreLastWrite: now}
}

func (s *State) isDone(i int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done[i]
}

func (s *State) markDone(i int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[i] = true
}

// Stats describes a finished transfer.
type Stats struct {
	// Bytes is the array payload moved in this call (elements x size).
	Bytes int64
	// Blocks is the number of blocks of the plan; Messages the number of
	// requests sent in this call.
	Blocks, Messages int64
	// Whole reports that the array went as one PutDataArrays/GetDataArrays.
	Whole    bool
	Duration time.Duration
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.InFlight <= 0 {
		c.InFlight = DefaultInFlight
	}
	if c.BlockBytes <= 0 {
		c.BlockBytes = DefaultBlockBytes
	}
	if c.State == nil {
		c.State = &State{}
	}
	return c
}

func clientLimits(clients []Client) []Limits {
	ls := make([]Limits, len(clients))
	for i, c := range clients {
		ls[i] = c.Limits()
	}
	return ls
}

// key is the map key of every single-array request.
const key = "0"

// limitsFor returns chunking limits for id on sessions with the given limits: the
// smallest session limit, capped at blockBytes plus framing.
func limitsFor(sessions []Limits, id etp.DataArrayIdentifier, blockBytes int64) chunking.Limits {
	l := chunking.Limits{Lengths: chunking.LengthsOf(key, id.URI, id.PathInResource)}
	for i, cl := range sessions {
		if i == 0 || cl.MaxMessageSize < l.MaxMessageSize {
			l.MaxMessageSize = cl.MaxMessageSize
		}
		if cl.MaxDataArraySize > 0 && (l.MaxDataArraySize == 0 || cl.MaxDataArraySize < l.MaxDataArraySize) {
			l.MaxDataArraySize = cl.MaxDataArraySize
		}
		l.Compressed = l.Compressed || cl.Compressed
	}
	// Framing of one block message is small next to the payload; a cap of
	// blockBytes plus 64 KiB keeps the payload near blockBytes.
	if capSize := blockBytes + 64<<10; capSize < l.MaxMessageSize {
		l.MaxMessageSize = capSize
	}
	return l
}

// Upload writes src to the array id on the store, using every client (one
// per session) with opts.InFlight requests in flight on each. Arrays that
// fit one message go as one PutDataArrays when their type is the plain one
// of their transport (bool, int32, int64, float32, float64); larger ones,
// and those whose logical type must be recorded, are allocated with
// PutUninitializedDataArrays and written with PutDataSubarrays blocks planned
// by package chunking. Blocks already recorded in opts.State are skipped.
func Upload(ctx context.Context, clients []Client, id etp.DataArrayIdentifier, src Source, opts *Options) (Stats, error) {
	o := opts.withDefaults()
	start := time.Now()
	if len(clients) == 0 {
		return Stats{}, errors.New("upload: no sessions")
	}
	info := src.Info()
	et, err := ElementTypeOf(info.DType)
	if err != nil {
		return Stats{}, err
	}
	lim := limitsFor(clientLimits(clients), id, o.BlockBytes)
	whole, err := chunking.FitsWhole(info.Shape, et.chunkElement(), lim)
	if err != nil {
		return Stats{}, fmt.Errorf("array of shape %v: %w", info.Shape, err)
	}
	var st Stats
	if whole && et.plainTransport() {
		n, err := arrayfile.Elements(info.Shape)
		if err != nil {
			return st, err
		}
		buf := make([]byte, n*int64(info.DType.Size()))
		if n > 0 {
			if err := src.ReadBlock(make([]int64, len(info.Shape)), info.Shape, buf); err != nil {
				return st, err
			}
		}
		var a etp.AnyArray
		if err := encodeBlock(et, buf, &a, 0); err != nil {
			return st, err
		}
		if err := clients[0].PutDataArray(ctx, id, info.Shape, &a); err != nil {
			return st, fmt.Errorf("PutDataArrays: %w", err)
		}
		if o.Progress != nil {
			o.Progress(int64(len(buf)))
		}
		return Stats{Bytes: int64(len(buf)), Blocks: 1, Messages: 1, Whole: true, Duration: time.Since(start)}, nil
	}
	plan, err := chunking.NewPlan(info.Shape, et.chunkElement(), lim)
	if err != nil {
		return st, fmt.Errorf("array of shape %v: %w", info.Shape, err)
	}
	o.State.begin(plan.Len())
	sent, err := o.State.allocate(ctx, clients[0], id, newMetadata(et, info.Shape))
	if err != nil {
		return st, err
	}
	if sent {
		st.Messages++
	}
	size := int64(info.DType.Size())
	err = runBlocks(ctx, clients, o, plan, size, putFits(lim, et.chunkElement()), func(ctx context.Context, c Client, w *worker, blocks []chunking.Block) error {
		subs := w.prepare(blocks)
		for i, b := range blocks {
			if raw, ok := directBlock(et, &subs[i].Data, b.Elements); ok {
				if err := src.ReadBlock(b.Starts, b.Counts, raw); err != nil {
					return err
				}
				continue
			}
			raw := w.raw(i, b.Elements*size)
			if err := src.ReadBlock(b.Starts, b.Counts, raw); err != nil {
				return err
			}
			if err := encodeBlock(et, raw, &subs[i].Data, b.Offset); err != nil {
				return err
			}
		}
		return c.PutDataSubarrays(ctx, id, subs)
	}, &st)
	st.Blocks = plan.Len()
	st.Duration = time.Since(start)
	return st, err
}

// Download reads the array id from the store into the sink that create
// returns for the array's element type and shape (taken from
// GetDataArrayMetadata). Arrays that fit one message come with one
// GetDataArrays; larger ones with GetDataSubarrays blocks, several in flight
// on each client, each written at its offset as it arrives.
func Download(ctx context.Context, clients []Client, id etp.DataArrayIdentifier, create func(ElementType, []int64) (Sink, error), opts *Options) (Stats, error) {
	o := opts.withDefaults()
	start := time.Now()
	if len(clients) == 0 {
		return Stats{}, errors.New("download: no sessions")
	}
	meta, err := clients[0].GetDataArrayMetadata(ctx, id)
	if err != nil {
		return Stats{}, fmt.Errorf("GetDataArrayMetadata: %w", err)
	}
	et, err := ElementTypeFromMetadata(meta.TransportArrayType, meta.LogicalArrayType)
	if err != nil {
		return Stats{}, err
	}
	shape := meta.Dimensions
	sink, err := create(et, shape)
	if err != nil {
		return Stats{}, err
	}
	lim := limitsFor(clientLimits(clients), id, o.BlockBytes)
	lim.MaxDataArraySize = 0 // the store already holds it
	whole, err := chunking.FitsWhole(shape, et.chunkElement(), lim)
	if err != nil {
		return Stats{}, fmt.Errorf("array of shape %v: %w", shape, err)
	}
	size := int64(et.DType.Size())
	var st Stats
	st.Messages++
	if whole {
		n, err := arrayfile.Elements(shape)
		if err != nil {
			return st, err
		}
		var a etp.AnyArray
		if err := clients[0].GetDataArray(ctx, id, &a); err != nil {
			return st, fmt.Errorf("GetDataArrays: %w", err)
		}
		buf := make([]byte, n*size)
		if err := decodeBlock(et, &a, buf, 0); err != nil {
			return st, err
		}
		if n > 0 {
			if err := sink.WriteBlock(make([]int64, len(shape)), shape, buf); err != nil {
				return st, err
			}
		}
		if o.Progress != nil {
			o.Progress(int64(len(buf)))
		}
		return Stats{Bytes: int64(len(buf)), Blocks: 1, Messages: 2, Whole: true, Duration: time.Since(start)}, nil
	}
	if len(meta.PreferredSubarrayDimensions) == len(shape) {
		lim.Preferred = meta.PreferredSubarrayDimensions
	}
	plan, err := chunking.NewPlan(shape, et.chunkElement(), lim)
	if err != nil {
		return st, fmt.Errorf("array of shape %v: %w", shape, err)
	}
	o.State.begin(plan.Len())
	err = runBlocks(ctx, clients, o, plan, size, getFits(lim, et.chunkElement()), func(ctx context.Context, c Client, w *worker, blocks []chunking.Block) error {
		subs := w.prepare(blocks)
		if err := c.GetDataSubarrays(ctx, id, subs); err != nil {
			return err
		}
		for i, b := range blocks {
			raw, ok := viewBlock(et, &subs[i].Data, b.Elements) // float data: no conversion, no copy
			if !ok {
				raw = w.raw(i, b.Elements*size)
				if err := decodeBlock(et, &subs[i].Data, raw, b.Offset); err != nil {
					return err
				}
			}
			if err := sink.WriteBlock(b.Starts, b.Counts, raw); err != nil {
				return err
			}
		}
		return nil
	}, &st)
	st.Blocks = plan.Len()
	st.Duration = time.Since(start)
	return st, err
}

// worker holds the reusable buffers of one in-flight slot: per block of a
// request, its raw element bytes and its values.
type worker struct {
	raws [][]byte
	subs []Subarray
}

// prepare sizes the worker for the blocks of one request.
func (w *worker) prepare(blocks []chunking.Block) []Subarray {
	for len(w.subs) < len(blocks) {
		w.subs = append(w.subs, Subarray{})
		w.raws = append(w.raws, nil)
	}
	for i, b := range blocks {
		w.subs[i].Starts, w.subs[i].Counts = b.Starts, b.Counts
	}
	return w.subs[:len(blocks)]
}

// raw returns block i's byte buffer of n bytes.
func (w *worker) raw(i int, n int64) []byte {
	if int64(cap(w.raws[i])) < n {
		w.raws[i] = make([]byte, n)
	}
	return w.raws[i][:n]
}

// BlockError is the error of one request of an array transfer: its first
// block and how many blocks it carried.
type BlockError struct {
	Index          int64
	Starts, Counts []int64
	Blocks         int
	Err            error
}

func (e *BlockError) Error() string {
	if e.Blocks > 1 {
		return fmt.Sprintf("blocks %d-%d (first starts %v, counts %v): %v", e.Index, e.Index+int64(e.Blocks)-1, e.Starts, e.Counts, e.Err)
	}
	return fmt.Sprintf("block %d (starts %v, counts %v): %v", e.Index, e.Starts, e.Counts, e.Err)
}

func (e *BlockError) Unwrap() error { return e.Err }

// maxGroup is the most blocks one request carries; their keys "0".."9" are
// one byte each, as the plan's sizes assume.
const maxGroup = 10

// groupSizer says whether blocks fit one request (and its response) of the
// transfer; every block fits alone.
type groupSizer func(blocks []chunking.Block) bool

// multiEntry returns the size of a map body of entries whose one-entry map
// bodies have the given sizes: one count byte, the entries, the end byte.
func multiEntry(single []int64) int64 {
	total := int64(2)
	for _, s := range single {
		total += s - 2
	}
	return total
}

// putFits reports whether a PutDataSubarrays of the blocks fits lim.
func putFits(lim chunking.Limits, e chunking.Element) groupSizer {
	return func(blocks []chunking.Block) bool {
		sizes := make([]int64, len(blocks))
		for i, b := range blocks {
			sizes[i] = chunking.PutDataSubarraysBodySize(lim.Lengths, b.Starts, b.Counts, chunking.AnyArraySize(e, b.Elements))
		}
		return chunking.MessageSize(multiEntry(sizes)+lim.Reserve, lim.Compressed) <= lim.MaxMessageSize
	}
}

// getFits reports whether a GetDataSubarrays of the blocks and its response
// fit lim.
func getFits(lim chunking.Limits, e chunking.Element) groupSizer {
	return func(blocks []chunking.Block) bool {
		req := make([]int64, len(blocks))
		resp := make([]int64, len(blocks))
		for i, b := range blocks {
			req[i] = chunking.GetDataSubarraysBodySize(lim.Lengths, b.Starts, b.Counts)
			resp[i] = chunking.GetDataSubarraysResponseBodySize(lim.KeyLen, b.Counts, chunking.AnyArraySize(e, b.Elements))
		}
		return chunking.MessageSize(multiEntry(req)+lim.Reserve, lim.Compressed) <= lim.MaxMessageSize &&
			chunking.MessageSize(multiEntry(resp)+lim.Reserve, lim.Compressed) <= lim.MaxMessageSize
	}
}

// runBlocks moves every block of plan not yet done with InFlight workers per
// client. Each worker claims the next blocks in plan order, as many as fit
// one request (fits), and moves them with one call of do. The first error
// stops the feed; requests in flight finish or fail. size is the local
// element size, for byte counts.
func runBlocks[C any](ctx context.Context, conns []C, o Options, plan *chunking.Plan, size int64, fits groupSizer,
	do func(context.Context, C, *worker, []chunking.Block) error, st *Stats) error {
	g, gctx := errgroup.WithContext(ctx)
	var mu sync.Mutex
	var cursor int64
	var pending *chunking.Block // a block claimed but not taken: it did not fit the last group
	claim := func() ([]chunking.Block, error) {
		mu.Lock()
		defer mu.Unlock()
		var group []chunking.Block
		for len(group) < maxGroup {
			var b chunking.Block
			if pending != nil {
				b, pending = *pending, nil
			} else {
				for cursor < plan.Len() && o.State.isDone(cursor) {
					cursor++
				}
				if cursor >= plan.Len() {
					break
				}
				var err error
				if b, err = plan.Block(cursor); err != nil {
					return nil, err
				}
				cursor++
			}
			if len(group) > 0 && !fits(append(group, b)) {
				pending = &b
				break
			}
			group = append(group, b)
		}
		return group, nil
	}
	var bytes, msgs atomic.Int64
	for _, c := range conns {
		for range o.InFlight {
			g.Go(func() error {
				w := &worker{}
				for {
					if err := gctx.Err(); err != nil {
						return err
					}
					group, err := claim()
					if err != nil || len(group) == 0 {
						return err
					}
					if err := do(gctx, c, w, group); err != nil {
						return &BlockError{Index: group[0].Index, Starts: group[0].Starts, Counts: group[0].Counts, Blocks: len(group), Err: err}
					}
					var n int64
					for _, b := range group {
						o.State.markDone(b.Index)
						n += b.Elements * size
					}
					bytes.Add(n)
					msgs.Add(1)
					if o.Progress != nil {
						o.Progress(n)
					}
				}
			})
		}
	}
	err := g.Wait()
	st.Bytes += bytes.Load()
	st.Messages += msgs.Load()
	return err
}

// plainTransport reports whether et's logical type is the one a store
// assumes for its transport. PutDataArrays carries no logical type, so only
// such arrays may go whole; the others (int8, uint8, int16, uint16, uint32,
// uint64) are allocated with their metadata first.
func (et ElementType) plainTransport() bool {
	for _, d := range []arrayfile.DType{arrayfile.Bool, arrayfile.Int32, arrayfile.Int64, arrayfile.Float32, arrayfile.Float64} {
		if elementTypes[d] == et {
			return true
		}
	}
	return false
}

// PlanUpload says how Upload would move an array described by info under a
// session limit of maxMessage bytes: its payload bytes, the number of
// PutDataSubarrays blocks, and whether it would go whole as one
// PutDataArrays instead. It uses DefaultBlockBytes as Upload does.
func PlanUpload(info arrayfile.Info, et ElementType, uri, path string, maxMessage int64, compressed bool) (bytes, blocks int64, whole bool, err error) {
	n, err := arrayfile.Elements(info.Shape)
	if err != nil {
		return 0, 0, false, err
	}
	bytes = n * int64(info.DType.Size())
	id := etp.DataArrayIdentifier{URI: uri, PathInResource: path}
	lim := limitsFor([]Limits{{MaxMessageSize: maxMessage, Compressed: compressed}}, id, DefaultBlockBytes)
	if whole, err = chunking.FitsWhole(info.Shape, et.chunkElement(), lim); err != nil || whole && et.plainTransport() {
		return bytes, 1, whole, err
	}
	whole = false
	plan, err := chunking.NewPlan(info.Shape, et.chunkElement(), lim)
	if err != nil {
		return bytes, 0, false, err
	}
	return bytes, plan.Len(), false, nil
}

// Copy streams the array src on the from store to dst on the to store,
// block by block, without a local file: GetDataArrayMetadata on from, then
// PutUninitializedDataArrays on to, then each block read with
// GetDataSubarrays and written with PutDataSubarrays as it arrives. Blocks
// fit the smaller limits of both sides. opts.State makes a retry resume.
func Copy(ctx context.Context, from, to []Client, src, dst etp.DataArrayIdentifier, opts *Options) (Stats, error) {
	o := opts.withDefaults()
	start := time.Now()
	if len(from) == 0 || len(to) == 0 {
		return Stats{}, errors.New("copy: no sessions")
	}
	meta, err := from[0].GetDataArrayMetadata(ctx, src)
	if err != nil {
		return Stats{}, fmt.Errorf("GetDataArrayMetadata: %w", err)
	}
	et, err := ElementTypeFromMetadata(meta.TransportArrayType, meta.LogicalArrayType)
	if err != nil {
		return Stats{}, err
	}
	shape := meta.Dimensions
	// Plan for the smaller of both sides' limits and the longer identifier;
	// group blocks only as far as both requests fit their own side.
	srcLim := limitsFor(clientLimits(from), src, o.BlockBytes)
	dstLim := limitsFor(clientLimits(to), dst, o.BlockBytes)
	lim := dstLim
	lim.MaxMessageSize = min(srcLim.MaxMessageSize, dstLim.MaxMessageSize)
	lim.Compressed = srcLim.Compressed || dstLim.Compressed
	if len(src.URI)+len(src.PathInResource) > len(dst.URI)+len(dst.PathInResource) {
		lim.Lengths = srcLim.Lengths
	}
	st := Stats{Messages: 1}
	n, err := arrayfile.Elements(shape)
	if err != nil {
		return st, err
	}
	if n == 0 {
		var a etp.AnyArray
		if err := encodeBlock(et, nil, &a, 0); err != nil {
			return st, err
		}
		st.Messages++
		return st, to[0].PutDataArray(ctx, dst, shape, &a)
	}
	if len(meta.PreferredSubarrayDimensions) == len(shape) {
		lim.Preferred = meta.PreferredSubarrayDimensions
	}
	plan, err := chunking.NewPlan(shape, et.chunkElement(), lim)
	if err != nil {
		return st, fmt.Errorf("array of shape %v: %w", shape, err)
	}
	o.State.begin(plan.Len())
	sent, err := o.State.allocate(ctx, to[0], dst, newMetadata(et, shape))
	if err != nil {
		return st, err
	}
	if sent {
		st.Messages++
	}
	// Pair each destination client with a source client.
	type pair struct{ from, to Client }
	pairs := make([]pair, len(to))
	for i := range to {
		pairs[i] = pair{from: from[i%len(from)], to: to[i]}
	}
	before := st.Messages
	fromFits, toFits := getFits(srcLim, et.chunkElement()), putFits(dstLim, et.chunkElement())
	fits := func(blocks []chunking.Block) bool { return fromFits(blocks) && toFits(blocks) }
	err = runBlocks(ctx, pairs, o, plan, int64(et.DType.Size()), fits, func(ctx context.Context, pc pair, w *worker, blocks []chunking.Block) error {
		subs := w.prepare(blocks)
		if err := pc.from.GetDataSubarrays(ctx, src, subs); err != nil {
			return fmt.Errorf("read from the source: %w", err)
		}
		for i := range subs {
			if subs[i].Data.Type != et.Transport {
				return fmt.Errorf("source sent %v values for an array of %v", subs[i].Data.Type, et.Transport)
			}
		}
		if err := pc.to.PutDataSubarrays(ctx, dst, subs); err != nil {
			return fmt.Errorf("write to the destination: %w", err)
		}
		return nil
	}, &st)
	st.Messages += st.Messages - before // each block is a read and a write
	st.Blocks = plan.Len()
	st.Duration = time.Since(start)
	return st, err
}
