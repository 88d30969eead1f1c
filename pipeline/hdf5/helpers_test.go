package hdf5

import (
	"bufio"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixture is one dataset line of testdata/manifest.tsv.
type fixture struct {
	file, path string
	fields     map[string]string
	dtype      DType
	order      ByteOrder
	shape      []int64
}

func parseInts(t testing.TB, s string) []int64 {
	t.Helper()
	if s == "" {
		return []int64{}
	}
	var out []int64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			t.Fatalf("bad integer list %q: %v", s, err)
		}
		out = append(out, v)
	}
	return out
}

func readManifest(t testing.TB, dir string) []fixture {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []fixture
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		fx := fixture{file: cols[0], path: cols[1], fields: map[string]string{}}
		for _, c := range cols[2:] {
			k, v, _ := strings.Cut(c, "=")
			fx.fields[k] = v
		}
		if fx.dtype, err = ParseDType(fx.fields["dtype"]); err != nil {
			t.Fatal(err)
		}
		if fx.fields["order"] == "big" && fx.dtype.Size() > 1 {
			fx.order = BigEndian
		}
		fx.shape = parseInts(t, fx.fields["shape"])
		out = append(out, fx)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("empty manifest")
	}
	return out
}

// putValue writes v (an exact float64) converted to d as little-endian bytes,
// wrapping integers as numpy's astype does.
func putValue(b []byte, d DType, v float64) {
	switch d {
	case Float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(v)))
	case Float64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(v))
	default:
		i := uint64(int64(v))
		for k := 0; k < d.Size(); k++ {
			b[k] = byte(i >> (8 * k))
		}
	}
}

// expected returns the dataset's full contents as little-endian bytes.
func (fx fixture) expected(t testing.TB) []byte {
	t.Helper()
	n := elements(fx.shape)
	es := fx.dtype.Size()
	out := make([]byte, n*int64(es))
	gen := fx.fields["gen"]
	var a, b float64
	if gen != "bool3" {
		p := strings.Split(gen, ",")
		var err1, err2 error
		a, err1 = strconv.ParseFloat(p[1], 64)
		b, err2 = strconv.ParseFloat(p[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad gen %q", gen)
		}
	}
	value := func(i int64) float64 {
		if gen == "bool3" {
			if i%3 == 0 {
				return 1
			}
			return 0
		}
		x := float64(i) * a
		return x + b
	}
	written := func(int64) bool { return true }
	var fill float64
	if w, ok := fx.fields["written"]; ok {
		s, c, _ := strings.Cut(w, ":")
		starts, counts := parseInts(t, s), parseInts(t, c)
		var err error
		if fill, err = strconv.ParseFloat(fx.fields["fill"], 64); err != nil {
			t.Fatal(err)
		}
		written = func(i int64) bool {
			for d := len(fx.shape) - 1; d >= 0; d-- {
				x := i % fx.shape[d]
				i /= fx.shape[d]
				if x < starts[d] || x >= starts[d]+counts[d] {
					return false
				}
			}
			return true
		}
	}
	for i := int64(0); i < n; i++ {
		v := fill
		if written(i) {
			v = value(i)
		}
		putValue(out[i*int64(es):], fx.dtype, v)
	}
	return out
}

// subBox extracts the box (starts, counts) of a row-major array of shape.
func subBox(full []byte, shape, starts, counts []int64, es int64) []byte {
	out := make([]byte, elements(counts)*es)
	copyBox(out, counts, make([]int64, len(counts)), full, shape, starts, counts, es)
	return out
}
