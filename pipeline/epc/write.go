package epc

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
)

// DefaultCreator is the dc:creator Create writes when WriterOptions.Core has none.
const DefaultCreator = "etp-transfer"

// WriterOptions controls Create. A nil *WriterOptions means all defaults.
type WriterOptions struct {
	// Core holds the core properties written to docProps/core.xml. Default:
	// Creator DefaultCreator, Created the time of Create in UTC (whole
	// seconds, W3CDTF); the other fields are left out when empty.
	Core CoreProperties
	// Modified is the modification time of every zip entry. Default: the
	// Created time when it parses as RFC 3339, else the time of Create. A
	// fixed value makes the output byte for byte reproducible.
	Modified time.Time
	// ExternalFile is the file named by the externalResource relationship of
	// every EpcExternalPartReference that AddExternalPart did not give one,
	// relative to the .epc file's directory (written with "/" separators and
	// percent-escaped as a URI). Default: the .epc file's base name with its
	// extension replaced by ".h5" (model.epc -> model.h5).
	ExternalFile string
	// MaxPartSize is the largest XML Add accepts, in bytes. Default
	// DefaultMaxPartSize (256 MiB).
	MaxPartSize int64
	// Level is the deflate level of the parts, 1 (fastest) to 9 (smallest).
	// Default 5.
	Level int
	// FailOnDangling makes Close fail, writing nothing, when an object refers
	// to a uuid no added object has. Default false: such references simply
	// get no relationship (see Writer.Dangling).
	FailOnDangling bool
}

// Writer writes an EPC package part by part: see Create. Its methods are
// safe for concurrent use (calls are serialized). After an error from Add or
// AddExternalPart the Writer stays usable; after Close or Abort every call
// fails with ErrClosed (Abort after Close is a no-op).
type Writer struct {
	mu       sync.Mutex
	name     string // as given to Create
	final    string // absolute path of the package
	tmp      *os.File
	zw       *zip.Writer
	opts     WriterOptions
	objects  []Object
	byUUID   map[string]int
	external map[string]string // proxy uuid -> file name as given
	closed   bool
}

// Create starts a package to be written to name. The parts go to a
// temporary file in the same directory, renamed to name by Close; Abort (or
// a failed Close) removes it, so name is either the complete old file or the
// complete new one. name's directory must exist: Create makes no
// directories. The caller must call Close or Abort.
func Create(name string, opts *WriterOptions) (*Writer, error) {
	o := WriterOptions{}
	if opts != nil {
		o = *opts
	}
	now := time.Now().UTC().Truncate(time.Second)
	if o.Core.Creator == "" {
		o.Core.Creator = DefaultCreator
	}
	if o.Core.Created == "" {
		o.Core.Created = now.Format(time.RFC3339)
	}
	if o.Modified.IsZero() {
		o.Modified = now
		if t, err := time.Parse(time.RFC3339, o.Core.Created); err == nil {
			o.Modified = t
		}
	}
	if o.ExternalFile == "" {
		base := filepath.Base(name)
		o.ExternalFile = strings.TrimSuffix(base, filepath.Ext(base)) + ".h5"
	}
	if o.MaxPartSize <= 0 {
		o.MaxPartSize = DefaultMaxPartSize
	}
	if o.Level == 0 {
		o.Level = 5
	}
	if o.Level < 1 || o.Level > 9 {
		return nil, &Error{Package: name, Err: fmt.Errorf("deflate level %d is outside 1 to 9", o.Level)}
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, &Error{Package: name, Err: err}
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return nil, &Error{Package: name, Err: fmt.Errorf("cannot create the temporary file: %w", err)}
	}
	zw := zip.NewWriter(tmp)
	pool := &flatePool{level: o.Level}
	zw.RegisterCompressor(zip.Deflate, pool.get)
	return &Writer{name: name, final: abs, tmp: tmp, zw: zw, opts: o, byUUID: map[string]int{}, external: map[string]string{}}, nil
}

// Add writes one data object's XML as a part of its own and returns its
// description. Everything comes from the XML: the type from the root
// element's namespace, schemaVersion and xsi:type (or name), the uuid from
// its uuid attribute, the part name as <type>_<uuid>.xml
// (obj_Grid2dRepresentation_<uuid>.xml for RESQML 2.0.1), the references
// that become relationships at Close. The bytes are written as given; xml
// is not retained. Add fails for XML that is not well-formed, has no uuid,
// has a uuid already added, is not an Energistics data object, or is larger
// than WriterOptions.MaxPartSize; the package is unchanged then.
func (w *Writer) Add(xml []byte) (Object, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return Object{}, &Error{Package: w.name, Err: ErrClosed}
	}
	if int64(len(xml)) > w.opts.MaxPartSize {
		return Object{}, &Error{Package: w.name, Err: &limitError{fmt.Sprintf("data object of %d bytes is larger than the limit of %d", len(xml), w.opts.MaxPartSize)}}
	}
	obj, err := Describe(xml)
	if err != nil {
		return Object{}, &Error{Package: w.name, Err: err}
	}
	part, uuid := obj.PartName, obj.UUID
	if i, dup := w.byUUID[uuid]; dup {
		return Object{}, &Error{Package: w.name, Part: part, Err: fmt.Errorf("uuid %s was already added (as %s): a package holds each data object once", uuid, w.objects[i].PartName)}
	}
	if err := w.writePart(part, xml); err != nil {
		return Object{}, err
	}
	w.byUUID[uuid] = len(w.objects)
	w.objects = append(w.objects, obj)
	return obj, nil
}

// Describe reads what one data object's XML says about itself, as Add
// does: qualified type (from the root element's namespace, schemaVersion and
// xsi:type or name), content type, uuid, title, version, the arrays it
// refers to and its data object references. PartName is the name Add would
// give it. It fails for XML that is not well-formed, has no uuid or is not an
// Energistics data object.
func Describe(xml []byte) (Object, error) {
	res, err := scanXML(bytes.NewReader(xml), false)
	if err != nil {
		return Object{}, fmt.Errorf("data object: %w", err)
	}
	uuid, err := res.checkUUID()
	if err != nil {
		return Object{}, fmt.Errorf("data object: %w", err)
	}
	qt, err := res.qualifiedType()
	if err != nil {
		return Object{}, fmt.Errorf("data object %s: %w", uuid, err)
	}
	ctype, err := ContentType(qt)
	if err != nil {
		return Object{}, fmt.Errorf("data object %s: %w", uuid, err)
	}
	_, typ, _ := strings.Cut(qt, ".")
	return Object{PartName: "/" + typ + "_" + uuid + ".xml", ContentType: ctype, QualifiedType: qt, UUID: uuid,
		Title: res.title, Version: res.objectVersion, SchemaVersion: res.schemaVersion, Size: int64(len(xml)),
		Arrays: res.arrays, References: res.refs}, nil
}

// writePart writes one zip entry. A failure here leaves the zip stream
// unusable, so the Writer is aborted.
func (w *Writer) writePart(part string, data []byte) error {
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: strings.TrimPrefix(part, "/"), Method: zip.Deflate, Modified: w.opts.Modified})
	if err == nil {
		_, err = fw.Write(data)
	}
	if err != nil {
		w.abort()
		return &Error{Package: w.name, Part: part, Err: fmt.Errorf("cannot write (the package is abandoned): %w", err)}
	}
	return nil
}

// AddExternalPart names the file of the EpcExternalPartReference with uuid
// proxyUUID: file is relative to the .epc file's directory (an absolute path
// is made relative to it when possible) and is written as the Target of an
// externalResource relationship with TargetMode="External". The proxy
// object itself may be added before or after; Close fails if it never is.
// Calling it again for the same proxy replaces the file. Without a call, a
// proxy gets WriterOptions.ExternalFile.
func (w *Writer) AddExternalPart(proxyUUID, file string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return &Error{Package: w.name, Err: ErrClosed}
	}
	if !isUUID(proxyUUID) {
		return &Error{Package: w.name, Err: fmt.Errorf("external part: %q is not a UUID", short(proxyUUID))}
	}
	if strings.TrimSpace(file) == "" {
		return &Error{Package: w.name, Err: fmt.Errorf("external part %s: empty file name", proxyUUID)}
	}
	w.external[strings.ToLower(proxyUUID)] = file
	return nil
}

// Dangling returns the references of the objects added so far whose uuid
// is not that of an added object, in the order the objects were added.
func (w *Writer) Dangling() []Dangling {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dangling()
}

func (w *Writer) dangling() []Dangling {
	var out []Dangling
	for _, obj := range w.objects {
		for _, r := range obj.References {
			if _, ok := w.byUUID[r.UUID]; !ok {
				out = append(out, Dangling{From: obj.Key(), PartName: obj.PartName, Reference: r})
			}
		}
	}
	return out
}

// target returns the relationship Target for an external file name.
func (w *Writer) target(file string) string {
	f := file
	if filepath.IsAbs(f) {
		if rel, err := filepath.Rel(filepath.Dir(w.final), f); err == nil && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != ".." {
			f = rel
		}
	}
	f = filepath.ToSlash(f)
	return (&url.URL{Path: f}).EscapedPath()
}

// Close writes the relationship parts, docProps/core.xml, _rels/.rels and
// [Content_Types].xml, syncs the file and renames it to the package's name.
// It fails, leaving no file behind, when AddExternalPart named a proxy that
// was never added, when WriterOptions.FailOnDangling is set and a reference
// dangles, or on a write error. Close after Close or Abort returns ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return &Error{Package: w.name, Err: ErrClosed}
	}
	if err := w.finish(); err != nil {
		w.abort()
		return err
	}
	w.closed = true
	return nil
}

func (w *Writer) finish() error {
	var missing []string
	for id := range w.external {
		if i, ok := w.byUUID[id]; !ok || !w.objects[i].IsExternalPartReference() {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &Error{Package: w.name, Err: fmt.Errorf("external files were named for %s, but no EpcExternalPartReference with that uuid was added", strings.Join(missing, ", "))}
	}
	if w.opts.FailOnDangling {
		if d := w.dangling(); len(d) > 0 {
			lines := make([]string, 0, 5)
			for i, x := range d {
				if i == 5 {
					lines = append(lines, fmt.Sprintf("and %d more", len(d)-5))
					break
				}
				lines = append(lines, x.String())
			}
			return &Error{Package: w.name, Err: fmt.Errorf("%d dangling references: %s", len(d), strings.Join(lines, "; "))}
		}
	}
	rels := w.relationships()
	parts := make([]string, 0, len(rels))
	for p := range rels {
		parts = append(parts, p)
	}
	sort.Strings(parts)
	for _, p := range parts {
		if err := w.writeXMLPart("/"+relsName(p), func(wr io.Writer) error { return writeRels(wr, rels[p]) }); err != nil {
			return err
		}
	}
	if err := w.writeXMLPart(corePartName, func(wr io.Writer) error { return writeCore(wr, w.opts.Core) }); err != nil {
		return err
	}
	pkgRels := []Relationship{{ID: "CoreProperties", Type: RelCoreProperties, Target: strings.TrimPrefix(corePartName, "/")}}
	if err := w.writeXMLPart("/"+packageRelsName, func(wr io.Writer) error { return writeRels(wr, pkgRels) }); err != nil {
		return err
	}
	overrides := map[string]string{corePartName: ContentTypeCoreProperties}
	for _, obj := range w.objects {
		overrides[obj.PartName] = obj.ContentType
	}
	if err := w.writeXMLPart("/"+contentTypesName, func(wr io.Writer) error { return writeContentTypes(wr, overrides) }); err != nil {
		return err
	}
	if err := w.zw.Close(); err != nil {
		return &Error{Package: w.name, Err: fmt.Errorf("cannot finish the zip archive: %w", err)}
	}
	if err := w.tmp.Sync(); err != nil {
		return &Error{Package: w.name, Err: fmt.Errorf("cannot sync: %w", err)}
	}
	if err := w.tmp.Chmod(0o644); err != nil {
		return &Error{Package: w.name, Err: err}
	}
	if err := w.tmp.Close(); err != nil {
		return &Error{Package: w.name, Err: err}
	}
	if err := os.Rename(w.tmp.Name(), w.final); err != nil {
		return &Error{Package: w.name, Err: fmt.Errorf("cannot rename the temporary file into place: %w", err)}
	}
	w.tmp = nil
	return nil
}

func (w *Writer) writeXMLPart(part string, fn func(io.Writer) error) error {
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: strings.TrimPrefix(part, "/"), Method: zip.Deflate, Modified: w.opts.Modified})
	if err == nil {
		err = fn(fw)
	}
	if err != nil {
		return &Error{Package: w.name, Part: part, Err: fmt.Errorf("cannot write: %w", err)}
	}
	return nil
}

// relationships derives every object's relationships from the references
// (and from the proxies of arrays):
// destinationObject/sourceObject between objects, mlToExternalPartProxy /
// externalPartProxyToMl towards EpcExternalPartReference objects, and each
// of those an externalResource to its file. Keyed by source part name.
func (w *Writer) relationships() map[string][]Relationship {
	out := map[string][]Relationship{}
	seen := map[string]bool{}
	add := func(from *Object, typ, short string, to *Object) {
		k := from.PartName + " " + typ + " " + to.PartName
		if seen[k] {
			return
		}
		seen[k] = true
		out[from.PartName] = append(out[from.PartName], Relationship{
			ID: "_" + short + "_" + to.UUID, Type: typ, Target: strings.TrimPrefix(to.PartName, "/"), TargetPart: to.PartName,
		})
	}
	for i := range w.objects {
		src := &w.objects[i]
		for _, r := range src.References {
			j, ok := w.byUUID[r.UUID]
			if !ok || j == i {
				continue
			}
			dst := &w.objects[j]
			if dst.IsExternalPartReference() {
				add(src, RelMLToExternalPartProxy, "mlToExternalPartProxy", dst)
				add(dst, RelExternalPartProxyToML, "externalPartProxyToMl", src)
			} else {
				add(src, RelDestinationObject, "destinationObject", dst)
				add(dst, RelSourceObject, "sourceObject", src)
			}
		}
		// A RESQML 2.2 array may name its proxy by uuid in its URI only.
		for _, a := range src.Arrays {
			if j, ok := w.byUUID[a.ProxyUUID]; ok && j != i && w.objects[j].IsExternalPartReference() {
				add(src, RelMLToExternalPartProxy, "mlToExternalPartProxy", &w.objects[j])
				add(&w.objects[j], RelExternalPartProxyToML, "externalPartProxyToMl", src)
			}
		}
	}
	for i := range w.objects {
		obj := &w.objects[i]
		if !obj.IsExternalPartReference() {
			continue
		}
		file, ok := w.external[obj.UUID]
		if !ok {
			file = w.opts.ExternalFile
		}
		out[obj.PartName] = append(out[obj.PartName], Relationship{ID: "Hdf5File", Type: RelExternalResource, Target: w.target(file), External: true})
	}
	for p := range out {
		rs := out[p]
		sort.SliceStable(rs, func(a, b int) bool {
			if rs[a].Type != rs[b].Type {
				return rs[a].Type < rs[b].Type
			}
			return rs[a].Target < rs[b].Target
		})
	}
	return out
}

// Abort abandons the package: the temporary file is removed and name is
// left as it was. It is a no-op after Close or Abort.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	return w.abort()
}

func (w *Writer) abort() error {
	w.closed = true
	if w.tmp == nil {
		return nil
	}
	name := w.tmp.Name()
	w.tmp.Close()
	w.tmp = nil
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return &Error{Package: w.name, Err: fmt.Errorf("cannot remove the temporary file: %w", err)}
	}
	return nil
}

// flatePool reuses deflate compressors between parts: a compressor holds
// about a megabyte of state, and packages have thousands of small parts.
type flatePool struct {
	level int
	free  []*flate.Writer
}

func (p *flatePool) get(w io.Writer) (io.WriteCloser, error) {
	if n := len(p.free); n > 0 {
		fw := p.free[n-1]
		p.free = p.free[:n-1]
		fw.Reset(w)
		return &pooledFlate{fw, p}, nil
	}
	fw, err := flate.NewWriter(w, p.level)
	if err != nil {
		return nil, err
	}
	return &pooledFlate{fw, p}, nil
}

// pooledFlate returns its compressor to the pool when closed. The zip
// writer uses one at a time, under the Writer's lock.
type pooledFlate struct {
	*flate.Writer
	pool *flatePool
}

func (f *pooledFlate) Close() error {
	err := f.Writer.Close()
	if f.pool != nil {
		f.pool.free = append(f.pool.free, f.Writer)
		f.pool = nil
	}
	return err
}
