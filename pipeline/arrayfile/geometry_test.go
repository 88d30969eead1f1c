package arrayfile

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestElements(t *testing.T) {
	tests := []struct {
		name    string
		shape   []int64
		want    int64
		wantErr string
	}{
		{name: "0-D", shape: []int64{}, want: 1},
		{name: "nil", shape: nil, want: 1},
		{name: "1-D", shape: []int64{7}, want: 7},
		{name: "4-D", shape: []int64{2, 3, 4, 5}, want: 120},
		{name: "zero dim", shape: []int64{3, 0, 5}, want: 0},
		{name: "zero dim does not hide overflow", shape: []int64{math.MaxInt64, 0, math.MaxInt64}, wantErr: "overflows int64"},
		{name: "max", shape: []int64{math.MaxInt64}, want: math.MaxInt64},
		{name: "negative", shape: []int64{3, -1}, wantErr: "dimension 1 is negative"},
		{name: "overflow", shape: []int64{1 << 32, 1 << 32}, wantErr: "element count overflows int64"},
		{name: "too many dims", shape: make([]int64, MaxDims+1), wantErr: "65 dimensions, at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Elements(tt.shape)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Elements(%v) = %d, %v; want %d", tt.shape, got, err, tt.want)
			}
		})
	}
	if _, err := dataSize([]int64{1 << 61}, 8); err == nil {
		t.Error("dataSize of 2^61 float64 did not overflow")
	}
}

func TestCheckBox(t *testing.T) {
	shape := []int64{4, 5}
	tests := []struct {
		name           string
		starts, counts []int64
		want           int64
		wantErr        string
	}{
		{name: "whole", starts: []int64{0, 0}, counts: []int64{4, 5}, want: 20},
		{name: "empty at end", starts: []int64{4, 5}, counts: []int64{0, 0}, want: 0},
		{name: "inner", starts: []int64{1, 2}, counts: []int64{2, 3}, want: 6},
		{name: "rank", starts: []int64{0}, counts: []int64{4}, wantErr: "rank must be 2"},
		{name: "negative start", starts: []int64{-1, 0}, counts: []int64{1, 1}, wantErr: "dimension 0 is negative"},
		{name: "negative count", starts: []int64{0, 0}, counts: []int64{1, -1}, wantErr: "dimension 1 is negative"},
		{name: "past end", starts: []int64{3, 0}, counts: []int64{2, 5}, wantErr: "out of range of shape [4 5] in dimension 0"},
		{name: "start past end", starts: []int64{0, 6}, counts: []int64{1, 0}, wantErr: "in dimension 1"},
		{name: "overflowing sum", starts: []int64{1, 0}, counts: []int64{math.MaxInt64, 1}, wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkBox(shape, tt.starts, tt.counts)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				if !errors.Is(err, ErrBlock) {
					t.Errorf("error %v does not match ErrBlock", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("checkBox = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestPlanRuns(t *testing.T) {
	tests := []struct {
		name           string
		shape, counts  []int64
		split          int
		runElems       int64
		wantFileOffset []int64 // with starts all 1 (0 where the count is full)
		starts         []int64
	}{
		{name: "0-D", shape: []int64{}, counts: []int64{}, starts: []int64{}, split: 0, runElems: 1, wantFileOffset: []int64{0}},
		{name: "1-D part", shape: []int64{10}, counts: []int64{3}, starts: []int64{2}, split: 0, runElems: 3, wantFileOffset: []int64{2}},
		{name: "whole rows", shape: []int64{4, 5}, counts: []int64{2, 5}, starts: []int64{1, 0}, split: 0, runElems: 10, wantFileOffset: []int64{5}},
		{name: "column part", shape: []int64{4, 5}, counts: []int64{3, 2}, starts: []int64{1, 1}, split: 1, runElems: 2, wantFileOffset: []int64{6, 11, 16}},
		{name: "single row part", shape: []int64{4, 5}, counts: []int64{1, 2}, starts: []int64{2, 3}, split: 0, runElems: 2, wantFileOffset: []int64{13}},
		{name: "planes", shape: []int64{3, 2, 4}, counts: []int64{2, 2, 4}, starts: []int64{1, 0, 0}, split: 0, runElems: 16, wantFileOffset: []int64{8}},
		{name: "3-D rows", shape: []int64{3, 2, 4}, counts: []int64{2, 1, 4}, starts: []int64{0, 1, 0}, split: 1, runElems: 4, wantFileOffset: []int64{4, 12}},
		{name: "3-D strided", shape: []int64{2, 3, 4}, counts: []int64{2, 2, 1}, starts: []int64{0, 1, 3}, split: 2, runElems: 1, wantFileOffset: []int64{7, 11, 19, 23}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planRuns(tt.shape, tt.counts)
			if p.split != tt.split || p.runElems != tt.runElems {
				t.Fatalf("planRuns = split %d run %d, want split %d run %d", p.split, p.runElems, tt.split, tt.runElems)
			}
			var offs, bufs []int64
			err := forEachGroup(p, tt.starts, tt.counts, 1, func(f, b, n int64) error {
				if n != 1 {
					t.Fatalf("group of %d with maxGroup 1", n)
				}
				offs, bufs = append(offs, f), append(bufs, b)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(offs, tt.wantFileOffset) {
				t.Errorf("run file offsets %v, want %v", offs, tt.wantFileOffset)
			}
			for i, b := range bufs {
				if b != int64(i)*tt.runElems {
					t.Errorf("run %d buffer offset %d, want %d", i, b, int64(i)*tt.runElems)
				}
			}
			// Grouped iteration covers the same runs.
			var grouped []int64
			_ = forEachGroup(p, tt.starts, tt.counts, 2, func(f, b, n int64) error {
				for j := range n {
					grouped = append(grouped, f+j*groupStride(p))
				}
				return nil
			})
			if !slices.Equal(grouped, tt.wantFileOffset) {
				t.Errorf("grouped run offsets %v, want %v", grouped, tt.wantFileOffset)
			}
		})
	}
}

func TestForEachGroupStopsOnError(t *testing.T) {
	p := planRuns([]int64{4, 5}, []int64{4, 1})
	calls := 0
	stop := errors.New("stop")
	err := forEachGroup(p, []int64{0, 0}, []int64{4, 1}, 1, func(_, _, _ int64) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("forEachGroup = %v after %d calls, want stop after 2", err, calls)
	}
}
