package etp

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the client session over loopback against the test peer,
// which does as little as possible, so the numbers show the client's own
// cost: framing, id assignment, routing, encoding and decoding.

func dialBench(b *testing.B, p *testPeer, opts *SessionOptions) *Session {
	b.Helper()
	s, err := Dial(context.Background(), p.url, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

// runInFlight calls f b.N times from inFlight goroutines.
func runInFlight(b *testing.B, inFlight int, f func() error) {
	b.Helper()
	var wg sync.WaitGroup
	next := make(chan struct{})
	var once sync.Once
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if err := f(); err != nil {
					once.Do(func() { b.Error(err) })
				}
			}
		}()
	}
	for b.Loop() {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}

func BenchmarkSessionPing(b *testing.B) {
	p := newTestPeer(b, peerOptions{})
	s := dialBench(b, p, nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func sessionBenchDoubles(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i) / 3
	}
	return v
}

// BenchmarkSessionGetDataSubarrays receives 1 MiB float64 blocks; the peer
// answers every request with the same response.
func BenchmarkSessionGetDataSubarrays(b *testing.B) {
	const n = 1 << 17
	body := &GetDataSubarraysResponse{DataSubarrays: map[string]DataArray{
		"0": {Dimensions: []int64{n}, Data: DoubleArray(sessionBenchDoubles(n))}}}
	for _, inFlight := range []int{1, 4} {
		b.Run(map[int]string{1: "1-in-flight", 4: "4-in-flight"}[inFlight], func(b *testing.B) {
			p := newTestPeer(b, peerOptions{handler: func(c *peerConn, m peerMsg) { c.reply(m, body) }})
			s := dialBench(b, p, &SessionOptions{Compression: "none"})
			ctx := context.Background()
			req := map[string]GetDataSubarraysType{"0": {Starts: []int64{0}, Counts: []int64{n}}}
			b.SetBytes(8 * n)
			runInFlight(b, inFlight, func() error {
				_, err := s.GetDataSubarrays(ctx, req)
				return err
			})
		})
	}
	// Decoding into a reused response, one per goroutine.
	b.Run("into-4-in-flight", func(b *testing.B) {
		p := newTestPeer(b, peerOptions{handler: func(c *peerConn, m peerMsg) { c.reply(m, body) }})
		s := dialBench(b, p, &SessionOptions{Compression: "none"})
		ctx := context.Background()
		req := map[string]GetDataSubarraysType{"0": {Starts: []int64{0}, Counts: []int64{n}}}
		dsts := make(chan *GetDataSubarraysResponse, 4)
		for range 4 {
			dsts <- &GetDataSubarraysResponse{}
		}
		b.SetBytes(8 * n)
		runInFlight(b, 4, func() error {
			dst := <-dsts
			defer func() { dsts <- dst }()
			_, err := s.GetDataSubarraysInto(ctx, req, dst)
			return err
		})
	})
}

// BenchmarkSessionPutDataSubarrays sends 1 MiB float64 blocks; the peer
// decodes each and answers success.
func BenchmarkSessionPutDataSubarrays(b *testing.B) {
	const n = 1 << 17
	ok := &PutDataSubarraysResponse{Success: map[string]string{"0": ""}}
	req := map[string]PutDataSubarraysType{"0": {Data: DoubleArray(sessionBenchDoubles(n)), Starts: []int64{0},
		Counts: []int64{n}}}
	for _, inFlight := range []int{1, 4} {
		b.Run(map[int]string{1: "1-in-flight", 4: "4-in-flight"}[inFlight], func(b *testing.B) {
			p := newTestPeer(b, peerOptions{handler: func(c *peerConn, m peerMsg) { c.reply(m, ok) }})
			s := dialBench(b, p, &SessionOptions{Compression: "none"})
			ctx := context.Background()
			b.SetBytes(8 * n)
			runInFlight(b, inFlight, func() error {
				_, err := s.PutDataSubarrays(ctx, req)
				return err
			})
		})
	}
}
