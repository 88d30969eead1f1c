package epc

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Default limits for reading a package.
const (
	// DefaultMaxPartSize is the largest inflated part Open and Read accept.
	DefaultMaxPartSize int64 = 256 << 20
	// DefaultMaxParts is the largest number of zip entries Open accepts.
	DefaultMaxParts = 100000
)

// OpenOptions controls Open. A nil *OpenOptions means all defaults; so does
// a zero field.
type OpenOptions struct {
	// MaxPartSize is the largest part, in bytes once inflated, that is read.
	// The limit is enforced while reading, whatever the zip headers claim.
	// Default DefaultMaxPartSize (256 MiB).
	MaxPartSize int64
	// MaxParts is the largest number of zip entries a package may have.
	// Default DefaultMaxParts (100000).
	MaxParts int
}

// Package is an EPC package opened for reading. Its methods are safe for
// concurrent use; Close waits for Read calls in progress.
type Package struct {
	name     string // as given to Open
	dir      string // absolute directory of the .epc file
	closer   io.Closer
	maxPart  int64
	parts    map[string]*zip.File // partKey -> entry
	objects  []Object             // sorted by Key
	byUUID   map[string]int       // uuid -> index in objects
	external []ExternalPart       // sorted by ProxyUUID
	core     CoreProperties
	dangling []Dangling

	mu     sync.RWMutex
	closed bool
}

// Open reads the package at name: its content types, relationships and the
// metadata of every data object part (see the package documentation). It
// reads each part once, streaming, and keeps only metadata in memory. ctx is
// checked between parts. Errors are *Error values naming the package and,
// where one is to blame, the part: a file that is not a zip archive, no
// [Content_Types].xml, a part without a content type, a part that is not
// well-formed XML, a data object without a uuid or with a uuid another part
// has too, an entry name that is absolute or contains "..", a part or a
// package over the limits of opts (errors.Is(err, ErrTooLarge)). Dangling
// references are not errors: see Dangling. The caller must Close the
// Package.
func Open(ctx context.Context, name string, opts *OpenOptions) (*Package, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, &Error{Package: name, Err: err}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, &Error{Package: name, Err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Package: name, Err: err}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Package: name, Err: errors.New("not a regular file")}
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, &Error{Package: name, Err: fmt.Errorf("not a zip archive, so not an EPC package: %w", err)}
	}
	p, err := newPackage(ctx, zr, name, filepath.Dir(abs), opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	p.closer = f
	return p, nil
}

// newPackage reads a package from an open zip archive; dir is the directory
// external files are resolved against.
func newPackage(ctx context.Context, zr *zip.Reader, name, dir string, opts *OpenOptions) (*Package, error) {
	o := OpenOptions{}
	if opts != nil {
		o = *opts
	}
	if o.MaxPartSize <= 0 {
		o.MaxPartSize = DefaultMaxPartSize
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	p := &Package{name: name, dir: dir, maxPart: o.MaxPartSize, parts: map[string]*zip.File{}, byUUID: map[string]int{}}
	fail := func(part string, err error) (*Package, error) {
		return nil, &Error{Package: name, Part: part, Err: err}
	}
	if len(zr.File) > o.MaxParts {
		return fail("", &limitError{fmt.Sprintf("the archive has %d entries, more than the limit of %d", len(zr.File), o.MaxParts)})
	}
	var entries []*zip.File
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return fail("", err)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		key := partKey("/" + f.Name)
		if prev, dup := p.parts[key]; dup {
			return fail("", fmt.Errorf("the archive has two entries for part %q (%q and %q)", "/"+f.Name, prev.Name, f.Name))
		}
		p.parts[key] = f
		entries = append(entries, f)
	}

	ctf := p.parts[partKey("/"+contentTypesName)]
	if ctf == nil {
		return fail("", errors.New("no [Content_Types].xml: not an OPC package (EPC files are zip archives with [Content_Types].xml at the root)"))
	}
	var ct *contentTypes
	if err := p.withPart(ctf, func(r io.Reader) (err error) { ct, err = parseContentTypes(r); return err }); err != nil {
		return fail("/"+contentTypesName, err)
	}

	corePart := ""
	if rf := p.parts[partKey("/"+packageRelsName)]; rf != nil {
		var rels []Relationship
		if err := p.withPart(rf, func(r io.Reader) (err error) { rels, err = parseRels(r, "/"); return err }); err != nil {
			return fail("/"+packageRelsName, err)
		}
		for _, r := range rels {
			if r.Type == RelCoreProperties && !r.External {
				corePart = r.TargetPart
				break
			}
		}
	}
	if corePart != "" {
		// A core properties part named but absent is tolerated: the package
		// has no core properties then.
		if cf := p.parts[partKey(corePart)]; cf != nil {
			if err := p.withPart(cf, func(r io.Reader) (err error) { p.core, err = parseCore(r); return err }); err != nil {
				return fail(corePart, err)
			}
		}
	}

	for _, f := range entries {
		if err := ctx.Err(); err != nil {
			return fail("", err)
		}
		partName := "/" + f.Name
		key := partKey(partName)
		if key == partKey("/"+contentTypesName) || key == partKey(corePart) || isRelsPart(f.Name) {
			continue
		}
		ctype, ok := ct.lookup(partName)
		if !ok {
			return fail(partName, errors.New("the part has no content type: [Content_Types].xml has no Override for it and no Default for its extension"))
		}
		obj, ok, err := p.readObject(f, partName, ctype)
		if err != nil {
			return fail(partName, err)
		}
		if !ok {
			continue
		}
		if i, dup := p.byUUID[obj.UUID]; dup {
			return fail(partName, fmt.Errorf("uuid %s is used by part %s too: a package holds each data object once", obj.UUID, p.objects[i].PartName))
		}
		if rf := p.parts[partKey("/"+relsName(partName))]; rf != nil {
			if err := p.withPart(rf, func(r io.Reader) (err error) { obj.Relationships, err = parseRels(r, partName); return err }); err != nil {
				return fail("/"+relsName(partName), err)
			}
		}
		p.byUUID[obj.UUID] = len(p.objects)
		p.objects = append(p.objects, obj)
	}

	sort.Slice(p.objects, func(a, b int) bool { return p.objects[a].Key() < p.objects[b].Key() })
	for i, obj := range p.objects {
		p.byUUID[obj.UUID] = i
	}
	for i := range p.objects {
		obj := &p.objects[i]
		for j := range obj.Arrays {
			a := &obj.Arrays[j]
			if a.ProxyUUID == "" && a.URI != "" {
				a.File = resolveExternal(dir, a.URI)
			}
		}
		for _, r := range obj.References {
			if _, ok := p.byUUID[r.UUID]; !ok {
				p.dangling = append(p.dangling, Dangling{From: obj.Key(), PartName: obj.PartName, Reference: r})
			}
		}
		if obj.IsExternalPartReference() {
			ep := ExternalPart{ProxyUUID: obj.UUID, PartName: obj.PartName}
			for _, r := range obj.Relationships {
				if r.Type == RelExternalResource || strings.HasSuffix(r.Type, "/relationships/externalResource") {
					ep.Target = r.Target
					ep.Path = resolveExternal(dir, r.Target)
					break
				}
			}
			p.external = append(p.external, ep)
		}
	}
	sort.Slice(p.external, func(a, b int) bool { return p.external[a].ProxyUUID < p.external[b].ProxyUUID })
	return p, nil
}

// readObject scans a part that may be a data object. ok is false for parts
// that are not data objects (other content types, generic XML outside the
// Energistics namespaces).
func (p *Package) readObject(f *zip.File, partName, ctype string) (Object, bool, error) {
	qt, qerr := QualifiedType(ctype)
	generic := false
	if qerr != nil {
		mt, _, err := mime.ParseMediaType(ctype)
		if err != nil || (mt != "application/xml" && mt != "text/xml") {
			return Object{}, false, nil
		}
		generic = true
	}
	var res *scanResult
	var size int64
	err := p.withPart(f, func(r io.Reader) error {
		cr := &countReader{r: r}
		var err error
		res, err = scanXML(cr, generic)
		size = cr.n
		return err
	})
	if generic && errors.Is(err, errNotEnergistics) {
		return Object{}, false, nil
	}
	if err != nil {
		return Object{}, false, err
	}
	uuid, err := res.checkUUID()
	if err != nil {
		return Object{}, false, err
	}
	xqt, xerr := res.qualifiedType()
	if generic {
		if xerr != nil {
			return Object{}, false, fmt.Errorf("content type %q names no data object type, and the XML does not say it either: %w", ctype, xerr)
		}
		qt = xqt
		ctype, _ = ContentType(qt)
	} else if res.domain == "" {
		return Object{}, false, fmt.Errorf("content type %q names a data object, but the root element <%s> is not in an Energistics namespace (got %q)", ctype, res.rootLocal, short(res.rootSpace))
	} else if xerr == nil && typeName(xqt) != typeName(qt) {
		return Object{}, false, fmt.Errorf("content type %q says %s, but the root element is <%s> (%s)", ctype, qt, res.rootLocal, xqt)
	}
	return Object{
		PartName: partName, ContentType: ctype, QualifiedType: qt, UUID: uuid, Title: res.title,
		Version: res.objectVersion, SchemaVersion: res.schemaVersion, Size: size,
		Arrays: res.arrays, References: res.refs,
	}, true, nil
}

// typeName returns the object type of a qualified type without its domain,
// version and obj_ prefix, for comparisons.
func typeName(qt string) string {
	_, t, _ := strings.Cut(qt, ".")
	return strings.TrimPrefix(t, "obj_")
}

// withPart runs fn on the inflated content of f, bounded by p.maxPart.
func (p *Package) withPart(f *zip.File, fn func(io.Reader) error) error {
	if f.UncompressedSize64 > uint64(p.maxPart) {
		return p.tooLarge(int64(f.UncompressedSize64))
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cannot read the zip entry: %w", err)
	}
	defer rc.Close()
	lr := &limitReader{r: rc, left: p.maxPart, p: p}
	if err := fn(lr); err != nil {
		return err
	}
	// Read to the end so the zip reader verifies the checksum.
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return err
	}
	return nil
}

func (p *Package) tooLarge(n int64) error {
	if n > 0 {
		return &limitError{fmt.Sprintf("the part has %d bytes, more than the limit of %d", n, p.maxPart)}
	}
	return &limitError{fmt.Sprintf("the part has more than the limit of %d bytes", p.maxPart)}
}

// limitError is a limit violation; it matches ErrTooLarge.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrTooLarge }

// limitReader fails with a limitError once more than left bytes were read.
type limitReader struct {
	r    io.Reader
	left int64
	p    *Package
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.left < 0 {
		return 0, l.p.tooLarge(0)
	}
	if int64(len(b)) > l.left+1 {
		b = b[:l.left+1]
	}
	n, err := l.r.Read(b)
	l.left -= int64(n)
	if l.left < 0 {
		return n, l.p.tooLarge(0)
	}
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// checkEntryName refuses zip entry names that could leave the package when
// extracted: absolute names, drive letters, ".." segments, NUL bytes.
func checkEntryName(name string) error {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case name == "":
		return errors.New("the archive has an entry with an empty name")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("entry name %q contains a NUL byte", name)
	case strings.HasPrefix(n, "/"):
		return fmt.Errorf("entry name %q is absolute: refused", short(name))
	case len(n) >= 2 && n[1] == ':':
		return fmt.Errorf("entry name %q starts with a drive letter: refused", short(name))
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return fmt.Errorf("entry name %q leaves the package through \"..\": refused", short(name))
		}
	}
	return nil
}

// isRelsPart reports whether a zip entry is a relationship part.
func isRelsPart(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".rels") && (strings.HasPrefix(l, "_rels/") || strings.Contains(l, "/_rels/"))
}

// resolveExternal turns an external relationship target (or a RESQML 2.2
// URI naming a file) into an absolute path: relative targets are relative to
// dir, percent-escapes are decoded, file: URLs give their path. It returns
// "" for URLs of other schemes.
func resolveExternal(dir, target string) string {
	t := strings.TrimSpace(target)
	if t == "" {
		return ""
	}
	if i := strings.IndexByte(t, ':'); i > 1 {
		scheme := strings.ToLower(t[:i])
		if isScheme(scheme) {
			if scheme != "file" {
				return ""
			}
			u, err := url.Parse(t)
			if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
				return ""
			}
			return filepath.Clean(filepath.FromSlash(u.Path))
		}
	}
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	p := filepath.FromSlash(strings.ReplaceAll(t, `\`, "/"))
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// Name returns the package's file name as given to Open.
func (p *Package) Name() string { return p.name }

// Objects returns the package's data objects sorted by Key (qualified type,
// then uuid). The slice is a copy; the Objects' slices are shared and must
// not be modified.
func (p *Package) Objects() []Object {
	return append([]Object(nil), p.objects...)
}

// Object returns the data object with the given uuid (any case), if any.
func (p *Package) Object(uuid string) (Object, bool) {
	i, ok := p.byUUID[strings.ToLower(uuid)]
	if !ok {
		return Object{}, false
	}
	return p.objects[i], true
}

// ExternalParts returns every EpcExternalPartReference of the package with
// the file its externalResource relationship names, sorted by ProxyUUID.
func (p *Package) ExternalParts() []ExternalPart {
	return append([]ExternalPart(nil), p.external...)
}

// ExternalFiles maps the uuid of each EpcExternalPartReference to the
// absolute path of its HDF5 file, for those whose externalResource
// relationship names a local file. The map is new on each call.
func (p *Package) ExternalFiles() map[string]string {
	m := make(map[string]string, len(p.external))
	for _, e := range p.external {
		if e.Path != "" {
			m[e.ProxyUUID] = e.Path
		}
	}
	return m
}

// ArrayFile returns the absolute path of the file holding array a: a.File
// for a RESQML 2.2 array whose URI names a file, else the file of the
// EpcExternalPartReference a.ProxyUUID. The error says why there is none:
// no proxy named, a proxy that is not in the package, a proxy without an
// externalResource relationship, or one naming something other than a local file.
func (p *Package) ArrayFile(a ArrayRef) (string, error) {
	if a.File != "" {
		return a.File, nil
	}
	if a.ProxyUUID == "" {
		return "", fmt.Errorf("array %q at %s names no EpcExternalPartReference", a.Path, a.Where)
	}
	obj, ok := p.Object(a.ProxyUUID)
	if !ok {
		return "", fmt.Errorf("array %q at %s: EpcExternalPartReference %s is not in the package", a.Path, a.Where, a.ProxyUUID)
	}
	i := sort.Search(len(p.external), func(i int) bool { return p.external[i].ProxyUUID >= obj.UUID })
	if i == len(p.external) || p.external[i].ProxyUUID != obj.UUID {
		return "", fmt.Errorf("array %q at %s: %s is not an EpcExternalPartReference but %s", a.Path, a.Where, a.ProxyUUID, obj.QualifiedType)
	}
	e := p.external[i]
	switch {
	case e.Target == "":
		return "", fmt.Errorf("array %q at %s: EpcExternalPartReference %s (%s) has no externalResource relationship naming its HDF5 file", a.Path, a.Where, e.ProxyUUID, e.PartName)
	case e.Path == "":
		return "", fmt.Errorf("array %q at %s: EpcExternalPartReference %s names %q, which is not a local file", a.Path, a.Where, e.ProxyUUID, e.Target)
	}
	return e.Path, nil
}

// Dangling returns the data object references whose target uuid is not an
// object of the package, in Objects order.
func (p *Package) Dangling() []Dangling {
	return append([]Dangling(nil), p.dangling...)
}

// CoreProperties returns the package's core properties; all fields are empty
// when the package has none.
func (p *Package) CoreProperties() CoreProperties { return p.core }

// Read returns the XML of a data object of the package, as stored. It fails
// (errors.Is(err, ErrTooLarge)) when the part is larger than
// OpenOptions.MaxPartSize, and with ErrClosed after Close.
func (p *Package) Read(obj Object) ([]byte, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, &Error{Package: p.name, Part: obj.PartName, Err: ErrClosed}
	}
	f := p.parts[partKey(obj.PartName)]
	if f == nil {
		return nil, &Error{Package: p.name, Part: obj.PartName, Err: errors.New("no such part in the package")}
	}
	var buf bytes.Buffer
	buf.Grow(int(min(f.UncompressedSize64, uint64(p.maxPart), 64<<20)))
	if err := p.withPart(f, func(r io.Reader) error { _, err := buf.ReadFrom(r); return err }); err != nil {
		return nil, &Error{Package: p.name, Part: obj.PartName, Err: err}
	}
	return buf.Bytes(), nil
}

// Close releases the package file. It is idempotent; Read fails with
// ErrClosed afterwards.
func (p *Package) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if p.closer != nil {
		if err := p.closer.Close(); err != nil {
			return &Error{Package: p.name, Err: err}
		}
	}
	return nil
}
