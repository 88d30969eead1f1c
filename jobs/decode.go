package jobs

import (
	"errors"
	"maps"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	rootKeys     = []string{"version", "servers", "defaults", "concurrency", "lock_file", "tasks", extensionKeys}
	serverKeys   = []string{"uri", "token_env", "token_file", "data_partition_id", "ca_file", "max_message_size", "compression", "sessions", "in_flight", "connect_timeout", "request_timeout", "data_dir"}
	embeddedKeys = []string{"data_dir", "max_message_size", "compression", "sessions", "in_flight", "request_timeout"}
	defaultsKeys = []string{"server", "dataspace", "retries", "timeout"}
	commonKeys   = []string{"name", "depends_on", "retries", "timeout", "server", "dataspace"}
	actionKeys   = []string{KindCreateDataspace, KindDeleteDataspace, KindPutObjects, KindGetObjects, KindDeleteObjects, KindUploadArray, KindDownloadArray, KindCopy, KindList, KindTransaction, KindImportEPC, KindExportEPC}
	taskKeys     = append(append([]string{}, commonKeys...), actionKeys...)
	// inTransactionKinds may appear inside a transaction.
	inTransactionKinds = []string{KindPutObjects, KindGetObjects, KindDeleteObjects, KindUploadArray, KindDownloadArray, KindList}
	compressions       = []string{string(CompressionAuto), string(CompressionGzip), string(CompressionNone)}
	ifExistsValues     = []string{string(IfExistsOK), string(IfExistsFail)}
	formats            = []string{string(FormatNpy), string(FormatRaw)}
	byteOrders         = []string{string(LittleEndian), string(BigEndian)}
)

const maxRetries = 100

var (
	errEmptyDim = errors.New("is empty")
	errDim      = errors.New("must be a whole number of at least 1")
	errBigDim   = errors.New("is too large")
)

func (d *decoder) decodeJob(root *yaml.Node) *Job {
	d.job = &Job{Version: Version, File: d.file, Dir: d.dir, Servers: map[string]*Server{}, Concurrency: DefaultConcurrency}
	d.tasks = map[string]*Task{}
	d.deps = map[*Task][]value{}
	d.outputs = map[string]fileUse{}
	root = d.node(root)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "", `a job file is a mapping starting with "version: 1", got %s`, kindName(root))
		return nil
	}
	m := d.mapping(root, root, "", rootKeys)
	if !d.version(m) {
		return nil
	}
	d.job.Servers[EmbeddedServer] = newServer(EmbeddedServer, Pos{}, true)
	if e, ok := m.get("servers"); ok {
		d.servers(e)
	}
	if e, ok := m.get("defaults"); ok {
		d.defaultsSection(e)
	}
	if n, ok := d.int(m, "concurrency", 1, 256); ok {
		d.job.Concurrency = n
	}
	if v, ok := d.str(m, "lock_file"); ok {
		refs := map[string]ref{}
		if p, ok := d.filePath(v, refs, "lock_file"); ok {
			d.job.LockFile = p
		}
	}
	if e, ok := d.required(m, "tasks", ""); ok {
		d.job.Tasks = d.taskList(e.val, e.key, "tasks", nil)
	}
	if d.fatal == nil {
		d.checkGraph()
	}
	return d.job
}

func (d *decoder) version(m *mapping) bool {
	e, ok := m.get("version")
	if !ok {
		if e.key != nil {
			d.errorf(e.key, "version", `has no value: write "version: 1"`)
		} else {
			d.errorf(m.at, "", `missing required key "version": add "version: 1" as the first line`)
		}
		return true // keep validating: the rest is most likely version 1
	}
	v, ok := d.scalar(e.val, "version")
	if !ok {
		return false
	}
	if strings.TrimSpace(v.text) != "1" {
		d.fail(v, "unsupported version %s: this build of etp-transfer reads version 1 only", v.quote())
		return false
	}
	return true
}

func newServer(name string, pos Pos, embedded bool) *Server {
	return &Server{
		Name:           name,
		Pos:            pos,
		Embedded:       embedded,
		MaxMessageSize: DefaultMaxMessageSize,
		Compression:    CompressionAuto,
		Sessions:       DefaultSessions,
		InFlight:       DefaultInFlight,
		ConnectTimeout: DefaultConnectTimeout,
		RequestTimeout: DefaultRequestTimeout,
		refs:           map[string]ref{},
	}
}

func (d *decoder) servers(e entry) {
	n := e.val
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "servers", "expected a mapping of server names to settings, got %s", kindName(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.node(n.Content[i])
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "servers", "expected a server name, got %s", kindName(k))
			continue
		}
		name := k.Value
		path := joinPath("servers", name)
		if err := checkName(name); err != nil {
			d.errorf(k, path, "server name %s %v", quoteShort(name), err)
			continue
		}
		if prev, dup := seen[name]; dup {
			d.errorf(k, path, "server %s is defined twice (first at line %d)", quoteShort(name), prev.Line)
			continue
		}
		seen[name] = k
		d.server(name, k, d.node(n.Content[i+1]), path)
	}
}

func (d *decoder) server(name string, key, n *yaml.Node, path string) {
	embedded := name == EmbeddedServer
	s := newServer(name, d.pos(key), embedded)
	d.job.Servers[name] = s
	m := d.mapping(n, key, path, serverKeys)
	if m == nil {
		return
	}
	if embedded {
		for _, k := range serverKeys {
			if e, ok := m.entries[k]; ok && !contains(embeddedKeys, k) {
				d.errorf(e.key, joinPath(path, k), "not used by the built-in embedded server (it takes %s)", strings.Join(embeddedKeys, ", "))
			}
		}
		if v, ok := d.str(m, "data_dir"); ok {
			if p, ok := d.filePath(v, s.refs, "data_dir"); ok {
				s.DataDir = p
			}
		}
	} else {
		if e, ok := m.entries["data_dir"]; ok {
			d.errorf(e.key, joinPath(path, "data_dir"), "only the built-in embedded server has a data_dir")
		}
		if v, ok := d.reqStr(m, "uri", " (the server's ws:// or wss:// endpoint)"); ok {
			if _, err := checkServerURI(strings.TrimSpace(v.text)); err != nil {
				d.fail(v, "%s %v", v.quote(), err)
			} else {
				s.URI = strings.TrimSpace(v.text)
			}
		}
		d.token(m, s, path)
		if v, ok := d.str(m, "data_partition_id"); ok {
			if strings.TrimSpace(v.text) == "" || hasControl(v.text) {
				d.fail(v, "must be a partition name such as opendes, got %s", v.quote())
			} else {
				s.DataPartitionID = v.text
			}
		}
		if v, ok := d.str(m, "ca_file"); ok {
			if p, ok := d.filePath(v, s.refs, "ca_file"); ok {
				s.CAFile = p
				if u, err := url.Parse(s.URI); err == nil && u.Scheme == "ws" {
					d.fail(v, "ca_file needs a wss:// uri: ws:// does not use TLS")
				}
			}
		}
		if t, ok := d.duration(m, "connect_timeout", false); ok {
			s.ConnectTimeout = t
		}
	}
	if v, ok := d.str(m, "max_message_size"); ok {
		if n, err := parseSize(v.text, v.show); err != nil {
			d.fail(v, "%s: %v", v.quote(), err)
		} else if n < MinMessageSize || n > MaxMessageSize {
			d.fail(v, "%s is out of range: use 4KiB to 1GiB", v.quote())
		} else {
			s.MaxMessageSize = n
		}
	}
	if c, ok := d.enum(m, "compression", compressions); ok {
		s.Compression = Compression(c)
	}
	if n, ok := d.int(m, "sessions", 1, 64); ok {
		s.Sessions = n
	}
	if n, ok := d.int(m, "in_flight", 1, 256); ok {
		s.InFlight = n
	}
	if t, ok := d.duration(m, "request_timeout", false); ok {
		s.RequestTimeout = t
	}
}

func (d *decoder) token(m *mapping, s *Server, path string) {
	envE, hasEnv := m.get("token_env")
	fileE, hasFile := m.get("token_file")
	if hasEnv && hasFile {
		d.errorf(fileE.key, joinPath(path, "token_file"), "set token_env or token_file, not both")
		return
	}
	if hasEnv {
		// The variable's name is taken literally: expanding it would put the
		// token itself into the job.
		n := envE.val
		p := joinPath(path, "token_env")
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, p, "expected the name of an environment variable, got %s", kindName(n))
			return
		}
		name := n.Value
		if strings.Contains(name, "$") {
			d.errorf(n, p, "takes the variable's name, e.g. token_env: ETP_TOKEN, not ${ETP_TOKEN}")
			return
		}
		if !isEnvName(name) {
			d.errorf(n, p, "%s is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", quoteShort(name))
			return
		}
		s.TokenEnv = name
		s.refs["token_env"] = ref{pos: d.pos(n), path: p, src: name, raw: name}
	}
	if hasFile {
		if v, ok := d.scalar(fileE.val, joinPath(path, "token_file")); ok {
			if p, ok := d.filePath(v, s.refs, "token_file"); ok {
				s.TokenFile = p
			}
		}
	}
}

func isEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// duration returns the duration at key; zero is accepted only if zeroOK.
func (d *decoder) duration(m *mapping, key string, zeroOK bool) (time.Duration, bool) {
	v, ok := d.str(m, key)
	if !ok {
		return 0, false
	}
	t, err := parseDuration(v.text)
	if err != nil {
		d.fail(v, "%s: %v", v.quote(), err)
		return 0, false
	}
	if t == 0 && !zeroOK {
		d.fail(v, "must be longer than 0")
		return 0, false
	}
	return t, true
}

func (d *decoder) defaultsSection(e entry) {
	m := d.mapping(e.val, e.key, "defaults", defaultsKeys)
	if m == nil {
		return
	}
	if v, ok := d.str(m, "server"); ok {
		if d.checkServerRef(v) {
			d.defaults.server = v.text
		}
	}
	if e, ok := m.entries["dataspace"]; ok {
		d.defaults.dsBad = true
		if v, ok := d.scalar(e.val, "defaults.dataspace"); ok && !isNull(e.val) {
			if err := checkDataspace(v.text); err != nil {
				d.fail(v, "dataspace %s %v", v.quote(), err)
			} else {
				d.defaults.dataspace, d.defaults.dsExpanded, d.defaults.dsBad = v.text, v.expanded, false
			}
		}
	}
	if n, ok := d.int(m, "retries", 0, maxRetries); ok {
		d.defaults.retries, d.defaults.retriesSet = n, true
	}
	if t, ok := d.duration(m, "timeout", true); ok {
		d.defaults.timeoutValue, d.defaults.timeoutSet = int64(t), true
	}
}

// checkServerRef reports a reference to an undefined server.
// literal runs f with ${...} expansion turned off.
func (d *decoder) literal(f func() (value, bool)) (value, bool) {
	saved := d.noExpand
	d.noExpand = true
	defer func() { d.noExpand = saved }()
	return f()
}

func (d *decoder) checkServerRef(v value) bool {
	if _, ok := d.job.Servers[v.text]; ok {
		return true
	}
	names := slices.Sorted(maps.Keys(d.job.Servers))
	d.fail(v, "unknown server %s%s: define it under servers (defined: %s)", v.quote(), didYouMean(v.text, names), strings.Join(names, ", "))
	return false
}

func (d *decoder) taskList(n, key *yaml.Node, path string, group *Task) []*Task {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, `expected a list of tasks ("- name: ..."), got %s`, kindName(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(key, path, "has no tasks")
		return nil
	}
	var out []*Task
	for i, c := range n.Content {
		c = d.node(c)
		if c == nil {
			return out
		}
		d.nTasks++
		if d.nTasks > MaxTasks {
			d.fatalf(c, indexPath(path, i), "more than %d tasks in one job: split the job", MaxTasks)
			return out
		}
		if t := d.task(c, indexPath(path, i), group); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// dsState tracks how a task's dataspace was chosen, for messages.
type dsState struct {
	ds       string
	set      bool
	bad      bool   // set to an invalid value, already reported
	from     string // "the task", "the transaction", "defaults.dataspace", ...
	expanded bool
}

func (s dsState) describe() string {
	if s.expanded {
		return "the dataspace set by " + s.from
	}
	return "dataspace " + quoteShort(s.ds) + " (from " + s.from + ")"
}

func (d *decoder) task(n *yaml.Node, path string, group *Task) *Task {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, `expected a task (a mapping with "name" and one action), got %s`, kindName(n))
		return nil
	}
	m := d.mapping(n, n, path, taskKeys)
	t := &Task{Pos: d.pos(n), path: path, refs: map[string]ref{}}
	if group != nil {
		t.InTransaction = group.Name
	}
	// Names are identifiers, taken literally: ${...} is not expanded in them.
	if v, ok := d.literal(func() (value, bool) { return d.reqStr(m, "name", "") }); ok {
		if strings.Contains(v.text, "${") {
			d.fail(v, "task names are taken literally: ${...} is not expanded in names or depends_on")
		} else if err := checkName(v.text); err != nil {
			d.fail(v, "task name %s %v", v.quote(), err)
		} else if prev, dup := d.tasks[v.text]; dup && prev.Pos == t.Pos {
			d.fail(v, "task %s is used again through a YAML alias: each task must appear once", v.quote())
		} else if dup {
			d.fail(v, "duplicate task name %s (first used at %s)", v.quote(), prev.Pos)
		} else {
			t.Name = v.text
			d.tasks[t.Name] = t
		}
	}
	var deps []value
	var depsOK bool
	d.literal(func() (value, bool) { deps, depsOK = d.list(m, "depends_on", false); return value{}, false })
	if depsOK {
		d.deps[t] = deps
		for _, v := range deps {
			t.DependsOn = append(t.DependsOn, v.text)
		}
	}

	ds := dsState{}
	if group != nil {
		for _, k := range []string{"retries", "timeout", "server", "dataspace"} {
			if e, ok := m.entries[k]; ok {
				d.errorf(e.key, joinPath(path, k), "not allowed inside a transaction: the transaction task's %s applies", k)
			}
		}
		t.Server = group.Server
		ds = dsState{bad: true} // the transaction's missing dataspace is reported once
		if group.Dataspace != "" {
			ds = dsState{ds: group.Dataspace, set: true, from: "the transaction " + quoteShort(group.Name)}
		}
	} else {
		t.Retries, t.Timeout, t.Server = DefaultRetries, 0, EmbeddedServer
		if d.defaults.retriesSet {
			t.Retries = d.defaults.retries
		}
		if d.defaults.timeoutSet {
			t.Timeout = time.Duration(d.defaults.timeoutValue)
		}
		if d.defaults.server != "" {
			t.Server = d.defaults.server
		}
		if n, ok := d.int(m, "retries", 0, maxRetries); ok {
			t.Retries = n
		}
		if to, ok := d.duration(m, "timeout", true); ok {
			t.Timeout = to
		}
		if v, ok := d.str(m, "server"); ok && d.checkServerRef(v) {
			t.Server = v.text
		}
		if d.defaults.dataspace != "" {
			ds = dsState{ds: d.defaults.dataspace, set: true, from: "defaults.dataspace", expanded: d.defaults.dsExpanded}
		} else if d.defaults.dsBad {
			ds = dsState{bad: true}
		}
		if e, ok := m.entries["dataspace"]; ok && !isNull(e.val) {
			ds = dsState{bad: true}
		}
		if v, ok := d.str(m, "dataspace"); ok {
			if err := checkDataspace(v.text); err != nil {
				d.fail(v, "dataspace %s %v", v.quote(), err)
			} else {
				ds = dsState{ds: v.text, set: true, from: "the task's dataspace", expanded: v.expanded}
			}
		}
	}

	var action entry
	var kind string
	for _, k := range actionKeys {
		e, ok := m.entries[k]
		if !ok {
			continue
		}
		if kind != "" {
			d.errorf(e.key, joinPath(path, k), "a task has exactly one action, this one has %s and %s: split it into two tasks", kind, k)
			continue
		}
		kind, action = k, e
	}
	if kind == "" {
		misspelt := false
		for _, k := range actionKeys {
			misspelt = misspelt || m.typos[k]
		}
		if !misspelt {
			d.errorf(n, path, "no action: add exactly one of %s", strings.Join(actionKeys, ", "))
		}
		return t
	}
	apath := joinPath(path, kind)
	if group != nil && !contains(inTransactionKinds, kind) {
		d.errorf(action.key, apath, "%s is not allowed inside a transaction (allowed: %s)", kind, strings.Join(inTransactionKinds, ", "))
		return t
	}
	a := &actx{d: d, t: t, kind: kind, key: action.key, path: apath, ds: ds}
	switch kind {
	case KindCreateDataspace:
		a.createDataspace(action.val)
	case KindDeleteDataspace:
		a.deleteDataspace(action.val)
	case KindPutObjects:
		a.putObjects(action.val)
	case KindGetObjects:
		a.getObjects(action.val)
	case KindDeleteObjects:
		a.deleteObjects(action.val)
	case KindUploadArray:
		a.uploadArray(action.val)
	case KindDownloadArray:
		a.downloadArray(action.val)
	case KindCopy:
		a.copy(action.val)
	case KindList:
		a.list(action.val)
	case KindTransaction:
		a.transaction(action.val)
	case KindImportEPC:
		a.importEPC(action.val)
	case KindExportEPC:
		a.exportEPC(action.val)
	}
	return t
}

// actx decodes one action of task t.
type actx struct {
	d         *decoder
	t         *Task
	kind      string
	key       *yaml.Node
	path      string
	ds        dsState
	uriFailed bool // a URI was invalid: its dataspace is unknown
}

func (a *actx) mapping(n *yaml.Node, keys []string) *mapping {
	m := a.d.mapping(n, a.key, a.path, keys)
	if m == nil {
		// Still produce the action, so the task has a kind; errors are recorded.
		return &mapping{at: a.key, path: a.path, entries: map[string]entry{}}
	}
	return m
}

// needDataspace sets the task's dataspace or reports that there is none.
func (a *actx) needDataspace() {
	if a.ds.set {
		a.t.Dataspace = a.ds.ds
		return
	}
	if a.uriFailed || a.ds.bad {
		return
	}
	a.d.errorf(a.key, a.path, "%s needs a dataspace: set dataspace on the task or in defaults", a.kind)
}

// objectURI validates a data object URI and ties its dataspace to the task's.
func (a *actx) objectURI(v value) (string, bool) {
	text := strings.TrimSpace(v.text)
	u, err := parseObjectURI(text, v.show)
	if err != nil {
		a.d.fail(v, "%s: %v", v.quote(), err)
		a.uriFailed = true
		return "", false
	}
	if a.ds.bad {
		return text, true
	}
	if !a.ds.set {
		a.ds = dsState{ds: u.dataspace, set: true, from: "the URI at line " + strconv.Itoa(v.node.Line), expanded: v.expanded}
		return text, true
	}
	if u.dataspace != a.ds.ds {
		ds := "the default dataspace"
		if u.dataspace != "" {
			ds = "dataspace " + v.show(u.dataspace)
		}
		a.d.fail(v, "the URI is in %s but the task works in %s: give the task a dataspace matching its URIs, or split it", ds, a.ds.describe())
		return "", false
	}
	return text, true
}

func (a *actx) uris(m *mapping, key string, required bool) []string {
	var vs []value
	var ok bool
	if required {
		if _, ok := a.d.required(m, key, ""); !ok {
			return nil
		}
	}
	vs, ok = a.d.list(m, key, true)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		u, ok := a.objectURI(v)
		if !ok {
			continue
		}
		if seen[u] {
			a.d.fail(v, "URI %s is listed twice", v.quote())
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}

func (a *actx) types(m *mapping, key string) []string {
	vs, ok := a.d.list(m, key, false)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range vs {
		text := strings.TrimSpace(v.text)
		if err := checkQualifiedType(text, v.show); err != nil {
			a.d.fail(v, "%s: %v", v.quote(), err)
			continue
		}
		out = append(out, text)
	}
	return out
}

// dataspaceKey handles the dataspace key of create_dataspace and delete_dataspace.
func (a *actx) dataspaceKey(m *mapping) {
	v, ok := a.d.str(m, "dataspace")
	if ok {
		if err := checkDataspace(v.text); err != nil {
			a.d.fail(v, "dataspace %s %v", v.quote(), err)
			return
		}
		if a.ds.set && a.ds.from == "the task's dataspace" {
			a.d.fail(v, "the dataspace is set twice, here and on the task: keep one")
			return
		}
		a.ds = dsState{ds: v.text, set: true, from: a.path + ".dataspace", expanded: v.expanded}
	}
	a.needDataspace()
}

func (a *actx) createDataspace(n *yaml.Node) {
	m := a.mapping(n, []string{"dataspace", "if_exists", "legal_tags", "other_relevant_data_countries", "owners", "viewers"})
	c := &CreateDataspace{IfExists: IfExistsOK}
	a.t.CreateDataspace = c
	a.dataspaceKey(m)
	if s, ok := a.d.enum(m, "if_exists", ifExistsValues); ok {
		c.IfExists = IfExists(s)
	}
	c.LegalTags = a.strings(m, "legal_tags")
	c.OtherRelevantDataCountries = a.strings(m, "other_relevant_data_countries")
	c.Owners = a.strings(m, "owners")
	c.Viewers = a.strings(m, "viewers")
}

// strings returns a list of non-empty strings.
func (a *actx) strings(m *mapping, key string) []string {
	vs, ok := a.d.list(m, key, false)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v.text) == "" || hasControl(v.text) {
			a.d.fail(v, "expected a non-empty name, got %s", v.quote())
			continue
		}
		out = append(out, v.text)
	}
	return out
}

func (a *actx) deleteDataspace(n *yaml.Node) {
	m := a.mapping(n, []string{"dataspace", "if_missing"})
	c := &DeleteDataspace{IfMissing: IfExistsOK}
	a.t.DeleteDataspace = c
	a.dataspaceKey(m)
	if s, ok := a.d.enum(m, "if_missing", ifExistsValues); ok {
		c.IfMissing = IfExists(s)
	}
}

func (a *actx) putObjects(n *yaml.Node) {
	m := a.mapping(n, []string{"files"})
	p := &PutObjects{}
	a.t.PutObjects = p
	a.needDataspace()
	if _, ok := a.d.required(m, "files", ` (glob patterns such as "data/*.xml")`); !ok {
		return
	}
	vs, ok := a.d.list(m, "files", true)
	if !ok {
		return
	}
	for _, v := range vs {
		if err := checkGlob(v.text); err != nil {
			a.d.fail(v, "%s: %v", v.quote(), err)
			continue
		}
		if f, ok := a.d.filePath(v, a.t.refs, indexPath("put_objects.files", len(p.Files))); ok {
			p.Files = append(p.Files, f)
		}
	}
}

func (a *actx) getObjects(n *yaml.Node) {
	m := a.mapping(n, []string{"uris", "types", "dir"})
	g := &GetObjects{}
	a.t.GetObjects = g
	switch {
	case m.has("uris") && m.has("types"):
		e := m.entries["types"]
		a.d.errorf(e.key, joinPath(a.path, "types"), "set uris or types, not both")
	case m.has("uris"):
		g.URIs = a.uris(m, "uris", true)
		a.needDataspace()
	case m.has("types"):
		g.Types = a.types(m, "types")
		a.needDataspace()
	default:
		a.d.errorf(a.key, a.path, "missing uris (objects to get) or types (every object of these types)")
	}
	if v, ok := a.d.reqStr(m, "dir", " (the output directory)"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "get_objects.dir"); ok {
			g.Dir = f
		}
	}
}

func (a *actx) deleteObjects(n *yaml.Node) {
	m := a.mapping(n, []string{"uris", "prune_contained_objects"})
	x := &DeleteObjects{}
	a.t.DeleteObjects = x
	x.URIs = a.uris(m, "uris", true)
	a.needDataspace()
	if b, ok := a.d.bool(m, "prune_contained_objects"); ok {
		x.PruneContainedObjects = b
	}
}

// format returns the explicit or extension-derived array file format.
func (a *actx) format(m *mapping, file string) ArrayFormat {
	if s, ok := a.d.enum(m, "format", formats); ok {
		return ArrayFormat(s)
	}
	if strings.EqualFold(filepath.Ext(file), ".npy") {
		return FormatNpy
	}
	return FormatRaw
}

func (a *actx) arrayID(m *mapping) (uri, path string) {
	if v, ok := a.d.reqStr(m, "uri", " (the data object owning the array)"); ok {
		uri, _ = a.objectURI(v)
	}
	a.needDataspace()
	if v, ok := a.d.reqStr(m, "path", " (the path in resource, e.g. /RESQML/<uuid>/points_patch0)"); ok {
		if err := checkArrayPath(v.text); err != nil {
			a.d.fail(v, "%s %v", v.quote(), err)
		} else {
			path = v.text
		}
	}
	return uri, path
}

func (a *actx) uploadArray(n *yaml.Node) {
	m := a.mapping(n, []string{"file", "format", "uri", "path", "dtype", "shape", "byte_order"})
	u := &UploadArray{}
	a.t.UploadArray = u
	if v, ok := a.d.reqStr(m, "file", " (a .npy file, or a raw file with dtype and shape)"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "upload_array.file"); ok {
			u.File = f
		}
	}
	u.Format = a.format(m, u.File)
	u.URI, u.Path = a.arrayID(m)
	if u.File == "" && !m.has("format") {
		return // the format is unknown: do not guess which keys are missing
	}
	if u.Format == FormatNpy {
		for _, k := range []string{"dtype", "shape", "byte_order"} {
			if e, ok := m.entries[k]; ok {
				a.d.errorf(e.key, joinPath(a.path, k), "only for raw files: a .npy file's header gives it (set format: raw for a raw file)")
			}
		}
		return
	}
	u.ByteOrder = LittleEndian
	if s, ok := a.d.enum(m, "byte_order", byteOrders); ok {
		u.ByteOrder = ByteOrder(s)
	}
	if v, ok := a.d.reqStr(m, "dtype", " (raw files need dtype and shape)"); ok {
		u.DType = a.dtype(v)
	}
	if e, ok := a.d.required(m, "shape", " (raw files need dtype and shape, e.g. shape: [100, 200])"); ok {
		u.Shape = a.shape(e, u.DType)
	}
}

func (a *actx) dtype(v value) DType {
	names := make([]string, 0, 11)
	for _, t := range DTypes() {
		names = append(names, string(t))
		if string(t) == strings.TrimSpace(v.text) {
			return t
		}
	}
	hint := didYouMean(v.text, names)
	switch strings.ToLower(strings.TrimSpace(v.text)) {
	case "double", "f8", "<f8", "float":
		hint = ` (did you mean "float64"?)`
	case "single", "f4", "<f4":
		hint = ` (did you mean "float32"?)`
	case "int", "i4", "<i4":
		hint = ` (did you mean "int32"?)`
	case "long", "i8", "<i8":
		hint = ` (did you mean "int64"?)`
	case "boolean":
		hint = ` (did you mean "bool"?)`
	}
	a.d.fail(v, "unknown dtype %s%s: use one of %s", v.quote(), hint, strings.Join(names, ", "))
	return ""
}

func (a *actx) shape(e entry, dt DType) []int64 {
	path := joinPath(a.path, "shape")
	n := e.val
	if n.Kind != yaml.SequenceNode {
		a.d.errorf(n, path, "expected a list of dimensions such as [100, 200], got %s", kindName(n))
		return nil
	}
	if len(n.Content) == 0 || len(n.Content) > MaxDims {
		a.d.errorf(n, path, "expected 1 to %d dimensions, got %d", MaxDims, len(n.Content))
		return nil
	}
	out := make([]int64, 0, len(n.Content))
	total := int64(1)
	good := true
	for i, c := range n.Content {
		c = a.d.node(c)
		if c == nil {
			return nil
		}
		v, ok := a.d.scalar(c, indexPath(path, i))
		if !ok {
			good = false
			continue
		}
		x, err := parseDim(v.text)
		if err != nil {
			a.d.fail(v, "dimension %s: %v", v.quote(), err)
			good = false
			continue
		}
		out = append(out, x)
		if total > math.MaxInt64/x {
			total = -1
		}
		if total > 0 {
			total *= x
		}
	}
	if !good {
		return nil
	}
	if size := int64(dt.Size()); total < 0 || (size > 0 && total > math.MaxInt64/size) {
		a.d.errorf(n, path, "the array is too large: its size in bytes overflows 64 bits")
		return nil
	}
	return out
}

func parseDim(s string) (int64, error) {
	var x int64
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errEmptyDim
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, errDim
		}
		if x > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, errBigDim
		}
		x = x*10 + int64(c-'0')
	}
	if x < 1 {
		return 0, errDim
	}
	return x, nil
}

func (a *actx) downloadArray(n *yaml.Node) {
	m := a.mapping(n, []string{"uri", "path", "file", "format", "byte_order", "verify_against"})
	x := &DownloadArray{}
	a.t.DownloadArray = x
	x.URI, x.Path = a.arrayID(m)
	var fileV value
	if v, ok := a.d.reqStr(m, "file", " (the output file)"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "download_array.file"); ok {
			x.File, fileV = f, v
			a.d.output(a.t, v, f)
		}
	}
	x.Format = a.format(m, x.File)
	if x.Format == FormatRaw {
		x.ByteOrder = LittleEndian
		if s, ok := a.d.enum(m, "byte_order", byteOrders); ok {
			x.ByteOrder = ByteOrder(s)
		}
	} else if e, ok := m.entries["byte_order"]; ok {
		a.d.errorf(e.key, joinPath(a.path, "byte_order"), "only for raw files: .npy files record their byte order")
	}
	if v, ok := a.d.str(m, "verify_against"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "download_array.verify_against"); ok {
			if f == x.File && fileV.node != nil {
				a.d.fail(v, "names the output file itself: compare against another file")
			} else {
				x.VerifyAgainst = f
			}
		}
	}
}

// output records a file the task writes and reports a second writer.
func (d *decoder) output(t *Task, v value, p string) {
	if prev, dup := d.outputs[p]; dup {
		d.fail(v, "task %s writes the same file (at %s): give each task its own output", quoteShort(prev.task.Name), d.pos(prev.v.node))
		return
	}
	d.outputs[p] = fileUse{task: t, v: v, path: p}
}

func (a *actx) endpoint(m *mapping, key string) (Endpoint, bool) {
	ep := Endpoint{Server: a.t.Server, Dataspace: a.ds.ds}
	dsSet := a.ds.set
	e, present := m.get(key)
	em := &mapping{at: a.key, path: joinPath(a.path, key), entries: map[string]entry{}}
	if present {
		em = a.d.mapping(e.val, e.key, joinPath(a.path, key), []string{"server", "dataspace"})
		if em == nil {
			return ep, false
		}
	}
	good := true
	if v, ok := a.d.str(em, "server"); ok {
		if a.d.checkServerRef(v) {
			ep.Server = v.text
		} else {
			good = false
		}
	}
	if v, ok := a.d.str(em, "dataspace"); ok {
		if err := checkDataspace(v.text); err != nil {
			a.d.fail(v, "dataspace %s %v", v.quote(), err)
			good = false
		} else {
			ep.Dataspace, dsSet = v.text, true
		}
	}
	if !dsSet && !a.ds.bad {
		at := a.key
		if present {
			at = e.key
		}
		a.d.errorf(at, joinPath(a.path, key), "needs a dataspace: set %s.dataspace, or dataspace on the task or in defaults", key)
		good = false
	}
	return ep, good
}

func (a *actx) copy(n *yaml.Node) {
	m := a.mapping(n, []string{"from", "to", "uris", "types", "arrays"})
	c := &Copy{Arrays: true}
	a.t.Copy = c
	from, okFrom := a.endpoint(m, "from")
	to, okTo := a.endpoint(m, "to")
	c.From, c.To = from, to
	a.t.Server, a.t.Dataspace = from.Server, from.Dataspace
	if okFrom && okTo && from == to {
		a.d.errorf(a.key, a.path, "copies a dataspace onto itself: from and to name the same server and dataspace")
	}
	if m.has("uris") {
		// URIs must be in the source dataspace.
		a.ds = dsState{ds: from.Dataspace, set: okFrom, from: a.path + ".from"}
		c.URIs = a.uris(m, "uris", true)
	}
	if m.has("types") {
		c.Types = a.types(m, "types")
	}
	if b, ok := a.d.bool(m, "arrays"); ok {
		c.Arrays = b
	}
}

func (a *actx) list(n *yaml.Node) {
	m := a.mapping(n, []string{"output", "types"})
	l := &List{}
	a.t.List = l
	a.needDataspace()
	if v, ok := a.d.str(m, "output"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "list.output"); ok {
			l.Output = f
			a.d.output(a.t, v, f)
		}
	}
	l.Types = a.types(m, "types")
}

func (a *actx) transaction(n *yaml.Node) {
	m := a.mapping(n, []string{"tasks", "message"})
	x := &Transaction{}
	a.t.Transaction = x
	a.needDataspace()
	if v, ok := a.d.str(m, "message"); ok {
		x.Message = v.text
	}
	if e, ok := a.d.required(m, "tasks", " (the tasks to run in the transaction)"); ok {
		x.Tasks = a.d.taskList(e.val, e.key, joinPath(a.path, "tasks"), a.t)
	}
}

func (a *actx) importEPC(n *yaml.Node) {
	m := a.mapping(n, []string{"file", "hdf5", "transaction", "check_references"})
	x := &ImportEPC{Transaction: true, CheckReferences: true}
	a.t.ImportEPC = x
	a.needDataspace()
	if v, ok := a.d.reqStr(m, "file", " (the .epc package to import)"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "import_epc.file"); ok {
			x.File = f
		}
	}
	if e, ok := m.get("hdf5"); ok {
		a.importHDF5(e, x)
	}
	if b, ok := a.d.bool(m, "transaction"); ok {
		x.Transaction = b
	}
	if b, ok := a.d.bool(m, "check_references"); ok {
		x.CheckReferences = b
	}
}

// importHDF5 reads import_epc.hdf5: one file for every proxy (a value, or a
// list of one), or a mapping from proxy uuid to file.
func (a *actx) importHDF5(e entry, x *ImportEPC) {
	path := joinPath(a.path, "hdf5")
	n := e.val
	switch n.Kind {
	case yaml.ScalarNode:
		if v, ok := a.d.scalar(n, path); ok {
			if f, ok := a.d.filePath(v, a.t.refs, "import_epc.hdf5"); ok {
				x.HDF5 = f
			}
		}
	case yaml.SequenceNode:
		if len(n.Content) != 1 {
			a.d.errorf(n, path, "expected one HDF5 file (used for every EpcExternalPartReference) or a mapping from EpcExternalPartReference uuid to file; a list of %d files does not say which file is whose", len(n.Content))
			return
		}
		c := a.d.node(n.Content[0])
		if c == nil {
			return
		}
		if v, ok := a.d.scalar(c, indexPath(path, 0)); ok {
			if f, ok := a.d.filePath(v, a.t.refs, "import_epc.hdf5"); ok {
				x.HDF5 = f
			}
		}
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			a.d.errorf(n, path, "the mapping is empty: map EpcExternalPartReference uuids to HDF5 files, or leave hdf5 out")
			return
		}
		seen := map[string]*yaml.Node{}
		files := map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := a.d.node(n.Content[i])
			if k == nil {
				return
			}
			if k.Kind != yaml.ScalarNode || !uuidRE.MatchString(strings.TrimSpace(k.Value)) {
				what := kindName(k)
				if k.Kind == yaml.ScalarNode {
					what = quoteShort(k.Value)
				}
				a.d.errorf(k, path, "expected the uuid of an EpcExternalPartReference as key, got %s", what)
				continue
			}
			id := strings.ToLower(strings.TrimSpace(k.Value))
			kp := joinPath(path, id)
			if prev, dup := seen[id]; dup {
				a.d.errorf(k, kp, "uuid %s is listed twice (first at line %d)", id, prev.Line)
				continue
			}
			seen[id] = k
			vn := a.d.node(n.Content[i+1])
			if vn == nil {
				return
			}
			if isNull(vn) {
				a.d.errorf(k, kp, "has no value: give the HDF5 file of this EpcExternalPartReference")
				continue
			}
			if v, ok := a.d.scalar(vn, kp); ok {
				if f, ok := a.d.filePath(v, a.t.refs, "import_epc.hdf5."+id); ok {
					files[id] = f
				}
			}
		}
		if len(files) > 0 {
			x.HDF5ByProxy = files
		}
	default:
		a.d.errorf(n, path, "expected an HDF5 file or a mapping from EpcExternalPartReference uuid to file, got %s", kindName(n))
	}
}

func (a *actx) exportEPC(n *yaml.Node) {
	m := a.mapping(n, []string{"file", "hdf5", "uris", "types", "include_referenced"})
	x := &ExportEPC{IncludeReferenced: true}
	a.t.ExportEPC = x
	switch {
	case m.has("uris") && m.has("types"):
		e := m.entries["types"]
		a.d.errorf(e.key, joinPath(a.path, "types"), "set uris or types, not both")
	case m.has("uris"):
		x.URIs = a.uris(m, "uris", true)
	case m.has("types"):
		x.Types = a.types(m, "types")
	}
	a.needDataspace()
	var fileV value
	if v, ok := a.d.reqStr(m, "file", " (the .epc package to write)"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "export_epc.file"); ok {
			x.File, fileV = f, v
			a.d.output(a.t, v, f)
		}
	}
	if v, ok := a.d.str(m, "hdf5"); ok {
		if f, ok := a.d.filePath(v, a.t.refs, "export_epc.hdf5"); ok {
			if f == x.File {
				a.d.fail(v, "names the package file itself: the arrays need a file of their own")
			} else {
				x.HDF5 = f
				a.d.output(a.t, v, f)
			}
		}
	} else if e, present := m.entries["hdf5"]; present && isNull(e.val) {
		a.d.errorf(e.key, joinPath(a.path, "hdf5"), "has no value: name the HDF5 file, or leave hdf5 out for the default (the package's name with .h5)")
	} else if x.File != "" {
		// Default: the package's name with .h5.
		raw := strings.TrimSuffix(fileV.text, filepath.Ext(fileV.text)) + ".h5"
		f := a.d.path(raw)
		switch prev, dup := a.d.outputs[f]; {
		case f == x.File:
			a.d.fail(fileV, `already ends in ".h5", the default for the HDF5 file: set hdf5 to name the arrays' file`)
		case dup:
			a.d.fail(fileV, "the default HDF5 file (the package's name with .h5) is written by task %s too (at %s): set hdf5", quoteShort(prev.task.Name), a.d.pos(prev.v.node))
		default:
			x.HDF5 = f
			a.t.refs["export_epc.hdf5"] = ref{pos: a.d.pos(fileV.node), path: fileV.path,
				src: strings.TrimSuffix(fileV.src, filepath.Ext(fileV.src)) + ".h5", raw: raw}
			a.d.outputs[f] = fileUse{task: a.t, v: fileV, path: f}
		}
	}
	if b, ok := a.d.bool(m, "include_referenced"); ok {
		x.IncludeReferenced = b
	}
}
