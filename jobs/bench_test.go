package jobs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func BenchmarkParseFull(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid", "full.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	opts := &ParseOptions{Name: "full.yaml", LookupEnv: testEnv}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(string(data)), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// largeJob has n chained upload/download pairs, the shape of a big batch job.
func largeJob(n int) string {
	var s strings.Builder
	s.WriteString("version: 1\ndefaults: {dataspace: demo/quickstart, retries: 3, timeout: 30m}\ntasks:\n")
	for i := range n {
		fmt.Fprintf(&s, "  - name: up%d\n    upload_array:\n      file: data/z%d.bin\n      dtype: float64\n      shape: [100, 200]\n      uri: \"%s\"\n      path: /RESQML/%s/p%d\n", i, i, testRef, testUUID, i)
		fmt.Fprintf(&s, "  - name: down%d\n    depends_on: [up%d]\n    download_array: {uri: \"%s\", path: /RESQML/%s/p%d, file: out/z%d.npy}\n", i, i, testRef, testUUID, i, i)
	}
	return s.String()
}

func BenchmarkParse1000Tasks(b *testing.B) {
	data := largeJob(500)
	opts := &ParseOptions{Name: "large.yaml", LookupEnv: testEnv}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(data), opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkShard1000Tasks(b *testing.B) {
	j, err := Parse(strings.NewReader(largeJob(500)), &ParseOptions{LookupEnv: testEnv})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Shard(3, 8); err != nil {
			b.Fatal(err)
		}
	}
}
