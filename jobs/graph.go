package jobs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// checkGraph validates depends_on: names exist in the same scope (top level, or
// one transaction), no duplicates, no cycles.
func (d *decoder) checkGraph() {
	d.checkScope(d.job.Tasks, nil)
	for _, t := range d.job.Tasks {
		if t.Transaction != nil {
			d.checkScope(t.Transaction.Tasks, t)
		}
	}
}

func (d *decoder) checkScope(tasks []*Task, group *Task) {
	scope := map[string]*Task{}
	var names []string
	for _, t := range tasks {
		if t.Name != "" {
			scope[t.Name] = t
			names = append(names, t.Name)
		}
	}
	edges := map[*Task][]edge{}
	for _, t := range tasks {
		seen := map[string]bool{}
		for _, v := range d.deps[t] {
			name := v.text
			switch {
			case name == "":
				d.fail(v, "empty task name")
			case seen[name]:
				d.fail(v, "task %s is listed twice", v.quote())
			case name == t.Name:
				d.fail(v, "a task cannot depend on itself")
			case scope[name] != nil:
				edges[t] = append(edges[t], edge{to: scope[name], v: v})
			default:
				other := d.tasks[name]
				switch {
				case other != nil && group == nil:
					d.fail(v, "task %s is inside transaction %s: depend on the transaction task instead", v.quote(), quoteShort(other.InTransaction))
				case other != nil:
					d.fail(v, "task %s is not in this transaction: a task in a transaction depends only on tasks of the same transaction; put the dependency on the transaction task %s", v.quote(), quoteShort(group.Name))
				case strings.Contains(name, "${"):
					d.fail(v, "unknown task %s: task names are taken literally, ${...} is not expanded in depends_on", v.quote())
				default:
					d.fail(v, "unknown task %s%s", v.quote(), didYouMean(name, names))
				}
			}
			seen[name] = true
		}
	}
	d.findCycles(tasks, edges)
}

type edge struct {
	to *Task
	v  value
}

// findCycles reports each dependency cycle once, at the depends_on entry that
// closes it, walking tasks in file order so reports are deterministic.
func (d *decoder) findCycles(tasks []*Task, edges map[*Task][]edge) {
	const (
		white = iota
		grey
		black
	)
	color := map[*Task]int{}
	var stack []*Task
	var visit func(t *Task)
	visit = func(t *Task) {
		color[t] = grey
		stack = append(stack, t)
		for _, e := range edges[t] {
			switch color[e.to] {
			case white:
				visit(e.to)
			case grey:
				start := 0
				for i, s := range stack {
					if s == e.to {
						start = i
					}
				}
				var names []string
				for _, s := range stack[start:] {
					names = append(names, s.Name)
				}
				names = append(names, e.to.Name)
				d.fail(e.v, "dependency cycle: %s (each task depends on the next)", strings.Join(names, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		color[t] = black
	}
	for _, t := range tasks {
		if color[t] == white {
			visit(t)
		}
	}
}

// ErrCycle is returned (wrapped) by Order when tasks depend on each other in a cycle.
var ErrCycle = errors.New("jobs: dependency cycle")

// Order returns the top-level tasks in dependency order: a list of levels, each
// holding the tasks (in file order) whose dependencies are all in earlier levels.
// Running the levels one after the other, the tasks of a level in any order or
// at once, respects every depends_on. Tasks of a transaction are ordered with
// (*Transaction).Order. Order is safe for concurrent use; see OrderTasks for errors.
func (j *Job) Order() ([][]*Task, error) {
	return OrderTasks(j.Tasks)
}

// Order returns the transaction's tasks in dependency order, as (*Job).Order does.
func (x *Transaction) Order() ([][]*Task, error) {
	return OrderTasks(x.Tasks)
}

// OrderTasks orders any set of tasks whose dependencies are all in the set, such
// as one shard from (*Job).Shard. A dependency on a task outside the set is an
// error, as is a cycle (wrapping ErrCycle). Jobs from Parse never have cycles.
func OrderTasks(tasks []*Task) ([][]*Task, error) {
	index := make(map[string]int, len(tasks))
	for i, t := range tasks {
		if t == nil {
			return nil, fmt.Errorf("jobs: order tasks: task %d is nil", i)
		}
		if _, dup := index[t.Name]; dup {
			return nil, fmt.Errorf("jobs: order tasks: two tasks are named %q", t.Name)
		}
		index[t.Name] = i
	}
	pending := make([]int, len(tasks))
	dependents := make([][]int, len(tasks))
	for i, t := range tasks {
		seen := map[string]bool{}
		for _, dep := range t.DependsOn {
			k, ok := index[dep]
			if !ok {
				return nil, fmt.Errorf("jobs: order tasks: task %q depends on %q, which is not among the tasks", t.Name, dep)
			}
			if seen[dep] {
				continue
			}
			seen[dep] = true
			pending[i]++
			dependents[k] = append(dependents[k], i)
		}
	}
	var levels [][]*Task
	var ready []int
	for i := range tasks {
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	done := 0
	for len(ready) > 0 {
		sort.Ints(ready)
		level := make([]*Task, len(ready))
		var next []int
		for k, i := range ready {
			level[k] = tasks[i]
			for _, dep := range dependents[i] {
				pending[dep]--
				if pending[dep] == 0 {
					next = append(next, dep)
				}
			}
		}
		done += len(ready)
		levels = append(levels, level)
		ready = next
	}
	if done < len(tasks) {
		var stuck []string
		for i, t := range tasks {
			if pending[i] > 0 {
				stuck = append(stuck, t.Name)
			}
		}
		return nil, fmt.Errorf("%w among tasks %s", ErrCycle, strings.Join(stuck, ", "))
	}
	return levels, nil
}

// Shard returns worker i's share of the top-level tasks when n workers split the
// job: the n shards are pairwise disjoint and together hold every task exactly
// once. Tasks connected by depends_on (in either direction, transitively) land
// in the same shard, and a transaction's tasks travel with it. Connected groups
// are assigned largest first (by task count, nested tasks included, ties by
// file order) to the shard with the fewest tasks so far (ties to the lowest
// index), so every worker computes the same split from the same job file. The
// shard lists tasks in file order and may be empty. n must be at least 1 and i
// in [0, n); otherwise Shard returns an error. Safe for concurrent use.
func (j *Job) Shard(i, n int) ([]*Task, error) {
	if n < 1 {
		return nil, fmt.Errorf("jobs: shard: worker count %d must be at least 1", n)
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("jobs: shard: worker index %d is outside [0, %d)", i, n)
	}
	tasks := j.Tasks
	index := make(map[string]int, len(tasks))
	for k, t := range tasks {
		if t != nil {
			index[t.Name] = k
		}
	}
	parent := make([]int, len(tasks))
	for k := range parent {
		parent[k] = k
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for k, t := range tasks {
		if t == nil {
			continue
		}
		for _, dep := range t.DependsOn {
			if o, ok := index[dep]; ok {
				a, b := find(k), find(o)
				if a != b {
					// Keep the earliest task as root, so a component's key is its first task.
					if a < b {
						parent[b] = a
					} else {
						parent[a] = b
					}
				}
			}
		}
	}
	type component struct {
		first   int
		members []int
		weight  int
	}
	comps := map[int]*component{}
	var order []*component
	for k, t := range tasks {
		if t == nil {
			continue
		}
		r := find(k)
		c := comps[r]
		if c == nil {
			c = &component{first: r}
			comps[r] = c
			order = append(order, c)
		}
		c.members = append(c.members, k)
		c.weight += taskWeight(t)
	}
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].weight != order[b].weight {
			return order[a].weight > order[b].weight
		}
		return order[a].first < order[b].first
	})
	load := make([]int, n)
	var mine []int
	for _, c := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += c.weight
		if best == i {
			mine = append(mine, c.members...)
		}
	}
	sort.Ints(mine)
	out := make([]*Task, len(mine))
	for k, m := range mine {
		out[k] = tasks[m]
	}
	return out, nil
}

// taskWeight counts a task and the tasks nested in it.
func taskWeight(t *Task) int {
	w := 1
	if t.Transaction != nil {
		for _, c := range t.Transaction.Tasks {
			if c != nil {
				w += taskWeight(c)
			}
		}
	}
	return w
}
