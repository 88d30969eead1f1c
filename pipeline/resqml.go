package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/hdf5"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// hdf5Source is an HDF5 dataset read block by block, as a transfer.Source.
// A scalar (0-D) dataset is seen as one element of shape [1], since ETP
// arrays have at least one dimension.
type hdf5Source struct {
	d      *hdf5.Dataset
	info   arrayfile.Info
	scalar bool
}

func newHDF5Source(d *hdf5.Dataset) *hdf5Source {
	hi := d.Info()
	s := &hdf5Source{d: d, info: arrayfile.Info{Format: arrayfile.FormatRaw, DType: hi.DType, Shape: hi.Shape}}
	if len(hi.Shape) == 0 {
		s.scalar, s.info.Shape = true, []int64{1}
	}
	return s
}

func (s *hdf5Source) Info() arrayfile.Info { return s.info }

func (s *hdf5Source) ReadBlock(starts, counts []int64, dst []byte) error {
	if s.scalar {
		return s.d.ReadBlock(nil, nil, dst)
	}
	return s.d.ReadBlock(starts, counts, dst)
}

// importArray is one array of a package to upload.
type importArray struct {
	id    etp.DataArrayIdentifier
	src   *hdf5Source
	bytes int64
}

// importEPC loads an EPC package and the HDF5 arrays it refers to into the
// task's dataspace: every data object with PutDataObjects, every array
// through the array path, by default in one transaction. Everything is
// checked first (dangling references, missing HDF5 files or datasets,
// unsupported element types), so a bad package writes nothing.
func (r *runner) importEPC(ctx context.Context, t *jobs.Task, st *taskState, rep *TaskReport) error {
	a := t.ImportEPC
	pkg, err := epc.Open(ctx, a.File, nil)
	if err != nil {
		return permanent(err)
	}
	defer pkg.Close()
	files := map[string]*hdf5.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var problems []string
	if a.CheckReferences {
		for _, d := range pkg.Dangling() {
			problems = append(problems, d.String())
		}
	}
	objs := map[string]etp.DataObject{}
	var arrays []importArray
	seen := map[etp.DataArrayIdentifier]bool{}
	now := time.Now().UnixMicro()
	for _, o := range pkg.Objects() {
		data, err := pkg.Read(o)
		if err != nil {
			return permanent(err)
		}
		uuid, err := etp.ParseUUID(o.UUID)
		if err != nil {
			return permanent(fmt.Errorf("%s: %w", o.PartName, err))
		}
		uri := etp.ObjectURI(t.Dataspace, o.QualifiedType, uuid)
		objs[o.PartName] = etp.DataObject{Format: "xml", Data: data, Resource: etp.Resource{URI: uri, Name: o.Title,
			LastChanged: now, StoreLastWrite: now, StoreCreated: now}}
		for _, ar := range o.Arrays {
			ia, err := packageArray(pkg, files, a, t.Dataspace, uri, ar)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s (%s): %v", o.Key(), ar.Where, err))
				continue
			}
			if !seen[ia.id] {
				seen[ia.id] = true
				arrays = append(arrays, ia)
			}
		}
	}
	if len(problems) > 0 && a.CheckReferences {
		return permanent(fmt.Errorf("%s: %d problems, nothing was written: %s", a.File, len(problems), summarize(problems, 10)))
	}
	for _, p := range problems {
		rep.Warnings = append(rep.Warnings, "skipped: "+p)
	}

	sessions, commit, err := r.writeSessions(ctx, t, a.Transaction, "import "+filepath.Base(a.File), rep)
	if err != nil {
		return err
	}
	defer func() {
		if err := commit(false); err != nil {
			rep.Warnings = append(rep.Warnings, "rollback failed: "+err.Error())
		}
	}()
	if err := putBatches(ctx, sessions[0], objs, rep); err != nil {
		return err
	}
	if st.arrays == nil || a.Transaction {
		st.arrays = map[etp.DataArrayIdentifier]*transfer.State{} // a rolled-back attempt left nothing
	}
	var todo []importArray
	for _, ia := range arrays {
		if st.arrays[ia.id] == nil {
			st.arrays[ia.id] = &transfer.State{}
		}
		if st.arrays[ia.id].Remaining() != 0 { // 0: done by an earlier attempt
			todo = append(todo, ia)
		}
	}
	var mu sync.Mutex
	err = arraysInParallel(ctx, len(todo), r.job.Servers[t.Server].InFlight, func(ctx context.Context, i, inFlight int) error {
		ia := todo[i]
		add, done := r.progress(t.Name+" "+ia.id.PathInResource, ia.bytes)
		stats, err := transfer.Upload(ctx, clients(sessions), ia.id, ia.src, &transfer.Options{
			InFlight: inFlight, Progress: add, State: st.arrays[ia.id]})
		done(err == nil)
		mu.Lock()
		rep.Bytes += stats.Bytes
		rep.Messages += stats.Messages
		mu.Unlock()
		return arrayError(ia.id.URI, ia.id.PathInResource, err)
	})
	if err != nil {
		return err
	}
	return commit(true)
}

// packageArray finds the HDF5 dataset of one array reference of a package
// and the ETP identifier it goes under: the EpcExternalPartReference that
// holds it (RESQML 2.0.1), else the referring object itself.
func packageArray(pkg *epc.Package, files map[string]*hdf5.File, a *jobs.ImportEPC, ds, objURI string, ar epc.ArrayRef) (importArray, error) {
	var file string
	switch {
	case a.HDF5 != "":
		file = a.HDF5
	case a.HDF5ByProxy[ar.ProxyUUID] != "":
		file = a.HDF5ByProxy[ar.ProxyUUID]
	default:
		f, err := pkg.ArrayFile(ar)
		if err != nil {
			return importArray{}, err
		}
		file = f
	}
	f := files[file]
	if f == nil {
		var err error
		if f, err = hdf5.Open(file); err != nil {
			return importArray{}, err
		}
		files[file] = f
	}
	d, err := f.Dataset(ar.Path)
	if err != nil {
		return importArray{}, err
	}
	src := newHDF5Source(d)
	if _, err := transfer.ElementTypeOf(src.info.DType); err != nil {
		return importArray{}, err
	}
	owner := objURI
	if ar.ProxyUUID != "" {
		qt := epcType
		if p, ok := pkg.Object(ar.ProxyUUID); ok {
			qt = p.QualifiedType
		}
		uuid, err := etp.ParseUUID(ar.ProxyUUID)
		if err != nil {
			return importArray{}, err
		}
		owner = etp.ObjectURI(ds, qt, uuid)
	}
	n, _ := arrayfile.Elements(src.info.Shape)
	return importArray{id: etp.DataArrayIdentifier{URI: owner, PathInResource: ar.Path}, src: src,
		bytes: n * int64(src.info.DType.Size())}, nil
}

// writeSessions returns the sessions a writing task uses: with inTx, one
// session of its own with a transaction open on the task's dataspace;
// otherwise the server's pool. commit(true) commits, commit(false) rolls back
// (with a fresh 30 s context, so it also works after cancellation); each
// returns the failure of doing so, and does nothing once one ran. Both close
// the transaction's session.
func (r *runner) writeSessions(ctx context.Context, t *jobs.Task, inTx bool, message string, rep *TaskReport) ([]*etp.Session, func(bool) error, error) {
	if !inTx {
		ss, err := r.sessions(ctx, t.Server, nil)
		return ss, func(bool) error { return nil }, err
	}
	p, err := r.pools.get(ctx, t.Server)
	if err != nil {
		return nil, nil, err
	}
	s, err := p.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	closeSession := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		s.Close(cctx)
	}
	uri := etp.DataspaceURI(t.Dataspace)
	id, err := s.StartTransaction(ctx, false, []string{uri}, message)
	rep.Messages++
	if err != nil {
		closeSession()
		return nil, nil, fmt.Errorf("StartTransaction on %s: %w", uri, err)
	}
	finished := false
	return []*etp.Session{s}, func(ok bool) error {
		if finished {
			return nil
		}
		finished = true
		defer closeSession()
		rep.Messages++
		if ok {
			if err := s.CommitTransaction(ctx, id); err != nil {
				return fmt.Errorf("CommitTransaction: %w", err)
			}
			return nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.RollbackTransaction(rctx, id); err != nil {
			return fmt.Errorf("RollbackTransaction: %w", err)
		}
		return nil
	}, nil
}

// summarize joins the first n items and says how many more there are.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}

// exportEPC writes data objects of the task's dataspace and their arrays to
// an EPC package and one HDF5 file: the chosen objects (by URI, by type, or
// all), by default with every object they refer to, and each referenced
// array downloaded block by block straight into the HDF5 file. Both files
// are written under temporary names and renamed into place only when
// complete; a failure leaves neither.
func (r *runner) exportEPC(ctx context.Context, ss []*etp.Session, t *jobs.Task, rep *TaskReport) error {
	a := t.ExportEPC
	s := ss[0]
	uris := append([]string(nil), a.URIs...)
	if len(uris) == 0 {
		res, err := resources(ctx, s, t.Dataspace, a.Types)
		rep.Messages++
		if err != nil {
			return err
		}
		for _, r := range res {
			uris = append(uris, r.URI)
		}
	}
	type exported struct {
		data []byte
		desc epc.Object
	}
	objects := map[string]exported{} // by uuid
	wanted := map[string]bool{}
	queue := uris
	for _, u := range uris {
		wanted[u] = true
	}
	for len(queue) > 0 {
		batch := map[string]string{}
		for i, u := range queue[:min(50, len(queue))] {
			batch[strconv.Itoa(i)] = u
		}
		queue = queue[min(50, len(queue)):]
		res, err := s.GetDataObjects(ctx, batch)
		rep.Messages++
		if err != nil {
			var ke etp.KeyErrors
			if !errors.As(err, &ke) {
				return fmt.Errorf("GetDataObjects: %w", err)
			}
			for k, e := range ke {
				if etp.CodeOf(e) == etp.ENotFound && !slices.Contains(a.URIs, batch[k]) {
					rep.Warnings = append(rep.Warnings, fmt.Sprintf("referenced object %s is not in the store; the package refers to it without holding it", batch[k]))
					continue
				}
				return fmt.Errorf("GetDataObjects %s: %w", batch[k], e)
			}
		}
		for _, o := range res.Success {
			desc, err := epc.Describe(o.Data)
			if err != nil {
				return permanent(fmt.Errorf("%s: %w", o.Resource.URI, err))
			}
			objects[desc.UUID] = exported{data: o.Data, desc: desc}
			if !a.IncludeReferenced {
				continue
			}
			var refs []struct{ qt, uuid string }
			for _, ref := range desc.References {
				refs = append(refs, struct{ qt, uuid string }{ref.QualifiedType, ref.UUID})
			}
			for _, ar := range desc.Arrays {
				if ar.ProxyUUID != "" {
					refs = append(refs, struct{ qt, uuid string }{epcType, ar.ProxyUUID})
				}
			}
			for _, ref := range refs {
				uuid, err := etp.ParseUUID(ref.uuid)
				if err != nil || ref.qt == "" {
					continue
				}
				u := etp.ObjectURI(t.Dataspace, ref.qt, uuid)
				if _, have := objects[ref.uuid]; !have && !wanted[u] {
					wanted[u] = true
					queue = append(queue, u)
				}
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(a.File), 0o755); err != nil {
		return permanent(err)
	}
	if err := os.MkdirAll(filepath.Dir(a.HDF5), 0o755); err != nil {
		return permanent(err)
	}
	rel, err := filepath.Rel(filepath.Dir(a.File), a.HDF5)
	if err != nil {
		rel = a.HDF5
	}
	w, err := epc.Create(a.File, &epc.WriterOptions{ExternalFile: rel})
	if err != nil {
		return permanent(err)
	}
	defer w.Abort()
	h, err := hdf5.Create(a.HDF5)
	if err != nil {
		return permanent(err)
	}
	defer h.Abort()

	uuids := slices.Sorted(maps.Keys(objects))
	var arrays []epc.ArrayRef
	for _, u := range uuids {
		o := objects[u]
		if _, err := w.Add(o.data); err != nil {
			return permanent(err)
		}
		rep.Objects++
		rep.Bytes += int64(len(o.data))
		for _, ar := range o.desc.Arrays {
			if ar.ProxyUUID == "" {
				ar.ProxyUUID = o.desc.UUID // RESQML 2.2: the array hangs off the object itself
			}
			arrays = append(arrays, ar)
		}
	}
	arrays = uniqueArrays(arrays)
	var mu sync.Mutex
	err = arraysInParallel(ctx, len(arrays), r.job.Servers[t.Server].InFlight, func(ctx context.Context, i, inFlight int) error {
		k := arrays[i]
		qt := epcType
		if p, ok := objects[k.ProxyUUID]; ok {
			qt = p.desc.QualifiedType
		}
		uuid, err := etp.ParseUUID(k.ProxyUUID)
		if err != nil {
			return permanent(fmt.Errorf("array %s: owner uuid %q: %w", k.Path, k.ProxyUUID, err))
		}
		id := etp.DataArrayIdentifier{URI: etp.ObjectURI(t.Dataspace, qt, uuid), PathInResource: k.Path}
		var add func(int64)
		done := func(bool) {}
		stats, err := transfer.Download(ctx, clients(ss), id, func(et transfer.ElementType, shape []int64) (transfer.Sink, error) {
			dw, err := h.CreateDataset(k.Path, et.DType, shape)
			if err != nil {
				return nil, permanent(err)
			}
			n, _ := arrayfile.Elements(shape)
			add, done = r.progress(t.Name+" "+k.Path, n*int64(et.DType.Size()))
			return dw, nil
		}, &transfer.Options{InFlight: inFlight, Progress: func(n int64) {
			if add != nil {
				add(n)
			}
		}})
		done(err == nil)
		mu.Lock()
		rep.Bytes += stats.Bytes
		rep.Messages += stats.Messages
		mu.Unlock()
		return arrayError(id.URI, id.PathInResource, err)
	})
	if err != nil {
		return err
	}
	if err := h.Close(); err != nil {
		return permanent(err)
	}
	if err := w.Close(); err != nil {
		os.Remove(a.HDF5) // the package that would name it was not written
		return permanent(err)
	}
	return nil
}
