package storage

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test runs a child process (this test binary, re-executed with
// crashEnv set) that applies a deterministic sequence of steps to a store
// and journals each one ("B i" before, "C i" after a commit, "R i" after a
// rollback). The parent SIGKILLs it at random moments, reopens the store and
// checks that it holds exactly the result of the committed steps, plus at
// most the one step in flight, whole (or, for an in-place WriteBlock, each
// byte old or new), and no orphan array files. It then journals the outcome
// of the step in flight ("C i" or "A i") and starts the child again.

// crashEnv names the environment variable that turns the test binary into
// the crash-test child; its value is the test directory.
const crashEnv = "ETP_STORAGE_CRASH_CHILD"

const crashDS = "crash"

type crashModel struct {
	objects map[string][]byte
	arrays  map[ArrayKey]*refArray
}

func newCrashModel() *crashModel {
	return &crashModel{objects: map[string][]byte{}, arrays: map[ArrayKey]*refArray{}}
}

func (m *crashModel) clone() *crashModel {
	c := newCrashModel()
	for k, v := range m.objects {
		c.objects[k] = v
	}
	for k, v := range m.arrays {
		c.arrays[k] = &refArray{dims: v.dims, es: v.es, data: slices.Clone(v.data)}
	}
	return c
}

func (m *crashModel) arrayKeys() []ArrayKey {
	keys := make([]ArrayKey, 0, len(m.arrays))
	for k := range m.arrays {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b ArrayKey) int { return strings.Compare(a.URI+"\x00"+a.Path, b.URI+"\x00"+b.Path) })
	return keys
}

type crashOp struct {
	kind           string // putobj, delobj, putarr, createarr, write, delarr
	obj            Object
	key            ArrayKey
	meta           ArrayMeta
	starts, counts []int64
	data           []byte
}

type crashStep struct {
	tx, commit bool
	ops        []crashOp
}

func (s *crashStep) effective() bool { return !s.tx || s.commit }

// crashPlan derives step i from the model it applies to.
func crashPlan(i int, m *crashModel) crashStep {
	rng := rand.New(rand.NewPCG(0x5eed, uint64(i)))
	objs := make([]string, 0, len(m.objects))
	for u := range m.objects {
		objs = append(objs, u)
	}
	slices.Sort(objs)
	arrs := m.arrayKeys()
	uri := fmt.Sprintf("eml:///dataspace('crash')/resqml20.obj_Grid2dRepresentation(%08d-0000-0000-0000-000000000000)", i)
	newObj := func(uri string) Object {
		return Object{ObjectInfo: ObjectInfo{URI: uri, Dataspace: crashDS, Type: "resqml20.obj_Grid2dRepresentation", Title: uri},
			Data: []byte(fmt.Sprintf("<obj step='%d'/>", i))}
	}
	newArray := func(key ArrayKey) crashOp {
		kind := numericKinds[rng.IntN(len(numericKinds))]
		dims := make([]int64, 1+rng.IntN(3))
		for d := range dims {
			dims[d] = 1 + rng.Int64N(12)
		}
		if rng.IntN(8) == 0 {
			dims = []int64{1 << 16}
			kind = KindFloat64
		}
		meta := ArrayMeta{Dataspace: crashDS, Dimensions: dims, Kind: kind}
		data := make([]byte, meta.ByteSize())
		fillRandom(rng, data)
		return crashOp{kind: "putarr", key: key, meta: meta, data: data}
	}
	write := func(key ArrayKey) crashOp {
		a := m.arrays[key]
		op := crashOp{kind: "write", key: key, starts: make([]int64, len(a.dims)), counts: make([]int64, len(a.dims))}
		n := int64(a.es)
		for d, dim := range a.dims {
			op.starts[d] = rng.Int64N(dim)
			op.counts[d] = 1 + rng.Int64N(dim-op.starts[d])
			n *= op.counts[d]
		}
		op.data = make([]byte, n)
		fillRandom(rng, op.data)
		return op
	}
	r := rng.IntN(12)
	if len(arrs) > 40 && r < 8 {
		r = 11 // keep the store small: delete
	}
	switch {
	case r < 4: // a transaction of several writes
		st := crashStep{tx: true, commit: rng.IntN(4) != 0}
		st.ops = append(st.ops, crashOp{kind: "putobj", obj: newObj(uri)})
		op := newArray(ArrayKey{URI: uri, Path: "/a"})
		if rng.IntN(2) == 0 {
			// Allocate, then write in two blocks split along dimension 0.
			st.ops = append(st.ops, crashOp{kind: "createarr", key: op.key, meta: op.meta})
			h := op.meta.Dimensions[0] / 2
			rowBytes := op.meta.ByteSize() / op.meta.Dimensions[0]
			for _, part := range [][2]int64{{0, h}, {h, op.meta.Dimensions[0] - h}} {
				starts := make([]int64, len(op.meta.Dimensions))
				counts := slices.Clone(op.meta.Dimensions)
				starts[0], counts[0] = part[0], part[1]
				st.ops = append(st.ops, crashOp{kind: "write", key: op.key, starts: starts, counts: counts,
					data: op.data[part[0]*rowBytes : (part[0]+part[1])*rowBytes]})
			}
		} else {
			st.ops = append(st.ops, op)
		}
		if len(arrs) > 0 && rng.IntN(2) == 0 {
			st.ops = append(st.ops, write(arrs[rng.IntN(len(arrs))])) // copy on write
		}
		if len(objs) > 0 && rng.IntN(3) == 0 {
			st.ops = append(st.ops, crashOp{kind: "delobj", obj: newObj(objs[rng.IntN(len(objs))])})
		}
		return st
	case r < 7 && len(arrs) > 0: // in-place block write
		return crashStep{ops: []crashOp{write(arrs[rng.IntN(len(arrs))])}}
	case r < 9: // put a whole array: replace one, or a new one without object
		key := ArrayKey{URI: uri, Path: "/solo"}
		if len(arrs) > 0 && rng.IntN(2) == 0 {
			key = arrs[rng.IntN(len(arrs))]
		}
		return crashStep{ops: []crashOp{newArray(key)}}
	case r < 10: // upsert an object
		u := uri
		if len(objs) > 0 && rng.IntN(2) == 0 {
			u = objs[rng.IntN(len(objs))]
		}
		return crashStep{ops: []crashOp{{kind: "putobj", obj: newObj(u)}}}
	default: // delete an object with its arrays, or an array
		if len(objs) > 0 && rng.IntN(2) == 0 {
			return crashStep{ops: []crashOp{{kind: "delobj", obj: newObj(objs[rng.IntN(len(objs))])}}}
		}
		if len(arrs) > 0 {
			return crashStep{ops: []crashOp{{kind: "delarr", key: arrs[rng.IntN(len(arrs))]}}}
		}
		return crashStep{ops: []crashOp{{kind: "putobj", obj: newObj(uri)}}}
	}
}

func (m *crashModel) apply(st *crashStep) {
	if !st.effective() {
		return
	}
	for _, op := range st.ops {
		switch op.kind {
		case "putobj":
			m.objects[op.obj.URI] = op.obj.Data
		case "delobj":
			delete(m.objects, op.obj.URI)
			for k := range m.arrays {
				if k.URI == op.obj.URI {
					delete(m.arrays, k)
				}
			}
		case "putarr", "createarr":
			data := slices.Clone(op.data)
			if op.kind == "createarr" {
				data = make([]byte, op.meta.ByteSize())
			}
			m.arrays[op.key] = &refArray{dims: op.meta.Dimensions, es: op.meta.Kind.Size(), data: data}
		case "write":
			m.arrays[op.key].write(op.starts, op.counts, op.data)
		case "delarr":
			delete(m.arrays, op.key)
		}
	}
}

func (op *crashOp) run(rw ReadWriter) error {
	var err error
	switch op.kind {
	case "putobj":
		_, err = rw.PutObject(op.obj)
	case "delobj":
		err = rw.DeleteObject(op.obj.URI)
	case "putarr":
		_, err = rw.PutArray(op.key, op.meta, op.data)
	case "createarr":
		_, err = rw.CreateArray(op.key, op.meta)
	case "write":
		err = rw.WriteBlock(op.key, op.starts, op.counts, op.data)
	case "delarr":
		err = rw.DeleteArray(op.key)
	}
	return err
}

// readJournal returns the journaled state of each step: 'B' (begun only),
// 'C', 'R' or 'A'. A torn last line is ignored.
func readJournal(path string) (map[int]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[int]byte{}, nil
	}
	if err != nil {
		return nil, err
	}
	status := map[int]byte{}
	lines := strings.Split(string(b), "\n")
	for _, l := range lines[:len(lines)-1] { // the last piece has no newline
		kind, num, ok := strings.Cut(l, " ")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || len(kind) != 1 || !strings.Contains("BCRA", kind) {
			return nil, fmt.Errorf("bad journal line %q", l)
		}
		if kind != "B" {
			status[n] = kind[0]
		} else if _, ok := status[n]; !ok {
			status[n] = 'B'
		}
	}
	return status, nil
}

// replay rebuilds the model of the committed steps. It returns the next step
// number and the step in flight (-1 if none).
func replay(status map[int]byte) (*crashModel, int, int, error) {
	m := newCrashModel()
	for i := 0; ; i++ {
		s, ok := status[i]
		if !ok {
			return m, i, -1, nil
		}
		if s == 'B' {
			if _, later := status[i+1]; later {
				return nil, 0, 0, fmt.Errorf("step %d unresolved but step %d journaled", i, i+1)
			}
			return m, i + 1, i, nil
		}
		st := crashPlan(i, m)
		if s == 'C' {
			m.apply(&st)
		}
	}
}

func appendJournal(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n") // one write: whole or absent
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// TestCrashChild is the child process of TestCrashRecovery; it is skipped
// in normal runs.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process of TestCrashRecovery")
	}
	if err := runCrashChild(dir); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

func runCrashChild(dir string) error {
	journal := filepath.Join(dir, "journal")
	status, err := readJournal(journal)
	if err != nil {
		return err
	}
	m, next, pending, err := replay(status)
	if err != nil {
		return err
	}
	if pending >= 0 {
		return fmt.Errorf("step %d was not resolved by the parent", pending)
	}
	db, err := Open(filepath.Join(dir, "db"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.PutDataspace(Dataspace{Path: crashDS}); err != nil {
		return err
	}
	parent := os.Getppid()
	deadline := time.Now().Add(time.Minute)
	for i := next; ; i++ {
		if os.Getppid() != parent || time.Now().After(deadline) {
			return nil // orphaned or forgotten: stop quietly
		}
		st := crashPlan(i, m)
		if err := appendJournal(journal, fmt.Sprintf("B %d", i)); err != nil {
			return err
		}
		res := "C"
		if st.tx {
			tx, err := db.Begin([]string{crashDS})
			if err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
			for _, op := range st.ops {
				if err := op.run(tx); err != nil {
					return fmt.Errorf("step %d: %s: %w", i, op.kind, err)
				}
			}
			if st.commit {
				err = tx.Commit()
			} else {
				err, res = tx.Rollback(), "R"
			}
			if err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		} else if err := st.ops[0].run(db); err != nil {
			return fmt.Errorf("step %d: %s: %w", i, st.ops[0].kind, err)
		}
		if err := appendJournal(journal, fmt.Sprintf("%s %d", res, i)); err != nil {
			return err
		}
		m.apply(&st)
	}
}

// crashCompare reports how db differs from model m.
func crashCompare(db *DB, m *crashModel) error {
	objs, _, err := db.ListObjects(crashDS, ObjectFilter{})
	if errors.Is(err, ErrNotFound) && len(m.objects) == 0 {
		err = nil // killed before the dataspace was created
	}
	if err != nil {
		return err
	}
	var got, want []string
	for _, o := range objs {
		got = append(got, o.URI)
	}
	for u := range m.objects {
		want = append(want, u)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("objects %d, want %d", len(got), len(want))
	}
	for _, u := range want {
		o, err := db.GetObject(u)
		if err != nil {
			return err
		}
		if !bytes.Equal(o.Data, m.objects[u]) {
			return fmt.Errorf("object %s: data %q, want %q", u, o.Data, m.objects[u])
		}
	}
	var keys []ArrayKey
	if err := db.view(func(s snap) error {
		return s.arr.ForEach(func(k, _ []byte) error {
			key, err := parseArrKey(k)
			keys = append(keys, key)
			return err
		})
	}); err != nil {
		return err
	}
	wantKeys := m.arrayKeys()
	slices.SortFunc(keys, func(a, b ArrayKey) int { return strings.Compare(a.URI+"\x00"+a.Path, b.URI+"\x00"+b.Path) })
	if !slices.Equal(keys, wantKeys) {
		return fmt.Errorf("%d arrays, want %d", len(keys), len(wantKeys))
	}
	for _, k := range keys {
		meta, err := db.GetArrayMeta(k)
		if err != nil {
			return err
		}
		ref := m.arrays[k]
		if !slices.Equal(meta.Dimensions, ref.dims) || meta.Kind.Size() != ref.es {
			return fmt.Errorf("array %s: shape %v x %d, want %v x %d", k, meta.Dimensions, meta.Kind.Size(), ref.dims, ref.es)
		}
		buf := make([]byte, meta.ByteSize())
		if err := db.ReadBlock(k, nil, nil, buf); err != nil {
			return err
		}
		if !bytes.Equal(buf, ref.data) {
			return fmt.Errorf("array %s: data differs", k)
		}
	}
	return nil
}

// crashVerify reopens the store after a kill, checks it and resolves the
// step in flight. It returns the number of committed steps.
// crashStats counts what the kills hit.
type crashStats struct{ inFlight, applied, torn int }

func crashVerify(t *testing.T, dir string, stats *crashStats) int {
	t.Helper()
	journal := filepath.Join(dir, "journal")
	status, err := readJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	m, _, pending, err := replay(status)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(filepath.Join(dir, "db"), nil)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	if pending < 0 {
		if err := crashCompare(db, m); err != nil {
			t.Fatalf("after kill with no step in flight: %v", err)
		}
	} else {
		st := crashPlan(pending, m)
		with := m.clone()
		with.apply(&st)
		errWithout, errWith := crashCompare(db, m), crashCompare(db, with)
		res := ""
		switch {
		case errWithout == nil:
			res = "A"
		case errWith == nil:
			res = "C"
		case !st.tx && st.ops[0].kind == "write":
			// An in-place block write was cut: each byte old or new,
			// nothing else touched. Finish it, as a client retrying would.
			op := st.ops[0]
			got := readAll(t, db, op.key)
			old, neu := m.arrays[op.key].data, with.arrays[op.key].data
			for i := range got {
				if got[i] != old[i] && got[i] != neu[i] {
					t.Fatalf("step %d: torn block write left byte %d = %d, neither old %d nor new %d", pending, i, got[i], old[i], neu[i])
				}
			}
			mixed := m.clone()
			mixed.arrays[op.key].data = got
			if err := crashCompare(db, mixed); err != nil {
				t.Fatalf("step %d: torn block write changed something else: %v", pending, err)
			}
			if err := op.run(db); err != nil {
				t.Fatal(err)
			}
			stats.torn++
			res = "C"
		default:
			t.Fatalf("step %d in flight (tx=%v commit=%v, %d ops): store matches neither outcome:\n without: %v\n with: %v",
				pending, st.tx, st.commit, len(st.ops), errWithout, errWith)
		}
		if err := appendJournal(journal, fmt.Sprintf("%s %d", res, pending)); err != nil {
			t.Fatal(err)
		}
		stats.inFlight++
		if res == "C" {
			stats.applied++
			m = with
		}
	}
	if n := arrayFiles(t, db); n != len(m.arrays) {
		t.Fatalf("%d array files for %d arrays: orphans survived Open", n, len(m.arrays))
	}
	committed := 0
	for _, s := range status {
		if s == 'C' {
			committed++
		}
	}
	return committed
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL semantics")
	}
	dir := t.TempDir()
	journal := filepath.Join(dir, "journal")
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill timing seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	const rounds = 8
	committed, stats := 0, crashStats{}
	for round := range rounds {
		before, err := readJournal(journal)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Kill either early (during start-up and Open's orphan removal) or
		// after the child has journaled some more steps, at a random moment.
		steps := 1 + rng.IntN(40)
		if round%4 == 1 {
			steps = 0
		}
		deadline := time.Now().Add(30 * time.Second)
		for steps > 0 {
			now, err := readJournal(journal)
			if err != nil {
				t.Fatal(err)
			}
			if len(now)-len(before) >= steps {
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("round %d: child made no progress:\n%s", round, out.String())
			}
			select {
			case err := <-exited:
				t.Fatalf("round %d: child exited early (%v):\n%s", round, err, out.String())
			case <-time.After(time.Millisecond):
			}
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		_ = cmd.Process.Kill()
		err = <-exited
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("round %d: child was not killed (%v):\n%s", round, err, out.String())
		}
		committed = crashVerify(t, dir, &stats)
	}
	t.Logf("%d rounds, %d committed steps; kills hit %d steps in flight: %d had taken effect, %d were torn block writes",
		rounds, committed, stats.inFlight, stats.applied, stats.torn)
	if committed < 10 {
		t.Fatalf("only %d committed steps: the crash test exercised too little", committed)
	}
}
