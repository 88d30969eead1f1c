package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Benchmarks of the array hot path over real loopback sockets:
//
//	go test -run XXX -bench . -benchtime 2s ./etp/server/
//
// Put/GetDataSubarrays move float64 blocks of the given size, several
// requests in flight; BenchmarkWebSocketBaseline moves the same bytes as
// raw binary WebSocket messages with nothing behind them, the ceiling for
// the ETP numbers.

func benchArray(b *testing.B, blockBytes int) (*rawClient, etp.DataArrayIdentifier, int64) {
	b.Helper()
	_, url := startServer(b, &Options{MaxMessageSize: 32 << 20})
	c, _ := openRaw(b, url, 0)
	n := int64(blockBytes / 8)
	const blocks = 64
	id := uid(etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), "/bench")
	merge(b, c.request(&etp.PutUninitializedDataArrays{DataArrays: map[string]etp.PutUninitializedDataArrayType{
		"0": {UID: id, Metadata: etp.DataArrayMetadata{Dimensions: []int64{blocks, n},
			TransportArrayType: etp.AnyArrayDouble, LogicalArrayType: etp.LogicalArrayDouble64LE}}}}), 0).noErrors(b)
	return c, id, n
}

func BenchmarkPutDataSubarrays(b *testing.B) {
	for _, size := range []int{1 << 20, 8 << 20} {
		b.Run(fmt.Sprintf("block=%dKiB", size>>10), func(b *testing.B) {
			c, id, n := benchArray(b, size)
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = float64(i) * 0.5
			}
			msg := func(row int64) []byte {
				m, _ := c.encode(&etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{"0": {UID: id,
					Data: etp.DoubleArray(vals), Starts: []int64{row % 64, 0}, Counts: []int64{1, n}}}}, 0, etp.FlagFinalPart)
				return m
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			const inFlight = 4
			var ids []int64
			for i := range b.N {
				m := msg(int64(i))
				h, _, _ := etp.DecodeHeader(m)
				c.sendRaw(m)
				ids = append(ids, h.MessageID)
				if len(ids) == inFlight || i == b.N-1 {
					for _, id := range ids {
						if _, ok := c.collect(id)[0].body.(*etp.PutDataSubarraysResponse); !ok {
							b.Fatal("put failed")
						}
					}
					ids = ids[:0]
				}
			}
		})
	}
}

func BenchmarkGetDataSubarrays(b *testing.B) {
	for _, size := range []int{1 << 20, 8 << 20} {
		b.Run(fmt.Sprintf("block=%dKiB", size>>10), func(b *testing.B) {
			c, id, n := benchArray(b, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			const inFlight = 4
			var ids []int64
			for i := range b.N {
				ids = append(ids, c.send(&etp.GetDataSubarrays{DataSubarrays: map[string]etp.GetDataSubarraysType{"0": {
					UID: id, Starts: []int64{int64(i % 64), 0}, Counts: []int64{1, n}}}}))
				if len(ids) == inFlight || i == b.N-1 {
					for _, id := range ids {
						if _, ok := c.collect(id)[0].body.(*etp.GetDataSubarraysResponse); !ok {
							b.Fatal("get failed")
						}
					}
					ids = ids[:0]
				}
			}
		})
	}
}

// BenchmarkWebSocketBaseline writes messages of the block size from client
// to server (like Put) and from server to client (like Get) with no ETP
// processing.
func BenchmarkWebSocketBaseline(b *testing.B) {
	for _, size := range []int{1 << 20, 8 << 20} {
		for _, dir := range []string{"up", "down"} {
			b.Run(fmt.Sprintf("%s/block=%dKiB", dir, size>>10), func(b *testing.B) {
				payload := make([]byte, size)
				hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conn, err := websocket.Accept(w, r, nil)
					if err != nil {
						return
					}
					defer conn.CloseNow()
					conn.SetReadLimit(1 << 30)
					ctx := r.Context()
					for {
						_, msg, err := conn.Read(ctx)
						if err != nil {
							return
						}
						if dir == "down" {
							if err := conn.Write(ctx, websocket.MessageBinary, payload); err != nil {
								return
							}
						} else if err := conn.Write(ctx, websocket.MessageBinary, msg[:1]); err != nil {
							return
						}
					}
				}))
				defer hs.Close()
				ctx := context.Background()
				conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer conn.CloseNow()
				conn.SetReadLimit(1 << 30)
				req := payload
				if dir == "down" {
					req = payload[:16]
				}
				b.SetBytes(int64(size))
				b.ResetTimer()
				for range b.N {
					if err := conn.Write(ctx, websocket.MessageBinary, req); err != nil {
						b.Fatal(err)
					}
					if _, _, err := conn.Read(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkClientArrays moves float64 blocks with the real client, four
// requests in flight on one session.
func BenchmarkClientArrays(b *testing.B) {
	for _, op := range []string{"put", "get"} {
		for _, size := range []int{1 << 20, 8 << 20} {
			b.Run(fmt.Sprintf("%s/block=%dKiB", op, size>>10), func(b *testing.B) {
				_, url := startServer(b, &Options{MaxMessageSize: 32 << 20})
				s := dialClient(b, url, 32<<20, false)
				ctx := context.Background()
				n := int64(size / 8)
				id := uid(etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), "/bench")
				if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: id,
					Metadata: etp.DataArrayMetadata{Dimensions: []int64{64, n}, TransportArrayType: etp.AnyArrayDouble,
						LogicalArrayType: etp.LogicalArrayDouble64LE}}}); err != nil {
					b.Fatal(err)
				}
				vals := make([]float64, n)
				for i := range vals {
					vals[i] = float64(i)
				}
				b.SetBytes(int64(size))
				b.ResetTimer()
				sem := make(chan struct{}, 4)
				errs := make(chan error, b.N)
				for i := range b.N {
					sem <- struct{}{}
					go func() {
						defer func() { <-sem }()
						row := []int64{int64(i % 64), 0}
						var err error
						if op == "put" {
							_, err = s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: id,
								Data: etp.DoubleArray(vals), Starts: row, Counts: []int64{1, n}}})
						} else {
							_, err = s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{"0": {UID: id,
								Starts: row, Counts: []int64{1, n}}})
						}
						errs <- err
					}()
				}
				for range cap(sem) {
					sem <- struct{}{}
				}
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
