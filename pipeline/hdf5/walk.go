package hdf5

import (
	"errors"
	"fmt"
	"slices"
)

// Kind classifies an entry of Objects.
type Kind string

// The kinds of entries.
const (
	KindGroup    Kind = "group"
	KindDataset  Kind = "dataset"
	KindDatatype Kind = "datatype"      // a committed datatype
	KindSoft     Kind = "soft-link"     // not followed by Objects or Walk
	KindExternal Kind = "external-link" // refused by Dataset
	KindOther    Kind = "other"         // user-defined link or unknown object
)

// Object is one entry of the file's hierarchy, as listed by Objects.
type Object struct {
	// Path is the absolute path ("/a/b").
	Path string
	// Kind says what the path names.
	Kind Kind
	// Target is the link value of a soft link (a path) or of an external
	// link ("file:path"); empty otherwise.
	Target string
	// Err is set for a dataset that Dataset cannot open (unsupported type,
	// virtual dataset, unsupported filter...), and for an external link.
	Err error
}

// maxObjects bounds the entries Objects lists.
const maxObjects = 1 << 22

// Objects lists every link of the file below the root, sorted by path. Hard
// links are descended into (a group reached twice, through another hard
// link or a cycle, is listed but not descended into again); soft and
// external links are listed, not followed. Errors reading the hierarchy
// itself (a corrupt group) stop the listing and are returned; problems of a
// single dataset are reported in its Err. Safe for concurrent use.
func (f *File) Objects() ([]Object, error) {
	if err := f.rlock(); err != nil {
		return nil, err
	}
	defer f.mu.RUnlock()
	out, err := f.objects()
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: %w", f.path, err)
	}
	return out, nil
}

func (f *File) objects() ([]Object, error) {
	root, err := f.readObject(f.root, "/")
	if err != nil {
		return nil, err
	}
	var out []Object
	seen := map[uint64]bool{f.root: true}
	var visit func(o *object, path string) error
	visit = func(o *object, path string) error {
		links, err := f.groupLinks(o, path)
		if err != nil {
			return err
		}
		for _, l := range links {
			if len(out) >= maxObjects {
				return errorf(ErrInvalid, "more than %d objects", maxObjects)
			}
			p := joinPath(path, l.name)
			switch l.kind {
			case linkSoft:
				out = append(out, Object{Path: p, Kind: KindSoft, Target: l.target})
				continue
			case linkExternal:
				out = append(out, Object{Path: p, Kind: KindExternal, Target: l.target,
					Err: unsupported("%s is an external link to %s: external links are not supported", p, l.target)})
				continue
			case linkHard:
			default:
				out = append(out, Object{Path: p, Kind: KindOther})
				continue
			}
			child, err := f.readObject(l.addr, p)
			if err != nil {
				return err
			}
			switch {
			case isGroup(child):
				out = append(out, Object{Path: p, Kind: KindGroup})
				if seen[l.addr] {
					continue
				}
				seen[l.addr] = true
				if err := visit(child, p); err != nil {
					return err
				}
			case child.find(msgLayout) != nil:
				ob := Object{Path: p, Kind: KindDataset}
				if _, err := f.openDataset(child, p); err != nil {
					ob.Err = err
				}
				out = append(out, ob)
			case child.find(msgDatatype) != nil:
				out = append(out, Object{Path: p, Kind: KindDatatype})
			default:
				out = append(out, Object{Path: p, Kind: KindOther})
			}
		}
		return nil
	}
	if err := visit(root, "/"); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Object) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return out, nil
}

// Walk calls fn for every dataset of the file in path order (see Objects:
// soft links are not followed, so each dataset is visited once per hard
// link). fn may return SkipAll to stop early with a nil result. It stops at, and returns, the first error: fn's own, a corrupt
// hierarchy, or a dataset or external link that cannot be read (virtual
// dataset, unsupported type or filter...), named by path. Use Objects to
// list such entries without stopping. Safe for concurrent use; fn may call
// the File's methods.
func (f *File) Walk(fn func(path string, d *Dataset) error) error {
	objs, err := f.Objects()
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.Err != nil {
			return fmt.Errorf("hdf5: %s: %s: %w", f.path, o.Path, o.Err)
		}
		if o.Kind != KindDataset {
			continue
		}
		d, err := f.Dataset(o.Path)
		if err != nil {
			return err
		}
		if err := fn(o.Path, d); err != nil {
			if errors.Is(err, SkipAll) {
				return nil
			}
			return err
		}
	}
	return nil
}

// SkipAll, returned by a Walk callback, stops the walk without an error.
var SkipAll = errors.New("hdf5: skip all remaining datasets")
