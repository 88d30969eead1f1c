package arrayfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// numpyScript reads the files named in argv[2:] (written by this package) and
// writes new ones into argv[1] with NumPy, printing one JSON object.
const numpyScript = `
import hashlib, json, os, sys
import numpy as np

def le_sha(a):
    le = a.astype(a.dtype.newbyteorder('<'))
    return hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest()

out = {"version": np.__version__, "read": {}, "written": []}
for path in sys.argv[2:]:
    a = np.load(path, allow_pickle=False)
    out["read"][os.path.basename(path)] = {"shape": list(a.shape), "descr": a.dtype.str, "sha": le_sha(a)}

rng = np.random.default_rng(42)
cases = []
for code in ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]:
    for order in "<>":
        for shape in [(), (0,), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)]:
            cases.append((code, order, shape, None))
cases.append(("f8", "<", (6, 7), (2, 0)))
cases.append(("i2", ">", (9,), (2, 0)))
for i, (code, order, shape, version) in enumerate(cases):
    if code == "b1":
        a = rng.integers(0, 2, size=shape).astype(bool)
    elif code[0] == "f":
        a = rng.standard_normal(size=shape).astype(order + code)
    else:
        info = np.iinfo(np.dtype(code))
        a = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=np.dtype(code)).astype(order + code)
    name = "np%d.npy" % i
    path = os.path.join(sys.argv[1], name)
    if version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
    out["written"].append({"name": name, "shape": list(shape), "descr": a.dtype.str,
                           "version": version[0] if version else 0, "sha": le_sha(a)})
f = np.asfortranarray(np.arange(12.0).reshape(3, 4))
np.save(os.path.join(sys.argv[1], "fortran.npy"), f)
print(json.dumps(out))
`

// numpyPython returns an interpreter that imports numpy: python3 on PATH,
// else the system's /usr/bin/python3 (where Debian's python3-numpy lives),
// or "" when there is none.
func numpyPython(ctx context.Context) string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		if err := exec.CommandContext(ctx, p, "-c", "import numpy").Run(); err == nil {
			return p
		}
	}
	return ""
}

// TestNumPyCrossCheck checks files this package writes against NumPy's
// reader and files NumPy writes against this package's reader, including
// that headers are byte-identical. It runs only where python3 with numpy is
// already installed and skips otherwise.
func TestNumPyCrossCheck(t *testing.T) {
	ctx := t.Context()
	python := numpyPython(ctx)
	if python == "" {
		t.Skip("no python3 with numpy found (PATH, /usr/bin); skipping the NumPy cross-check")
	}

	// Files for NumPy to read.
	dir := t.TempDir()
	ours := map[string]refArray{}
	var paths []string
	rng := rand.New(rand.NewPCG(1, 2))
	i := 0
	for _, dt := range DTypes() {
		for _, order := range []ByteOrder{LittleEndian, BigEndian} {
			for _, shape := range [][]int64{{}, {0, 3}, {7}, {3, 5}, {2, 3, 4}, {2, 2, 3, 2}} {
				for _, version := range []int{1, 2} {
					name := fmt.Sprintf("go%d.npy", i)
					i++
					ref := newRefArray(rng, dt, shape)
					path := filepath.Join(dir, name)
					writeArray(t, path, Info{DType: dt, Shape: shape, Order: order, NPYVersion: version}, ref, nil)
					ours[name] = ref
					paths = append(paths, path)
				}
			}
		}
	}
	npDir := t.TempDir()
	cmd := exec.CommandContext(ctx, python, append([]string{"-c", numpyScript, npDir}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy script: %v\n%s", err, stderr.Bytes())
	}
	type entry struct {
		Name    string  `json:"name"`
		Shape   []int64 `json:"shape"`
		Descr   string  `json:"descr"`
		Version int     `json:"version"`
		Sha     string  `json:"sha"`
	}
	var res struct {
		Version string           `json:"version"`
		Read    map[string]entry `json:"read"`
		Written []entry          `json:"written"`
	}
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("numpy script output: %v\n%s", err, stdout)
	}
	t.Logf("numpy %s", res.Version)

	for name, ref := range ours {
		got, ok := res.Read[name]
		sum := sha256.Sum256(ref.data)
		if !ok || !slices.Equal(got.Shape, ref.shape) || got.Sha != hex.EncodeToString(sum[:]) {
			t.Errorf("numpy read %s as %+v, want shape %v of %v with sha %x", name, got, ref.shape, ref.dtype, sum)
		}
	}

	// NumPy 2 writes the growth padding this package reproduces; older
	// releases may pad differently, so headers are compared only there.
	major, _ := strconv.Atoi(strings.SplitN(res.Version, ".", 2)[0])
	for _, e := range res.Written {
		t.Run(e.Name, func(t *testing.T) {
			path := filepath.Join(npDir, e.Name)
			r, err := Open(path, nil)
			if err != nil {
				t.Fatalf("open numpy file %+v: %v", e, err)
			}
			defer r.Close()
			info := r.Info()
			if !slices.Equal(info.Shape, e.Shape) || info.DType.Descr(info.Order) != e.Descr {
				t.Fatalf("Info %+v, numpy wrote %+v", info, e)
			}
			sum, err := r.Checksum(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(sum[:]) != e.Sha {
				t.Fatalf("checksum %x, numpy says %s", sum, e.Sha)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := encodeNPYHeader(info.DType, info.Order, info.Shape, e.Version)
			if err != nil {
				t.Fatal(err)
			}
			if major >= 2 && !bytes.Equal(raw[:info.DataOffset], ours) {
				t.Fatalf("numpy header %q, ours %q", raw[:info.DataOffset], ours)
			}
		})
	}
	_, err = Open(filepath.Join(npDir, "fortran.npy"), nil)
	wantErr(t, err, "fortran_order is True", "numpy.ascontiguousarray")
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("fortran-order error %v does not match ErrUnsupported", err)
	}
}
