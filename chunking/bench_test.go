package chunking

import "testing"

// shape4GiB is a 4 GiB float64 array (2^29 elements).
var shape4GiB = []int64{1024, 1024, 512}

var benchLimits = []struct {
	name  string
	limit int64
}{
	{"16MiB", 16 << 20},
	{"64KiB", 64 << 10},
}

func benchLimitsFor(limit int64) Limits {
	return Limits{
		MaxMessageSize: limit,
		Compressed:     true,
		Lengths:        LengthsOf("0", "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7)", "/RESQML/8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7/points_patch0"),
	}
}

// BenchmarkNewPlan measures planning a 4 GiB float64 array: constant work and memory
// whatever the array size.
func BenchmarkNewPlan(b *testing.B) {
	for _, bl := range benchLimits {
		b.Run(bl.name, func(b *testing.B) {
			l := benchLimitsFor(bl.limit)
			b.ReportAllocs()
			var p *Plan
			for b.Loop() {
				var err error
				if p, err = NewPlan(shape4GiB, double, l); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Len()), "blocks")
		})
	}
}

// BenchmarkPlanAllBlocks measures planning a 4 GiB float64 array and computing every
// block; memory per op is one small Starts/Counts allocation per block and nothing that
// grows with the array.
func BenchmarkPlanAllBlocks(b *testing.B) {
	for _, bl := range benchLimits {
		b.Run(bl.name, func(b *testing.B) {
			l := benchLimitsFor(bl.limit)
			b.ReportAllocs()
			var blocks int64
			for b.Loop() {
				p, err := NewPlan(shape4GiB, double, l)
				if err != nil {
					b.Fatal(err)
				}
				var elems int64
				for _, blk := range p.All() {
					elems += blk.Elements
				}
				if elems != p.Elements() {
					b.Fatalf("blocks cover %d of %d elements", elems, p.Elements())
				}
				blocks = p.Len()
			}
			b.ReportMetric(float64(blocks), "blocks")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*blocks), "ns/block")
		})
	}
}

// BenchmarkBlock measures one random-access Block call on the 64 KiB plan.
func BenchmarkBlock(b *testing.B) {
	p, err := NewPlan(shape4GiB, double, benchLimitsFor(64<<10))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		if _, err := p.Block(i); err != nil {
			b.Fatal(err)
		}
		i = (i + 7919) % p.Len()
	}
	b.ReportMetric(float64(p.Len()), "blocks")
}
