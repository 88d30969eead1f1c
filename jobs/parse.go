package jobs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseOptions controls Parse and ParseFile. A nil *ParseOptions means all defaults.
// Parse never modifies the options.
type ParseOptions struct {
	// Name is the file name used in positions and messages. Default for Parse:
	// "<job>"; default for ParseFile: the path it was given.
	Name string
	// Dir is the directory relative paths in the job are resolved against, for
	// Parse. Default empty: relative paths stay relative to the process's working
	// directory. ParseFile ignores it and uses the job file's absolute directory.
	Dir string
	// LookupEnv reads environment variables for ${VAR} expansion. Default
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// NoExpandEnv turns ${VAR} expansion off: values are taken literally, "$"
	// included.
	NoExpandEnv bool
}

// maxNodes bounds the YAML values walked, aliases counted each time they are used.
const maxNodes = 500_000

// ParseFile reads and parses the job file at path; see Parse. Relative paths in
// the job are resolved against the file's directory, which is recorded as
// Job.Dir. An error opening or reading the file is returned wrapped, not as a
// *ValidationError.
func ParseFile(path string, opts *ParseOptions) (*Job, error) {
	o := ParseOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("jobs: resolve job file %s: %w", path, err)
	}
	o.Dir = filepath.Dir(abs)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jobs: open job file: %w", err)
	}
	defer f.Close()
	return Parse(f, &o)
}

// Parse reads a job from r, validates it and applies every default. Parse does
// not touch the file system; use (*Job).Check for that.
//
// When the job is invalid the error is a *ValidationError listing up to
// MaxErrors problems, each with file, line, column and a path such as
// "tasks[2].upload_array.uri". Reading more than MaxJobSize bytes is an error. An
// error reading r is returned wrapped.
//
// ${VAR} and ${VAR:-default} are expanded in each scalar value after the YAML is
// parsed, so expanded text is never read as YAML; "$$" stands for "$". Messages
// quote the job's own text, never expanded values. Parse is safe to call from
// several goroutines; it reads nothing but r and the environment.
func Parse(r io.Reader, opts *ParseOptions) (*Job, error) {
	o := ParseOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = "<job>"
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxJobSize+1))
	if err != nil {
		return nil, fmt.Errorf("jobs: read %s: %w", o.Name, err)
	}
	if len(data) > MaxJobSize {
		return nil, &ValidationError{Errors: []*FieldError{{File: o.Name,
			Msg: fmt.Sprintf("job file is larger than %d MiB", MaxJobSize>>20)}}}
	}
	root, ferr := decodeYAML(data, o.Name)
	if ferr != nil && ferr.Line > 0 && strings.Contains(ferr.Msg, "cannot start any token") {
		if lines := bytes.Split(data, []byte("\n")); ferr.Line <= len(lines) && bytes.Contains(lines[ferr.Line-1], []byte("\t")) {
			ferr.Msg += " (a tab: YAML indents with spaces only)"
		}
	}
	if ferr != nil {
		return nil, &ValidationError{Errors: []*FieldError{ferr}}
	}
	d := &decoder{
		file:     o.Name,
		dir:      o.Dir,
		lookup:   o.LookupEnv,
		noExpand: o.NoExpandEnv,
		budget:   maxNodes,
	}
	job := d.decodeJob(root)
	d.errs.sort()
	if d.fatal != nil {
		d.errs.errs = append([]*FieldError{d.fatal}, d.errs.errs...)
		if len(d.errs.errs) > MaxErrors {
			d.errs.omitted += len(d.errs.errs) - MaxErrors
			d.errs.errs = d.errs.errs[:MaxErrors]
		}
	}
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return job, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decodeYAML parses exactly one YAML document into a node tree.
func decodeYAML(data []byte, name string) (root *yaml.Node, ferr *FieldError) {
	defer func() {
		// yaml.v3 reports its own errors by panicking and recovering; anything
		// else escaping it must not crash the caller.
		if r := recover(); r != nil {
			root, ferr = nil, &FieldError{File: name, Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: name, Line: 1, Column: 1, Msg: `the job file is empty: start it with "version: 1"`}
		}
		return nil, yamlError(err, name)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: name, Line: extra.Line, Column: extra.Column,
			Msg: `a job file holds one YAML document: remove this "---" and what follows, or put it in another file`}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(err, name)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &FieldError{File: name, Line: 1, Column: 1, Msg: `the job file is empty: start it with "version: 1"`}
	}
	return doc.Content[0], nil
}

func yamlError(err error, name string) *FieldError {
	msg := err.Error()
	fe := &FieldError{File: name}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	fe.Msg = "YAML syntax error: " + msg
	return fe
}

// decoder walks the node tree of one job, collecting errors.
type decoder struct {
	file     string
	dir      string
	lookup   func(string) (string, bool)
	noExpand bool
	errs     errorList
	budget   int
	overrun  bool
	fatal    *FieldError // a limit was hit: listed first, whatever else was found

	job      *Job
	defaults taskDefaults
	tasks    map[string]*Task // every task by name, nested ones included
	nTasks   int
	deps     map[*Task][]value // depends_on entries with positions
	outputs  map[string]fileUse
}

// fileUse is a file a task reads or writes, for conflict checks.
type fileUse struct {
	task *Task
	v    value
	path string // resolved
}

// taskDefaults holds the defaults section.
type taskDefaults struct {
	server       string
	dataspace    string
	dsExpanded   bool
	dsBad        bool // set to an invalid value, already reported
	retries      int
	retriesSet   bool
	timeout      value
	timeoutValue int64
	timeoutSet   bool
}

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Column: n.Column}
}

// errorf records a problem at node n.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	p := d.pos(n)
	d.errs.add(&FieldError{File: p.File, Line: p.Line, Column: p.Column, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// fatalf records the problem that stopped the walk.
func (d *decoder) fatalf(n *yaml.Node, path, format string, args ...any) {
	if d.fatal == nil {
		p := d.pos(n)
		d.fatal = &FieldError{File: p.File, Line: p.Line, Column: p.Column, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
}

// node follows aliases and charges the walk budget. It returns nil once the
// budget is spent (the problem is reported once).
func (d *decoder) node(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 100 {
			return nil
		}
		n = n.Alias
	}
	if n == nil || d.overrun {
		return nil
	}
	d.budget--
	if d.budget < 0 {
		d.overrun = true
		d.fatalf(n, "", "the job is too large: more than %d YAML values (aliases counted each time they are used)", maxNodes)
		return nil
	}
	return n
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "the value " + quoteShort(n.Value)
	}
	return "something else"
}

// entry is one key of a mapping.
type entry struct {
	key *yaml.Node
	val *yaml.Node // aliases resolved; nil when the walk budget is spent
}

// mapping is a decoded YAML mapping with its known keys.
type mapping struct {
	at      *yaml.Node // where "missing key" problems are reported
	path    string
	entries map[string]entry
	// typos holds the keys suggested for unknown keys: a missing key that was
	// probably misspelt is not reported a second time.
	typos map[string]bool
}

// typo records the suggestion for an unknown key, returning the message suffix.
func (m *mapping) typo(name string, known []string) string {
	s := suggest(name, known)
	if s == "" {
		return ""
	}
	if m.typos == nil {
		m.typos = map[string]bool{}
	}
	m.typos[s] = true
	return ` (did you mean "` + s + `"?)`
}

// mapping decodes n as a mapping whose keys must be in known. A null n is an
// empty mapping. at is where problems with the mapping as a whole are reported
// (usually its key). It returns nil if n is not a mapping.
func (d *decoder) mapping(n, at *yaml.Node, path string, known []string) *mapping {
	m := &mapping{at: at, path: path, entries: map[string]entry{}}
	n = d.node(n)
	if n == nil || isNull(n) {
		return m
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of keys (%s), got %s", strings.Join(known, ", "), kindName(n))
		return nil
	}
	var merges []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.node(n.Content[i])
		if k == nil {
			return m
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "expected a key name, got %s", kindName(k))
			continue
		}
		name := k.Value
		if name == "<<" && k.Tag == "!!merge" {
			merges = append(merges, entry{key: k, val: n.Content[i+1]})
			continue
		}
		if strings.HasPrefix(name, "x-") && contains(known, extensionKeys) {
			continue // an extension key: free for the user's anchors, never read
		}
		if !contains(known, name) {
			d.errorf(k, joinPath(path, name), "unknown key %s%s", quoteShort(name), m.typo(name, known))
			continue
		}
		if prev, dup := m.entries[name]; dup {
			d.errorf(k, joinPath(path, name), "duplicate key %s (first set at line %d)", quoteShort(name), prev.key.Line)
			continue
		}
		m.entries[name] = entry{key: k, val: d.node(n.Content[i+1])}
	}
	for _, e := range merges {
		d.merge(m, e.key, e.val, known, 0)
	}
	return m
}

// extensionKeys in a known-key list allows keys starting with "x-", which are
// ignored; the root mapping allows them so users can keep YAML anchors there.
const extensionKeys = "x-*"

// merge applies a YAML merge key ("<<: *anchor" or "<<: [*a, *b]"): keys of the
// merged mappings that m does not set itself are added, earlier sources first.
func (d *decoder) merge(m *mapping, at, n *yaml.Node, known []string, depth int) {
	n = d.node(n)
	if n == nil {
		return
	}
	if depth > 8 {
		d.errorf(at, m.path, "merge keys (<<) nested too deeply")
		return
	}
	var sources []*yaml.Node
	switch n.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{n}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c = d.node(c); c == nil {
				return
			}
			sources = append(sources, c)
		}
	}
	for _, src := range sources {
		if src.Kind != yaml.MappingNode {
			d.errorf(at, m.path, "a merge key (<<) takes a mapping or a list of mappings, got %s", kindName(src))
			return
		}
		var nested []entry
		for i := 0; i+1 < len(src.Content); i += 2 {
			k := d.node(src.Content[i])
			if k == nil {
				return
			}
			if k.Kind != yaml.ScalarNode {
				d.errorf(k, m.path, "expected a key name, got %s", kindName(k))
				continue
			}
			name := k.Value
			if name == "<<" && k.Tag == "!!merge" {
				nested = append(nested, entry{key: k, val: src.Content[i+1]})
				continue
			}
			if _, set := m.entries[name]; set {
				continue
			}
			if !contains(known, name) {
				d.errorf(k, joinPath(m.path, name), "unknown key %s%s, merged in by the << at line %d", quoteShort(name), m.typo(name, known), at.Line)
				continue
			}
			m.entries[name] = entry{key: k, val: d.node(src.Content[i+1])}
		}
		for _, e := range nested {
			d.merge(m, e.key, e.val, known, depth+1)
		}
	}
	if len(sources) == 0 {
		d.errorf(at, m.path, "a merge key (<<) takes a mapping or a list of mappings, got %s", kindName(n))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// get returns the entry for key if it is present and not null.
func (m *mapping) get(key string) (entry, bool) {
	if m == nil {
		return entry{}, false
	}
	e, ok := m.entries[key]
	if !ok || e.val == nil || isNull(e.val) {
		return e, false
	}
	return e, true
}

// has reports whether key is present, even with a null value.
func (m *mapping) has(key string) bool {
	if m == nil {
		return false
	}
	_, ok := m.entries[key]
	return ok
}

// required reports a missing or empty required key and returns its entry.
func (d *decoder) required(m *mapping, key, hint string) (entry, bool) {
	if m == nil {
		return entry{}, false
	}
	e, ok := m.get(key)
	if ok {
		return e, true
	}
	if m.typos[key] && e.key == nil {
		return e, false // reported as a misspelt key
	}
	if e.key != nil {
		d.errorf(e.key, joinPath(m.path, key), "has no value%s", hint)
	} else {
		d.errorf(m.at, m.path, "missing required key %s%s", quoteShort(key), hint)
	}
	return e, false
}

// value is one expanded scalar.
type value struct {
	node     *yaml.Node
	path     string
	src      string // text as written in the job file
	text     string // after ${...} expansion
	expanded bool
}

// quote returns the source text for a message, marked when it was expanded.
func (v value) quote() string {
	if v.expanded {
		return quoteShort(v.src) + " (value after ${...} expansion not shown)"
	}
	return quoteShort(v.src)
}

// show returns a derived text for a message, or a placeholder when the value
// came from the environment.
func (v value) show(s string) string {
	if v.expanded {
		return "<from the environment>"
	}
	return quoteShort(s)
}

func (d *decoder) fail(v value, format string, args ...any) {
	d.errorf(v.node, v.path, format, args...)
}

// scalar decodes n as a scalar and expands it.
func (d *decoder) scalar(n *yaml.Node, path string) (value, bool) {
	v := value{node: n, path: path}
	if n == nil {
		return v, false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "expected a single value, got %s", kindName(n))
		return v, false
	}
	v.src, v.text = n.Value, n.Value
	if d.noExpand || !strings.Contains(n.Value, "$") {
		return v, true
	}
	text, err := expandEnv(n.Value, d.lookup)
	if err != nil {
		d.errorf(n, path, "in %s: %v", quoteShort(n.Value), err)
		return v, false
	}
	v.text = text
	v.expanded = text != n.Value
	return v, true
}

// str returns the expanded scalar at key, if present.
func (d *decoder) str(m *mapping, key string) (value, bool) {
	e, ok := m.get(key)
	if !ok {
		return value{}, false
	}
	return d.scalar(e.val, joinPath(m.path, key))
}

// reqStr returns the expanded scalar at a required key.
func (d *decoder) reqStr(m *mapping, key, hint string) (value, bool) {
	e, ok := d.required(m, key, hint)
	if !ok {
		return value{}, false
	}
	return d.scalar(e.val, joinPath(m.path, key))
}

// int returns the integer at key, which must be within [lo, hi].
func (d *decoder) int(m *mapping, key string, lo, hi int) (int, bool) {
	v, ok := d.str(m, key)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.text))
	if err != nil || n < lo || n > hi {
		d.fail(v, "expected an integer from %d to %d, got %s", lo, hi, v.quote())
		return 0, false
	}
	return n, true
}

// bool returns the boolean at key.
func (d *decoder) bool(m *mapping, key string) (bool, bool) {
	v, ok := d.str(m, key)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v.text)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.fail(v, "expected true or false, got %s", v.quote())
	return false, false
}

// enum returns the value at key, which must be one of allowed.
func (d *decoder) enum(m *mapping, key string, allowed []string) (string, bool) {
	v, ok := d.str(m, key)
	if !ok {
		return "", false
	}
	if contains(allowed, v.text) {
		return v.text, true
	}
	d.fail(v, "unknown value %s: use one of %s%s", v.quote(), strings.Join(allowed, ", "), didYouMean(v.text, allowed))
	return "", false
}

// list returns the scalars at key: a YAML list, or a single value standing for a
// one-element list. Bad entries are reported and left out; ok is false only when
// the key is absent or not a list. With nonEmpty, an empty list is reported.
func (d *decoder) list(m *mapping, key string, nonEmpty bool) ([]value, bool) {
	e, ok := m.get(key)
	if !ok {
		return nil, false
	}
	path := joinPath(m.path, key)
	if e.val.Kind == yaml.ScalarNode {
		v, ok := d.scalar(e.val, path)
		if !ok {
			return nil, false
		}
		return []value{v}, true
	}
	if e.val.Kind != yaml.SequenceNode {
		d.errorf(e.val, path, "expected a list, got %s", kindName(e.val))
		return nil, false
	}
	if nonEmpty && len(e.val.Content) == 0 {
		d.errorf(e.val, path, "the list is empty")
	}
	out := make([]value, 0, len(e.val.Content))
	for i, c := range e.val.Content {
		c = d.node(c)
		if c == nil {
			return out, true
		}
		p := indexPath(path, i)
		if isNull(c) {
			d.errorf(c, p, "empty list entry")
			continue
		}
		if v, ok := d.scalar(c, p); ok {
			out = append(out, v)
		}
	}
	return out, true
}

// path resolves a file path from the job against its directory.
func (d *decoder) path(p string) string {
	p = filepath.FromSlash(p)
	if d.dir == "" || filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// file returns a resolved file path at key, recording a ref under name.
func (d *decoder) filePath(v value, refs map[string]ref, name string) (string, bool) {
	t := v.text
	switch {
	case strings.TrimSpace(t) == "":
		d.fail(v, "must not be empty")
		return "", false
	case hasControl(t):
		d.fail(v, "contains control characters")
		return "", false
	case strings.HasPrefix(t, "~"):
		d.fail(v, `"~" is not expanded: write the path in full or use ${HOME}`)
		return "", false
	}
	p := d.path(t)
	refs[name] = ref{pos: d.pos(v.node), path: v.path, src: v.src, raw: t}
	return p, true
}
