package chunking_test

import (
	"fmt"

	"github.com/etp-transfer/etp-transfer/chunking"
)

const (
	exampleURI  = "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7)"
	examplePath = "/RESQML/8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7/points_patch0"
)

// Plan a 1000×300×200 float64 array (458 MiB) for a session whose message limit is
// 4 MiB with gzip negotiated: blocks are runs of whole 300×200 slices.
func ExampleNewPlan() {
	double := chunking.Element{Branch: chunking.ArrayOfDouble}
	p, err := chunking.NewPlan([]int64{1000, 300, 200}, double, chunking.Limits{
		MaxMessageSize: 4 << 20,
		Compressed:     true,
		Lengths:        chunking.LengthsOf("0", exampleURI, examplePath),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)
	for i, b := range p.All() {
		if i == 2 {
			break
		}
		fmt.Println(b.Starts, b.Counts, "at element", b.Offset)
	}
	// Output:
	// [1000 300 200] ArrayOfDouble: 60000000 elements in 125 blocks of up to [8 300 200] (480000 elements, message <= 3841425 bytes)
	// [0 0 0] [8 300 200] at element 0
	// [8 0 0] [8 300 200] at element 480000
}

// With the store's preferredSubarrayDimensions, blocks follow its tiles.
func ExampleNewPlan_preferred() {
	p, err := chunking.NewPlan([]int64{5, 8}, chunking.Element{Branch: chunking.ArrayOfFloat}, chunking.Limits{
		MaxMessageSize: 1 << 20,
		Preferred:      []int64{4, 4},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range p.All() {
		fmt.Println(b.Starts, b.Counts, "contiguous:", b.Contiguous)
	}
	// Output:
	// [0 0] [4 4] contiguous: false
	// [0 4] [4 4] contiguous: false
	// [4 0] [1 4] contiguous: true
	// [4 4] [1 4] contiguous: true
}

// Small arrays can go whole in one PutDataArrays / GetDataArrays.
func ExampleFitsWhole() {
	l := chunking.Limits{MaxMessageSize: 16 << 20, Lengths: chunking.LengthsOf("0", exampleURI, examplePath)}
	for _, shape := range [][]int64{{1000, 1000}, {1000, 3000}} {
		ok, err := chunking.FitsWhole(shape, chunking.Element{Branch: chunking.ArrayOfDouble}, l)
		fmt.Println(shape, ok, err)
	}
	// Output:
	// [1000 1000] true <nil>
	// [1000 3000] false <nil>
}

// Exact sizes let a codec check the message it is about to send.
func ExamplePutDataSubarraysBodySize() {
	l := chunking.LengthsOf("0", exampleURI, examplePath)
	values := []int64{1, 2, 300, -4}
	body := chunking.PutDataSubarraysBodySize(l, []int64{8}, []int64{4}, chunking.AnyArrayLongSize(values))
	fmt.Println(body, chunking.MessageSize(body, false))
	// Output:
	// 176 211
}
