package jobs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func names(ts []*Task) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func levelNames(levels [][]*Task) [][]string {
	out := make([][]string, len(levels))
	for i, l := range levels {
		out[i] = names(l)
	}
	return out
}

func task(name string, deps ...string) *Task {
	return &Task{Name: name, DependsOn: deps, List: &List{}}
}

func TestOrderTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tasks   []*Task
		want    [][]string
		wantErr string
	}{
		{name: "empty", tasks: nil, want: [][]string{}},
		{name: "independent tasks form one level in file order", tasks: []*Task{task("b"), task("a"), task("c")}, want: [][]string{{"b", "a", "c"}}},
		{name: "chain", tasks: []*Task{task("c", "b"), task("b", "a"), task("a")}, want: [][]string{{"a"}, {"b"}, {"c"}}},
		{name: "diamond", tasks: []*Task{task("a"), task("b", "a"), task("c", "a"), task("d", "c", "b")}, want: [][]string{{"a"}, {"b", "c"}, {"d"}}},
		{name: "duplicate dependency counts once", tasks: []*Task{task("a"), task("b", "a", "a")}, want: [][]string{{"a"}, {"b"}}},
		{name: "cycle", tasks: []*Task{task("a", "b"), task("b", "a"), task("c")}, wantErr: "dependency cycle among tasks a, b"},
		{name: "missing dependency", tasks: []*Task{task("a", "zz")}, wantErr: `"a" depends on "zz", which is not among the tasks`},
		{name: "duplicate names", tasks: []*Task{task("a"), task("a")}, wantErr: `two tasks are named "a"`},
		{name: "nil task", tasks: []*Task{nil}, wantErr: "task 0 is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			levels, err := OrderTasks(tc.tasks)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, %v; want error containing %q", levelNames(levels), err, tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "cycle") && !errors.Is(err, ErrCycle) {
					t.Errorf("error %v does not wrap ErrCycle", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, levelNames(levels)); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobAndTransactionOrder(t *testing.T) {
	t.Parallel()
	j := parseString(t, `version: 1
defaults: {dataspace: d}
tasks:
  - {name: last, depends_on: [tx, first], list: {}}
  - name: tx
    depends_on: [first]
    transaction:
      tasks:
        - {name: t2, depends_on: [t1], list: {}}
        - {name: t1, list: {}}
  - {name: first, list: {}}
`, nil)
	levels, err := j.Order()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"first"}, {"tx"}, {"last"}}, levelNames(levels)); diff != "" {
		t.Errorf("job order (-want +got):\n%s", diff)
	}
	inner, err := j.Task("tx").Transaction.Order()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"t1"}, {"t2"}}, levelNames(inner)); diff != "" {
		t.Errorf("transaction order (-want +got):\n%s", diff)
	}
	if j.Task("t2").InTransaction != "tx" || j.Task("nope") != nil {
		t.Errorf("Task lookup: t2 in %q, nope %v", j.Task("t2").InTransaction, j.Task("nope"))
	}
}

func TestShardArguments(t *testing.T) {
	t.Parallel()
	j := &Job{Tasks: []*Task{task("a")}}
	for _, c := range []struct{ i, n int }{{0, 0}, {-1, 2}, {2, 2}, {0, -3}} {
		if _, err := j.Shard(c.i, c.n); err == nil {
			t.Errorf("Shard(%d, %d): no error", c.i, c.n)
		}
	}
	got, err := j.Shard(0, 1)
	if err != nil || len(got) != 1 {
		t.Errorf("Shard(0, 1) = %v, %v", names(got), err)
	}
}

func TestShardBalancesComponents(t *testing.T) {
	t.Parallel()
	// Components: {a,b,c} (3), {d,e} (2), {f} (1), {g} (1), and tx with two nested tasks (3).
	j := &Job{Tasks: []*Task{
		task("a"), task("b", "a"), task("c", "b"), task("d"), task("e", "d"), task("f"), task("g"),
		{Name: "tx", Transaction: &Transaction{Tasks: []*Task{task("t1"), task("t2", "t1")}}},
	}}
	var got [][]string
	for i := range 2 {
		s, err := j.Shard(i, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(s))
	}
	// Largest first, each to the lightest shard (ties to the lower index):
	// abc(3)->0, tx(3)->1, de(2)->0, f(1)->1, g(1)->1; loads 5 and 5.
	want := [][]string{{"a", "b", "c", "d", "e"}, {"f", "g", "tx"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shards (-want +got):\n%s", diff)
	}
}

// genJob draws a job: tasks depend on random earlier tasks; some are
// transactions with nested tasks.
func genJob(t *rapid.T) *Job {
	n := rapid.IntRange(0, 60).Draw(t, "tasks")
	j := &Job{}
	for i := range n {
		tk := &Task{Name: fmt.Sprintf("t%d", i), List: &List{}}
		if i > 0 {
			deps := rapid.IntRange(0, 3).Draw(t, "deps")
			for range deps {
				if rapid.Float64Range(0, 1).Draw(t, "p") < 0.4 {
					d := rapid.IntRange(0, i-1).Draw(t, "dep")
					tk.DependsOn = append(tk.DependsOn, fmt.Sprintf("t%d", d))
				}
			}
		}
		if rapid.IntRange(0, 9).Draw(t, "tx") == 0 {
			tk.List = nil
			tk.Transaction = &Transaction{}
			for k := range rapid.IntRange(1, 4).Draw(t, "nested") {
				tk.Transaction.Tasks = append(tk.Transaction.Tasks, &Task{Name: fmt.Sprintf("t%d.%d", i, k), InTransaction: tk.Name, List: &List{}})
			}
		}
		j.Tasks = append(j.Tasks, tk)
	}
	return j
}

func TestShardProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		j := genJob(t)
		n := rapid.IntRange(1, 8).Draw(t, "workers")
		owner := map[string]int{}
		loads := make([]int, n)
		for i := range n {
			shard, err := j.Shard(i, n)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := j.Shard(i, n)
			if !cmp.Equal(names(shard), names(again)) {
				t.Fatalf("Shard(%d, %d) is not deterministic", i, n)
			}
			for k, tk := range shard {
				if prev, dup := owner[tk.Name]; dup {
					t.Fatalf("task %s is in shards %d and %d", tk.Name, prev, i)
				}
				owner[tk.Name] = i
				loads[i] += taskWeight(tk)
				if k > 0 && indexOf(j, shard[k-1].Name) > indexOf(j, tk.Name) {
					t.Fatalf("shard %d is not in file order", i)
				}
			}
			if _, err := OrderTasks(shard); err != nil {
				t.Fatalf("shard %d cannot be ordered on its own: %v", i, err)
			}
		}
		if len(owner) != len(j.Tasks) {
			t.Fatalf("shards hold %d tasks, the job %d", len(owner), len(j.Tasks))
		}
		maxComp := 0
		for _, tk := range j.Tasks {
			for _, d := range tk.DependsOn {
				if owner[d] != owner[tk.Name] {
					t.Fatalf("%s (shard %d) depends on %s (shard %d)", tk.Name, owner[tk.Name], d, owner[d])
				}
			}
		}
		for _, w := range componentWeights(j) {
			maxComp = max(maxComp, w)
		}
		lo, hi := loads[0], loads[0]
		for _, l := range loads {
			lo, hi = min(lo, l), max(hi, l)
		}
		if hi-lo > maxComp {
			t.Fatalf("unbalanced: loads %v, largest component %d", loads, maxComp)
		}
	})
}

func indexOf(j *Job, name string) int {
	for i, t := range j.Tasks {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// componentWeights computes connected component sizes independently of Shard.
func componentWeights(j *Job) []int {
	adj := map[string][]string{}
	for _, t := range j.Tasks {
		for _, d := range t.DependsOn {
			adj[t.Name] = append(adj[t.Name], d)
			adj[d] = append(adj[d], t.Name)
		}
	}
	seen := map[string]bool{}
	var out []int
	for _, t := range j.Tasks {
		if seen[t.Name] {
			continue
		}
		w := 0
		stack := []string{t.Name}
		seen[t.Name] = true
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			w += taskWeight(j.Tasks[indexOf(j, n)])
			for _, m := range adj[n] {
				if !seen[m] {
					seen[m] = true
					stack = append(stack, m)
				}
			}
		}
		out = append(out, w)
	}
	return out
}

func TestOrderProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		j := genJob(t)
		levels, err := j.Order()
		if err != nil {
			t.Fatal(err)
		}
		level := map[string]int{}
		count := 0
		for i, l := range levels {
			if len(l) == 0 {
				t.Fatalf("level %d is empty", i)
			}
			for _, tk := range l {
				level[tk.Name] = i
				count++
			}
		}
		if count != len(j.Tasks) {
			t.Fatalf("levels hold %d tasks, the job %d", count, len(j.Tasks))
		}
		for _, tk := range j.Tasks {
			for _, d := range tk.DependsOn {
				if level[d] >= level[tk.Name] {
					t.Fatalf("%s (level %d) depends on %s (level %d)", tk.Name, level[tk.Name], d, level[d])
				}
			}
		}
	})
}
