package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memArray is an in-memory row-major array: a Source, and a Sink that
// records what was written where.
type memArray struct {
	dtype arrayfile.DType
	shape []int64
	mu    sync.Mutex
	data  []byte
}

func (a *memArray) Info() arrayfile.Info {
	return arrayfile.Info{Format: arrayfile.FormatRaw, DType: a.dtype, Shape: a.shape}
}

// box calls fn with the byte range of every innermost row of the box.
func (a *memArray) box(starts, counts []int64, fn func(off, n int64)) {
	size := int64(a.dtype.Size())
	nd := len(a.shape)
	for _, c := range counts {
		if c == 0 {
			return
		}
	}
	idx := append([]int64(nil), starts...)
	for {
		var off int64
		for d := range nd {
			off = off*a.shape[d] + idx[d]
		}
		fn(off*size, counts[nd-1]*size)
		d := nd - 2
		for ; d >= 0; d-- {
			if idx[d]++; idx[d] < starts[d]+counts[d] {
				break
			}
			idx[d] = starts[d]
		}
		if d < 0 {
			return
		}
	}
}

func (a *memArray) ReadBlock(starts, counts []int64, dst []byte) error {
	var k int64
	a.box(starts, counts, func(off, n int64) { copy(dst[k:k+n], a.data[off:off+n]); k += n })
	return nil
}

func (a *memArray) WriteBlock(starts, counts []int64, src []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var k int64
	a.box(starts, counts, func(off, n int64) { copy(a.data[off:off+n], src[k:k+n]); k += n })
	return nil
}

func startServer(t *testing.T, maxMsg int64) string {
	t.Helper()
	srv, err := server.New(&server.Options{MaxMessageSize: maxMsg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
}

func dial(t *testing.T, ctx context.Context, url string, n int, compression string) []Client {
	t.Helper()
	var cs []Client
	for range n {
		s, err := etp.Dial(ctx, url, &etp.SessionOptions{Compression: compression, MaxMessageSize: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		cs = append(cs, SessionClient{Session: s})
	}
	return cs
}

func mkDataspace(t *testing.T, ctx context.Context, c Client, path string) {
	t.Helper()
	s := c.(SessionClient).Session
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI(path), Path: path}}); err != nil {
		t.Fatal(err)
	}
}

// TestRoundTrip uploads and downloads arrays of every element type, 1-D to
// 4-D, empty, one element and uneven shapes, under message limits from 4 KiB
// to 64 MiB, over real sockets, and checks the bytes are identical.
func TestRoundTrip(t *testing.T) {
	shapes := [][]int64{{0}, {3, 0, 2}, {1}, {1, 1, 1, 1}, {1031}, {17, 33}, {5, 7, 11}, {3, 4, 5, 7}, {300, 257}}
	limits := []int64{4 << 10, 64 << 10, 1 << 20, 64 << 20}
	r := rand.New(rand.NewPCG(3, 4))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, limit := range limits {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			url := startServer(t, limit)
			comp := "none"
			if limit == 64<<10 {
				comp = "gzip"
			}
			clients := dial(t, ctx, url, 2, comp)
			mkDataspace(t, ctx, clients[0], "rt")
			for _, d := range arrayfile.DTypes() {
				for si, shape := range shapes {
					n, _ := arrayfile.Elements(shape)
					if limit == 4<<10 && n > 20000 {
						continue // thousands of 4 KiB messages: covered by the smaller shapes
					}
					src := &memArray{dtype: d, shape: shape, data: randomElements(r, d, int(n))}
					id := etp.DataArrayIdentifier{
						URI:            "eml:///dataspace('rt')/eml20.obj_EpcExternalPartReference(0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90)",
						PathInResource: fmt.Sprintf("/%v/%d", d, si),
					}
					up, err := Upload(ctx, clients, id, src, &Options{BlockBytes: limit})
					if err != nil {
						t.Fatalf("%v %v: upload: %v", d, shape, err)
					}
					var dst *memArray
					_, err = Download(ctx, clients, id, func(et ElementType, got []int64) (Sink, error) {
						if et.DType != d || fmt.Sprint(got) != fmt.Sprint(shape) {
							return nil, fmt.Errorf("store has %v %v", et.DType, got)
						}
						dst = &memArray{dtype: d, shape: got, data: make([]byte, len(src.data))}
						return dst, nil
					}, &Options{BlockBytes: limit})
					if err != nil {
						t.Fatalf("%v %v: download: %v", d, shape, err)
					}
					if !bytes.Equal(dst.data, src.data) {
						t.Fatalf("%v %v at limit %d: downloaded bytes differ (%d blocks)", d, shape, limit, up.Blocks)
					}
				}
			}
		})
	}
}

// TestResumeAfterFailure: an upload that fails half-way leaves its State;
// the second call writes only the blocks that were not written.
func TestResumeAfterFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := startServer(t, 16<<10)
	clients := dial(t, ctx, url, 1, "none")
	mkDataspace(t, ctx, clients[0], "rt")
	src := &memArray{dtype: arrayfile.Float64, shape: []int64{100, 100}, data: randomElements(rand.New(rand.NewPCG(1, 1)), arrayfile.Float64, 10000)}
	id := etp.DataArrayIdentifier{URI: "eml:///dataspace('rt')/eml20.obj_EpcExternalPartReference(0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90)", PathInResource: "/r"}
	failing := &failAfter{Client: clients[0], n: 3}
	state := &State{}
	_, err := Upload(ctx, []Client{failing}, id, src, &Options{InFlight: 1, State: state})
	if err == nil {
		t.Fatal("want the injected failure")
	}
	var be *BlockError
	if !errors.As(err, &be) {
		t.Fatalf("error %v is not a *BlockError", err)
	}
	left := state.Remaining()
	if left <= 0 || left >= 8 {
		t.Fatalf("remaining blocks after the failure: %d", left)
	}
	st, err := Upload(ctx, clients, id, src, &Options{State: state})
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != left {
		t.Errorf("resumed upload sent %d messages, want %d (only the missing blocks)", st.Messages, left)
	}
	var got *memArray
	if _, err := Download(ctx, clients, id, func(et ElementType, shape []int64) (Sink, error) {
		got = &memArray{dtype: et.DType, shape: shape, data: make([]byte, len(src.data))}
		return got, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.data, src.data) {
		t.Error("array differs after the resumed upload")
	}
}

// failAfter fails every PutDataSubarrays after the first n.
type failAfter struct {
	Client
	mu sync.Mutex
	n  int
}

func (f *failAfter) PutDataSubarrays(ctx context.Context, id etp.DataArrayIdentifier, blocks []Subarray) error {
	f.mu.Lock()
	f.n--
	fail := f.n < 0
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("injected failure: %w", etp.ErrSessionClosed)
	}
	return f.Client.PutDataSubarrays(ctx, id, blocks)
}

// TestSeveralBlocksPerRequest: an array whose store prefers small tiles is
// read (and copied) with several tiles per GetDataSubarrays and
// PutDataSubarrays request, each request within the message limit, and the
// data comes back identical.
func TestSeveralBlocksPerRequest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range []struct {
		limit       int64
		shape, tile []int64
	}{
		{4 << 10, []int64{37, 29}, []int64{4, 5}},
		{64 << 10, []int64{370, 290}, []int64{40, 50}},
	} {
		t.Run(fmt.Sprintf("limit=%d", c.limit), func(t *testing.T) {
			url := startServer(t, c.limit)
			clients := dial(t, ctx, url, 1, "none")
			mkDataspace(t, ctx, clients[0], "rt")
			shape := c.shape
			n := int(shape[0] * shape[1])
			src := &memArray{dtype: arrayfile.Float64, shape: shape, data: randomElements(rand.New(rand.NewPCG(5, 6)), arrayfile.Float64, n)}
			id := etp.DataArrayIdentifier{URI: "eml:///dataspace('rt')/eml20.obj_EpcExternalPartReference(0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90)", PathInResource: "/tiled"}
			et, _ := ElementTypeOf(arrayfile.Float64)
			meta := newMetadata(et, shape)
			meta.PreferredSubarrayDimensions = c.tile
			if err := clients[0].PutUninitializedDataArray(ctx, id, meta); err != nil {
				t.Fatal(err)
			}
			state := &State{allocated: true}
			if _, err := Upload(ctx, clients, id, src, &Options{State: state}); err != nil {
				t.Fatal(err)
			}
			var got *memArray
			st, err := Download(ctx, clients, id, func(et ElementType, shape []int64) (Sink, error) {
				got = &memArray{dtype: et.DType, shape: shape, data: make([]byte, len(src.data))}
				return got, nil
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.Blocks != 60 { // ceil(37/4) x ceil(29/5) tiles
				t.Fatalf("download planned %d blocks, want the 60 preferred tiles", st.Blocks)
			}
			if st.Messages-1 >= st.Blocks || st.Messages-1 < (st.Blocks+maxGroup-1)/maxGroup {
				t.Errorf("download of %d tiles took %d GetDataSubarrays requests; want several tiles per request", st.Blocks, st.Messages-1)
			}
			t.Logf("%d tiles downloaded in %d requests", st.Blocks, st.Messages-1)
			if !bytes.Equal(got.data, src.data) {
				t.Fatal("tiled download differs")
			}
			dst := etp.DataArrayIdentifier{URI: id.URI, PathInResource: "/tiled-copy"}
			cst, err := Copy(ctx, clients, clients, id, dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cst.Blocks != 60 || cst.Messages >= 2*60 {
				t.Errorf("copy: %d blocks in %d messages; want tiles grouped", cst.Blocks, cst.Messages)
			}
			var copied *memArray
			if _, err := Download(ctx, clients, dst, func(et ElementType, shape []int64) (Sink, error) {
				copied = &memArray{dtype: et.DType, shape: shape, data: make([]byte, len(src.data))}
				return copied, nil
			}, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(copied.data, src.data) {
				t.Fatal("copied array differs")
			}
		})
	}
}
