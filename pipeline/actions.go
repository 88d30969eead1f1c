package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// taskState survives the attempts of one task, so a retry resumes.
type taskState struct {
	array *transfer.State
	// arrays are the states of the arrays of an import_epc task.
	arrays map[etp.DataArrayIdentifier]*transfer.State
	// copied records the objects and arrays a copy task already moved.
	copied map[string]bool
}

// txScope is the session of an open transaction: the tasks of the group run
// on it and nowhere else.
type txScope struct {
	session *etp.Session
}

// maxObjectFile bounds the size of one data object file read by put_objects.
const maxObjectFile = 256 << 20

// attempt runs one attempt of task t.
func (r *runner) attempt(ctx context.Context, t *jobs.Task, tx *txScope, st *taskState, rep *TaskReport) error {
	if t.Transaction != nil {
		return r.transaction(ctx, t, st, rep)
	}
	if t.ImportEPC != nil {
		return r.importEPC(ctx, t, st, rep)
	}
	sessions, err := r.sessions(ctx, t.Server, tx)
	if err != nil {
		return err
	}
	s := sessions[0]
	switch {
	case t.CreateDataspace != nil:
		return createDataspace(ctx, s, t, rep)
	case t.DeleteDataspace != nil:
		return deleteDataspace(ctx, s, t, rep)
	case t.PutObjects != nil:
		return putObjects(ctx, s, t, rep)
	case t.GetObjects != nil:
		return getObjects(ctx, s, t, rep)
	case t.DeleteObjects != nil:
		return deleteObjects(ctx, s, t, rep)
	case t.UploadArray != nil:
		return r.uploadArray(ctx, sessions, t, st, rep)
	case t.DownloadArray != nil:
		return r.downloadArray(ctx, sessions, t, st, rep)
	case t.List != nil:
		return list(ctx, s, t, rep)
	case t.Copy != nil:
		return r.copy(ctx, sessions, t, st, rep)
	case t.ExportEPC != nil:
		return r.exportEPC(ctx, sessions, t, rep)
	}
	return permanent(fmt.Errorf("task has no action"))
}

// sessions returns the sessions a task runs on: the transaction's one, or
// the server's pool.
func (r *runner) sessions(ctx context.Context, server string, tx *txScope) ([]*etp.Session, error) {
	if tx != nil {
		return []*etp.Session{tx.session}, nil
	}
	p, err := r.pools.get(ctx, server)
	if err != nil {
		return nil, err
	}
	return p.all(ctx)
}

func createDataspace(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	uri := etp.DataspaceURI(t.Dataspace)
	existing, err := s.GetDataspaces(ctx)
	rep.Messages++
	if err != nil {
		return fmt.Errorf("GetDataspaces: %w", err)
	}
	if hasDataspace(existing, uri, t.Dataspace) {
		if t.CreateDataspace.IfExists == jobs.IfExistsFail {
			return permanent(fmt.Errorf("dataspace %s already exists (if_exists: fail)", uri))
		}
		return nil
	}
	now := time.Now().UnixMicro()
	ds := etp.Dataspace{URI: uri, Path: t.Dataspace, StoreCreated: now, StoreLastWrite: now, CustomData: map[string]etp.DataValue{}}
	c := t.CreateDataspace
	for k, v := range map[string][]string{"legaltags": c.LegalTags, "otherRelevantDataCountries": c.OtherRelevantDataCountries, "owners": c.Owners, "viewers": c.Viewers} {
		if len(v) > 0 {
			ds.CustomData[k] = etp.Strings(v...)
		}
	}
	_, err = s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": ds})
	rep.Messages++
	if err != nil {
		// open-etp-server answers EINVALID_ARGUMENT for an existing dataspace
		// (one created meanwhile by another run): success if it is there now.
		if etp.CodeOf(err) == etp.EInvalidArgument && c.IfExists != jobs.IfExistsFail && dataspaceExists(ctx, s, uri, t.Dataspace) {
			return nil
		}
		return fmt.Errorf("PutDataspaces %s: %w", uri, err)
	}
	return nil
}

// dataspaceExists reports whether the store lists the dataspace.
func dataspaceExists(ctx context.Context, s *etp.Session, uri, path string) bool {
	spaces, err := s.GetDataspaces(ctx)
	return err == nil && hasDataspace(spaces, uri, path)
}

func hasDataspace(spaces []etp.Dataspace, uri, path string) bool {
	return slices.ContainsFunc(spaces, func(d etp.Dataspace) bool { return d.URI == uri || d.Path == path })
}

// deleteDataspace deletes the dataspace and everything in it: its data
// objects first (so stores that refuse to delete a non-empty dataspace, the
// embedded one by default, still do it), then the dataspace.
func deleteDataspace(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	uri := etp.DataspaceURI(t.Dataspace)
	objs, err := resources(ctx, s, t.Dataspace, nil)
	rep.Messages++
	if err != nil {
		if etp.CodeOf(err) == etp.ENotFound && t.DeleteDataspace.IfMissing != jobs.IfExistsFail {
			return nil
		}
		return err
	}
	for start := 0; start < len(objs); start += 100 {
		batch := map[string]string{}
		for i, o := range objs[start:min(start+100, len(objs))] {
			batch[strconv.Itoa(start+i)] = o.URI
		}
		if _, err := s.DeleteDataObjects(ctx, batch); err != nil {
			return fmt.Errorf("delete the objects of %s: DeleteDataObjects: %w", uri, namedKeys(err, batch))
		}
		rep.Messages++
		rep.Objects += len(batch)
	}
	_, err = s.DeleteDataspaces(ctx, map[string]string{"0": uri})
	rep.Messages++
	if err != nil {
		if etp.CodeOf(err) == etp.ENotFound && t.DeleteDataspace.IfMissing != jobs.IfExistsFail {
			return nil
		}
		return fmt.Errorf("DeleteDataspaces %s: %w", uri, err)
	}
	return nil
}

// expandGlobs returns the files matching the patterns, each once, in
// pattern order and sorted within a pattern.
func expandGlobs(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, permanent(fmt.Errorf("pattern %s: %w", p, err))
		}
		if len(m) == 0 {
			return nil, permanent(fmt.Errorf("pattern %s matches no file", p))
		}
		sort.Strings(m)
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// readObjectFile reads a data object file and builds its DataObject in
// dataspace ds.
func readObjectFile(path, ds string) (etp.DataObject, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return etp.DataObject{}, permanent(err)
	}
	if fi.Size() > maxObjectFile {
		return etp.DataObject{}, permanent(fmt.Errorf("%s: %d bytes is more than the %d bytes a data object file may have", path, fi.Size(), maxObjectFile))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return etp.DataObject{}, permanent(err)
	}
	info, err := epc.Describe(data)
	if err != nil {
		return etp.DataObject{}, permanent(fmt.Errorf("%s: %w", path, err))
	}
	uuid, err := etp.ParseUUID(info.UUID)
	if err != nil {
		return etp.DataObject{}, permanent(fmt.Errorf("%s: %w", path, err))
	}
	now := time.Now().UnixMicro()
	return etp.DataObject{
		Resource: etp.Resource{URI: etp.ObjectURI(ds, info.QualifiedType, uuid), Name: info.Title,
			LastChanged: now, StoreLastWrite: now, StoreCreated: now},
		Format: "xml",
		Data:   data,
	}, nil
}

// putBatches sends objects in PutDataObjects requests of bounded size; keys
// name each object (file names or URIs) in errors.
func putBatches(ctx context.Context, s *etp.Session, objs map[string]etp.DataObject, rep *TaskReport) error {
	keys := slices.Sorted(maps.Keys(objs))
	limit := s.Info().MaxMessageSize / 2
	var failed []error
	for len(keys) > 0 {
		batch := map[string]etp.DataObject{}
		var size int64
		for len(keys) > 0 && len(batch) < 100 {
			o := objs[keys[0]]
			if len(batch) > 0 && size+int64(len(o.Data)) > limit {
				break
			}
			batch[keys[0]] = o
			size += int64(len(o.Data))
			keys = keys[1:]
		}
		_, err := s.PutDataObjects(ctx, batch)
		rep.Messages++
		if err != nil {
			var ke etp.KeyErrors
			if !errors.As(err, &ke) {
				return fmt.Errorf("PutDataObjects: %w", err)
			}
			for _, k := range slices.Sorted(maps.Keys(ke)) {
				failed = append(failed, fmt.Errorf("%s: %w", k, ke[k]))
			}
			continue
		}
		rep.Objects += len(batch)
		rep.Bytes += size
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d objects failed: %w", len(failed), len(objs), errors.Join(failed...))
	}
	return nil
}

func putObjects(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	files, err := expandGlobs(t.PutObjects.Files)
	if err != nil {
		return err
	}
	objs := make(map[string]etp.DataObject, len(files))
	for _, f := range files {
		o, err := readObjectFile(f, t.Dataspace)
		if err != nil {
			return err
		}
		objs[filepath.Base(f)] = o
	}
	rep.Objects = 0
	return putBatches(ctx, s, objs, rep)
}

// resources lists the data objects of dataspace ds of the given types (all
// when empty), using Discovery.
func resources(ctx context.Context, s *etp.Session, ds string, types []string) ([]etp.Resource, error) {
	ci := etp.ContextInfo{URI: etp.DataspaceURI(ds), Depth: 1, DataObjectTypes: types, NavigableEdges: etp.RelationshipPrimary}
	res, _, err := s.GetResources(ctx, ci, etp.ContextScopeSelf, nil)
	if err != nil {
		return res, fmt.Errorf("GetResources %s: %w", ci.URI, err)
	}
	return res, nil
}

func getObjects(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	g := t.GetObjects
	uris := g.URIs
	if len(g.Types) > 0 {
		res, err := resources(ctx, s, t.Dataspace, g.Types)
		rep.Messages++
		if err != nil {
			return err
		}
		for _, r := range res {
			uris = append(uris, r.URI)
		}
	}
	if err := os.MkdirAll(g.Dir, 0o755); err != nil {
		return permanent(err)
	}
	rep.Objects = 0
	for start := 0; start < len(uris); start += 100 {
		batch := map[string]string{}
		for i, u := range uris[start:min(start+100, len(uris))] {
			batch[strconv.Itoa(start+i)] = u
		}
		res, err := s.GetDataObjects(ctx, batch)
		rep.Messages++
		if err != nil {
			return fmt.Errorf("GetDataObjects: %w", namedKeys(err, batch))
		}
		for _, o := range res.Success {
			name, err := objectFileName(o.Resource.URI)
			if err != nil {
				return err
			}
			if err := writeFileAtomic(filepath.Join(g.Dir, name), o.Data); err != nil {
				return permanent(err)
			}
			rep.Objects++
			rep.Bytes += int64(len(o.Data))
		}
	}
	return nil
}

// namedKeys rewrites per-key errors to name the URI of each key.
func namedKeys(err error, keys map[string]string) error {
	var ke etp.KeyErrors
	if !errors.As(err, &ke) {
		return err
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(ke)) {
		errs = append(errs, fmt.Errorf("%s: %w", keys[k], ke[k]))
	}
	return errors.Join(errs...)
}

// objectFileName is the file name get_objects gives an object:
// <qualified type>.<uuid>.xml.
func objectFileName(uri string) (string, error) {
	u, err := etp.ParseURI(uri)
	if err != nil || u.IsDataspace() {
		return "", fmt.Errorf("store returned an object with URI %q, which is not a data object URI", uri)
	}
	return u.QualifiedType + "." + u.UUID + ".xml", nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func deleteObjects(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	batch := map[string]string{}
	for i, u := range t.DeleteObjects.URIs {
		batch[strconv.Itoa(i)] = u
	}
	res, err := s.DeleteDataObjects(ctx, batch)
	rep.Messages++
	if err != nil {
		return fmt.Errorf("DeleteDataObjects: %w", namedKeys(err, batch))
	}
	rep.Objects = len(res.Success)
	return nil
}

func list(ctx context.Context, s *etp.Session, t *jobs.Task, rep *TaskReport) error {
	res, err := resources(ctx, s, t.Dataspace, t.List.Types)
	rep.Messages++
	switch {
	case err != nil && etp.CodeOf(err) == etp.EResponseCountExceeded:
		// The store cut the list at its MaxResponseCount: report what came.
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the store listed only the first %d resources (ERESPONSECOUNT_EXCEEDED); filter by types to see the rest", len(res)))
	case err != nil:
		return err
	}
	type item struct {
		URI            string `json:"uri"`
		Name           string `json:"name"`
		LastChanged    string `json:"last_changed,omitempty"`
		StoreLastWrite string `json:"store_last_write,omitempty"`
	}
	items := make([]item, 0, len(res))
	for _, r := range res {
		items = append(items, item{URI: r.URI, Name: r.Name, LastChanged: micros(r.LastChanged), StoreLastWrite: micros(r.StoreLastWrite)})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].URI < items[j].URI })
	rep.Objects = len(items)
	rep.Output = items
	if t.List.Output != "" {
		b, err := json.MarshalIndent(items, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(t.List.Output), 0o755); err != nil {
			return permanent(err)
		}
		if err := writeFileAtomic(t.List.Output, append(b, '\n')); err != nil {
			return permanent(err)
		}
	}
	return nil
}

func micros(us int64) string {
	if us <= 0 {
		return ""
	}
	return time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
}

// progress returns the progress callbacks for one transfer.
func (r *runner) progress(name string, total int64) (func(int64), func(bool)) {
	if r.opts.Progress == nil {
		return nil, func(bool) {}
	}
	return r.opts.Progress.Start(name, total)
}

func (r *runner) uploadArray(ctx context.Context, ss []*etp.Session, t *jobs.Task, st *taskState, rep *TaskReport) error {
	a := t.UploadArray
	src, err := openUpload(a)
	if err != nil {
		return permanent(err)
	}
	defer src.Close()
	if st.array == nil {
		st.array = &transfer.State{}
	}
	total, _ := src.Info().DataSize()
	add, done := r.progress(t.Name, total)
	id := etp.DataArrayIdentifier{URI: a.URI, PathInResource: a.Path}
	stats, err := transfer.Upload(ctx, clients(ss), id, src, &transfer.Options{
		InFlight: r.job.Servers[t.Server].InFlight, Progress: add, State: st.array})
	done(err == nil)
	rep.Bytes += stats.Bytes
	rep.Messages += stats.Messages
	return arrayError(a.URI, a.Path, err)
}

func (r *runner) downloadArray(ctx context.Context, ss []*etp.Session, t *jobs.Task, st *taskState, rep *TaskReport) error {
	a := t.DownloadArray
	if err := os.MkdirAll(filepath.Dir(a.File), 0o755); err != nil {
		return permanent(err)
	}
	var w *arrayfile.Writer
	defer func() {
		if w != nil {
			w.Close() // removes the partial file unless committed
		}
	}()
	var add func(int64)
	done := func(bool) {}
	create := func(et transfer.ElementType, shape []int64) (transfer.Sink, error) {
		info := arrayfile.Info{Format: arrayfile.Format(a.Format), DType: et.DType, Shape: shape}
		if a.ByteOrder == jobs.BigEndian {
			info.Order = arrayfile.BigEndian
		}
		var err error
		if w, err = arrayfile.Create(a.File, info, nil); err != nil {
			return nil, permanent(err)
		}
		total, _ := info.DataSize()
		add, done = r.progress(t.Name, total)
		return w, nil
	}
	// A download restarts from scratch on retry: the partial file of a failed
	// attempt is removed.
	id := etp.DataArrayIdentifier{URI: a.URI, PathInResource: a.Path}
	stats, err := transfer.Download(ctx, clients(ss), id, create, &transfer.Options{
		InFlight: r.job.Servers[t.Server].InFlight, Progress: func(n int64) {
			if add != nil {
				add(n)
			}
		}})
	done(err == nil)
	rep.Bytes += stats.Bytes
	rep.Messages += stats.Messages
	if err != nil {
		return arrayError(a.URI, a.Path, err)
	}
	if a.VerifyAgainst != "" {
		if err := verify(ctx, w, a.VerifyAgainst); err != nil {
			return permanent(arrayError(a.URI, a.Path, err))
		}
	}
	return w.Commit()
}

// verify compares the downloaded (not yet committed) file with the
// reference file element by element, through checksums of both.
func verify(ctx context.Context, w *arrayfile.Writer, reference string) error {
	ref, err := arrayfile.Open(reference, nil)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer ref.Close()
	info := w.Info()
	got, err := arrayfile.Open(w.TempPath(), &arrayfile.OpenOptions{Format: info.Format, DType: info.DType, Shape: info.Shape, Order: info.Order})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer got.Close()
	ri := ref.Info()
	if ri.DType != info.DType || !slices.Equal(ri.Shape, info.Shape) {
		return fmt.Errorf("verify: downloaded %v %v, but %s holds %v %v", info.DType, info.Shape, reference, ri.DType, ri.Shape)
	}
	a, err := ref.Checksum(ctx, 1<<20)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	b, err := got.Checksum(ctx, 1<<20)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if a != b {
		return fmt.Errorf("verify: the downloaded array differs from %s (sha256 %x, want %x); nothing was written", reference, b[:8], a[:8])
	}
	return nil
}

// transaction runs a group of tasks in one ETP transaction on a session of
// its own: committed when every task succeeded, rolled back otherwise (also
// when the run is interrupted).
func (r *runner) transaction(ctx context.Context, t *jobs.Task, st *taskState, rep *TaskReport) error {
	sessions, finish, err := r.writeSessions(ctx, t, true, t.Transaction.Message, rep)
	if err != nil {
		return err
	}
	subs := r.runGraph(ctx, t.Transaction.Tasks, r.job.Concurrency, &txScope{session: sessions[0]})
	rep.Tasks = subs
	var failed []string
	var firstErr error
	for _, sub := range subs {
		rep.Bytes += sub.Bytes
		rep.Messages += sub.Messages
		if sub.Status != StatusOK {
			failed = append(failed, sub.Name)
			if firstErr == nil {
				firstErr = sub.err
			}
		}
	}
	if len(failed) == 0 && ctx.Err() == nil {
		return finish(true)
	}
	rerr := finish(false)
	cause := fmt.Errorf("rolled back: task %s did not succeed: %w", strings.Join(failed, ", "), firstErr)
	if len(failed) == 0 {
		cause = fmt.Errorf("rolled back: %w", context.Cause(ctx))
	}
	if rerr != nil {
		return fmt.Errorf("%w; and the rollback failed: %v", cause, rerr)
	}
	// The tasks already report their own errors; a retry reruns the group.
	return cause
}
