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
	PutDataSubarray(ctx context.Context, id etp.DataArrayIdentifier, starts, counts []int64, data *etp.AnyArray) error
	GetDataArray(ctx context.Context, id etp.DataArrayIdentifier, dst *etp.AnyArray) error
	GetDataSubarray(ctx context.Context, id etp.DataArrayIdentifier, starts, counts []int64, dst *etp.AnyArray) error
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
	err = runBlocks(ctx, clients, o, plan, size, func(ctx context.Context, c Client, w *worker, b chunking.Block) error {
		raw := w.raw(b.Elements * size)
		if err := src.ReadBlock(b.Starts, b.Counts, raw); err != nil {
			return err
		}
		if err := encodeBlock(et, raw, &w.arr, b.Offset); err != nil {
			return err
		}
		return c.PutDataSubarray(ctx, id, b.Starts, b.Counts, &w.arr)
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
	err = runBlocks(ctx, clients, o, plan, size, func(ctx context.Context, c Client, w *worker, b chunking.Block) error {
		if err := c.GetDataSubarray(ctx, id, b.Starts, b.Counts, &w.arr); err != nil {
			return err
		}
		if raw, ok := viewBlock(et, &w.arr, b.Elements); ok {
			return sink.WriteBlock(b.Starts, b.Counts, raw) // float data: no conversion, no copy
		}
		raw := w.raw(b.Elements * size)
		if err := decodeBlock(et, &w.arr, raw, b.Offset); err != nil {
			return err
		}
		return sink.WriteBlock(b.Starts, b.Counts, raw)
	}, &st)
	st.Blocks = plan.Len()
	st.Duration = time.Since(start)
	return st, err
}

// worker holds the reusable buffers of one in-flight slot.
type worker struct {
	buf []byte
	arr etp.AnyArray
}

func (w *worker) raw(n int64) []byte {
	if int64(cap(w.buf)) < n {
		w.buf = make([]byte, n)
	}
	return w.buf[:n]
}

// BlockError is the error of one block of an array transfer.
type BlockError struct {
	Index          int64
	Starts, Counts []int64
	Err            error
}

func (e *BlockError) Error() string {
	return fmt.Sprintf("block %d (starts %v, counts %v): %v", e.Index, e.Starts, e.Counts, e.Err)
}

func (e *BlockError) Unwrap() error { return e.Err }

// runBlocks moves every block of plan not yet done with InFlight workers per
// client. The first error stops the feed; blocks in flight finish or fail.
// size is the local element size, for byte counts.
func runBlocks(ctx context.Context, clients []Client, o Options, plan *chunking.Plan, size int64,
	do func(context.Context, Client, *worker, chunking.Block) error, st *Stats) error {
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	var bytes, msgs atomic.Int64
	for _, c := range clients {
		for range o.InFlight {
			g.Go(func() error {
				w := &worker{}
				for {
					if err := gctx.Err(); err != nil {
						return err
					}
					i := next.Add(1) - 1
					if i >= plan.Len() {
						return nil
					}
					if o.State.isDone(i) {
						continue
					}
					b, err := plan.Block(i)
					if err != nil {
						return err
					}
					if err := do(gctx, c, w, b); err != nil {
						return &BlockError{Index: i, Starts: b.Starts, Counts: b.Counts, Err: err}
					}
					o.State.markDone(i)
					n := b.Elements * size
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
	lim := limitsFor(append(clientLimits(from), clientLimits(to)...), dst, o.BlockBytes)
	if l2 := limitsFor(clientLimits(from), src, o.BlockBytes); l2.MaxMessageSize < lim.MaxMessageSize {
		lim.MaxMessageSize = l2.MaxMessageSize
	}
	if len(src.URI)+len(src.PathInResource) > len(dst.URI)+len(dst.PathInResource) {
		lim.Lengths = chunking.LengthsOf(key, src.URI, src.PathInResource)
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
	pairs := make([]Client, len(to))
	for i := range to {
		pairs[i] = pairClient{from: from[i%len(from)], to: to[i]}
	}
	before := st.Messages
	err = runBlocks(ctx, pairs, o, plan, int64(et.DType.Size()), func(ctx context.Context, c Client, w *worker, b chunking.Block) error {
		pc := c.(pairClient)
		if err := pc.from.GetDataSubarray(ctx, src, b.Starts, b.Counts, &w.arr); err != nil {
			return fmt.Errorf("read from the source: %w", err)
		}
		if w.arr.Type != et.Transport {
			return fmt.Errorf("source sent %v values for an array of %v", w.arr.Type, et.Transport)
		}
		if err := pc.to.PutDataSubarray(ctx, dst, b.Starts, b.Counts, &w.arr); err != nil {
			return fmt.Errorf("write to the destination: %w", err)
		}
		return nil
	}, &st)
	st.Messages += st.Messages - before // each block is a read and a write
	st.Blocks = plan.Len()
	st.Duration = time.Since(start)
	return st, err
}

// pairClient routes a block of a copy from one session to another. Only
// runBlocks sees it, which calls no Client method.
type pairClient struct {
	Client
	from, to Client
}
