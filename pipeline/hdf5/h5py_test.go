package hdf5

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	pythonOnce sync.Once
	pythonPath string
)

// h5pyPython returns an interpreter that imports h5py, or skips the test.
// HDF5_TEST_PYTHON names one explicitly; otherwise /usr/bin/python3 (where
// Debian's python3-h5py installs) and python3 on PATH are tried.
func h5pyPython(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		cands := []string{os.Getenv("HDF5_TEST_PYTHON"), "/usr/bin/python3"}
		if p, err := exec.LookPath("python3"); err == nil {
			cands = append(cands, p)
		}
		for _, c := range cands {
			if c == "" {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := exec.CommandContext(ctx, c, "-c", "import h5py").Run()
			cancel()
			if err == nil {
				pythonPath = c
				return
			}
		}
	})
	if pythonPath == "" {
		t.Skip("no Python interpreter with h5py found (apt-get install python3-h5py, or set HDF5_TEST_PYTHON)")
	}
	return pythonPath
}

func runPython(t *testing.T, args ...string) string {
	t.Helper()
	py := h5pyPython(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", py, args[:1], err, out)
	}
	return string(out)
}

// TestFixturesRegenerated runs the committed generator with the installed
// h5py into a temporary directory and checks that those files read as the
// manifest says, so the reader is tested against whatever HDF5 version the
// machine has, not only the committed files.
func TestFixturesRegenerated(t *testing.T) {
	dir := t.TempDir()
	runPython(t, filepath.Join("testdata", "gen_fixtures.py"), dir)
	checkFixtures(t, dir)
}

const readBackScript = `
import hashlib, sys
import h5py, numpy as np
out = []
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        a = np.ascontiguousarray(obj[()])
        if a.dtype.kind != "b":
            a = a.astype(a.dtype.newbyteorder("<"))
        out.append("%s %s %s %s" % ("/" + name, a.dtype.name if a.dtype.kind != "b" else "bool",
            ",".join(str(s) for s in obj.shape), hashlib.sha256(a.tobytes()).hexdigest()))
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
for line in sorted(out):
    print(line)
`

// TestH5pyReadsWriter writes a file with Writer and has h5py read it back:
// every dataset's type, shape and content checksum must match.
func TestH5pyReadsWriter(t *testing.T) {
	h5pyPython(t)
	path := writeFile(t, 300)
	got := strings.Split(strings.TrimSpace(runPython(t, "-c", readBackScript, path)), "\n")
	var want []string
	for i, c := range writeCases {
		sum := sha256.Sum256(pattern(c.dtype, elements(c.shape), i))
		want = append(want, fmt.Sprintf("%s %s %s %s", cleanPath(c.path), c.dtype, joinInts(c.shape), hex.EncodeToString(sum[:])))
	}
	for i := 0; i < 300; i++ {
		b := make([]byte, 4)
		putValue(b, Int32, float64(i))
		sum := sha256.Sum256(b)
		want = append(want, fmt.Sprintf("/wide/n%04d int32 1 %s", i, hex.EncodeToString(sum[:])))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("h5py read:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// benchPython runs a Python script with h5py for a benchmark's input.
func benchPython(b *testing.B, script string, args ...string) {
	b.Helper()
	py := h5pyPython(b)
	out, err := exec.CommandContext(b.Context(), py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("%s: %v\n%s", py, err, out)
	}
}

func joinInts(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}
