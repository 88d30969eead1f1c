package hdf5

import (
	"fmt"
	"slices"
	"strings"
)

// Link kinds.
const (
	linkHard     = 0
	linkSoft     = 1
	linkExternal = 64
)

// link is one entry of a group.
type link struct {
	name   string
	kind   int
	addr   uint64 // hard links
	target string // soft links: the path; external: "file:path"
}

// maxGroupLinks bounds the links of one group listing.
const maxGroupLinks = 1 << 22

// maxCachedGroups bounds how many group listings a File keeps.
const maxCachedGroups = 256

// isGroup reports whether the object header describes a group.
func isGroup(o *object) bool {
	return o.find(msgSymbolTable) != nil || o.find(msgLinkInfo) != nil || o.find(msgLink) != nil || o.find(msgGroupInfo) != nil
}

// groupLinks lists the links of the group whose header is o, sorted by name.
func (f *File) groupLinks(o *object, name string) ([]link, error) {
	f.gmu.Lock()
	if l, ok := f.groups[o.addr]; ok {
		f.gmu.Unlock()
		return l, nil
	}
	f.gmu.Unlock()
	links, err := f.readLinks(o, name)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(links, func(a, b link) int { return strings.Compare(a.name, b.name) })
	f.gmu.Lock()
	if len(f.groups) >= maxCachedGroups {
		clear(f.groups)
	}
	f.groups[o.addr] = links
	f.gmu.Unlock()
	return links, nil
}

func (f *File) readLinks(o *object, name string) ([]link, error) {
	what := "group " + name
	if m := o.find(msgSymbolTable); m != nil {
		r := f.newRd(m.data, m.at, what+" symbol table message")
		bt, heap := r.addr(), r.addr()
		if r.err != nil {
			return nil, r.err
		}
		return f.symbolTableLinks(bt, heap, what)
	}
	var links []link
	for i := range o.msgs {
		m := &o.msgs[i]
		if m.typ != msgLink {
			continue
		}
		l, err := f.parseLink(m.data, m.at, what)
		if err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	if m := o.find(msgLinkInfo); m != nil {
		r := f.newRd(m.data, m.at, what+" link info message")
		if v := r.u8(); r.err == nil && v != 0 {
			return nil, r.errorf("unknown link info version %d", v)
		}
		flags := r.u8()
		if flags&1 != 0 {
			r.skip(8)
		}
		heapAddr, nameIdx := r.addr(), r.addr()
		if r.err != nil {
			return nil, r.err
		}
		if heapAddr != undef {
			dense, err := f.denseLinks(heapAddr, nameIdx, what)
			if err != nil {
				return nil, err
			}
			links = append(links, dense...)
		}
	}
	return links, nil
}

// denseLinks reads the links of a dense group: link messages in a fractal
// heap, found through the v2 B-tree name index (records of type 5).
func (f *File) denseLinks(heapAddr, idxAddr uint64, what string) ([]link, error) {
	h, err := f.openFheap(heapAddr, what+" link heap")
	if err != nil {
		return nil, err
	}
	if idxAddr == undef {
		return nil, corrupt(what, -1, "dense link storage without a name index")
	}
	t, err := f.openBtree2(idxAddr, what+" link name index")
	if err != nil {
		return nil, err
	}
	if t.typ != 5 || t.recSize != 4+h.idLen {
		return nil, corrupt(t.what, int64(idxAddr), "record type %d of size %d, want type 5 of size %d", t.typ, t.recSize, 4+h.idLen)
	}
	var links []link
	err = t.walk(func(rec []byte) error {
		if len(links) >= maxGroupLinks {
			return corrupt(what, int64(idxAddr), "more than %d links", maxGroupLinks)
		}
		obj, err := h.get(rec[4:])
		if err != nil {
			return err
		}
		l, err := f.parseLink(obj, -1, what)
		if err != nil {
			return err
		}
		links = append(links, l)
		return nil
	}, nil)
	return links, err
}

// parseLink decodes a link message.
func (f *File) parseLink(b []byte, at int64, what string) (link, error) {
	r := f.newRd(b, at, what+" link message")
	var l link
	if v := r.u8(); r.err == nil && v != 1 {
		return l, r.errorf("unknown link message version %d", v)
	}
	flags := r.u8()
	if flags&0x08 != 0 {
		l.kind = int(r.u8())
	}
	if flags&0x04 != 0 {
		r.skip(8)
	}
	if flags&0x10 != 0 {
		r.skip(1)
	}
	n := r.uN(1 << (flags & 3))
	if r.err == nil && (n == 0 || n > uint64(r.left())) {
		return l, r.errorf("link name of %d bytes", n)
	}
	l.name = string(r.take(int(n)))
	switch l.kind {
	case linkHard:
		l.addr = r.addr()
	case linkSoft:
		m := r.u16()
		l.target = string(r.take(int(m)))
	case linkExternal:
		m := int(r.u16())
		v := r.take(m)
		if r.err == nil && m >= 1 {
			parts := strings.SplitN(string(v[1:]), "\x00", 3)
			if len(parts) >= 2 {
				l.target = parts[0] + ":" + parts[1]
			}
		}
	default:
		r.skip(int(r.u16()))
	}
	if r.err == nil && strings.Contains(l.name, "/") {
		return l, r.errorf("link name %q contains '/'", l.name)
	}
	return l, r.err
}

// symbolTableLinks lists an old-style group: a v1 B-tree of symbol table
// nodes whose names live in a local heap.
func (f *File) symbolTableLinks(btree, heap uint64, what string) ([]link, error) {
	names, err := f.localHeap(heap, what+" local heap")
	if err != nil {
		return nil, err
	}
	var links []link
	entrySize := 2*f.sizeOff + 24
	snodCap := 2 * f.leafK
	if snodCap <= 0 {
		snodCap = 1 << 16
	}
	err = f.btree1(btree, 0, what+" B-tree", 0, nil, func(child uint64, _, _ []byte) error {
		b, off, err := f.readUpTo(child, int64(8+snodCap*entrySize), what+" symbol table node")
		if err != nil {
			return err
		}
		r := f.newRd(b, off, what+" symbol table node")
		r.sig("SNOD")
		r.u8()
		r.u8()
		n := int(r.u16())
		for i := 0; i < n && r.err == nil; i++ {
			if len(links) >= maxGroupLinks {
				return corrupt(what, off, "more than %d links", maxGroupLinks)
			}
			nameOff := r.uN(r.so)
			addr := r.addr()
			cache := r.u32()
			r.skip(4)
			scratch := r.take(16)
			if r.err != nil {
				break
			}
			name, err := heapString(names, nameOff, what)
			if err != nil {
				return err
			}
			l := link{name: name, kind: linkHard, addr: addr}
			if cache == 2 {
				soff := uint64(scratch[0]) | uint64(scratch[1])<<8 | uint64(scratch[2])<<16 | uint64(scratch[3])<<24
				target, err := heapString(names, soff, what)
				if err != nil {
					return err
				}
				l.kind, l.target, l.addr = linkSoft, target, undef
			}
			links = append(links, l)
		}
		return r.err
	})
	return links, err
}

func heapString(heap []byte, off uint64, what string) (string, error) {
	if off >= uint64(len(heap)) {
		return "", corrupt(what, -1, "name offset %d outside the %d-byte local heap", off, len(heap))
	}
	s := heap[off:]
	i := indexByte(s, 0)
	if i < 0 {
		return "", corrupt(what, -1, "unterminated name at local heap offset %d", off)
	}
	return string(s[:i]), nil
}

// localHeap returns the data segment of the local heap at a.
func (f *File) localHeap(a uint64, what string) ([]byte, error) {
	b, off, err := f.readMeta(a, uint64(8+2*f.sizeLen+f.sizeOff), what)
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, what)
	r.sig("HEAP")
	r.skip(4)
	size := r.length()
	r.length()
	data := r.addr()
	if r.err != nil {
		return nil, r.err
	}
	seg, _, err := f.readMeta(data, size, what)
	return seg, err
}

// btree1 walks the version 1 B-tree at a of the given node type (0 groups,
// 1 chunks), calling leaf for every child of a level-0 node with the keys
// around it. keep, when not nil, prunes subtrees: it is given the keys that
// bound a child and reports whether to descend.
func (f *File) btree1(a uint64, typ uint8, what string, rank int, keep func(lo, hi []byte) bool, leaf func(child uint64, lo, hi []byte) error) error {
	keySize := f.sizeLen
	if typ == 1 {
		keySize = 8 + 8*(rank+1)
	}
	budget := 1 << 20
	var visit func(a uint64, wantLevel int) error
	visit = func(a uint64, wantLevel int) error {
		budget--
		if budget < 0 {
			return corrupt(what, int64(a), "v1 B-tree has too many nodes (cycle?)")
		}
		hdr, off, err := f.readMeta(a, uint64(8+2*f.sizeOff), what)
		if err != nil {
			return err
		}
		r := f.newRd(hdr, off, what)
		r.sig("TREE")
		if t := r.u8(); r.err == nil && t != typ {
			return r.errorf("v1 B-tree node of type %d, want %d", t, typ)
		}
		level := int(r.u8())
		n := int(r.u16())
		if r.err != nil {
			return r.err
		}
		if wantLevel >= 0 && level != wantLevel {
			return corrupt(what, off, "v1 B-tree node at level %d, want %d", level, wantLevel)
		}
		if level > 64 {
			return corrupt(what, off, "v1 B-tree level %d", level)
		}
		body := uint64(n)*uint64(f.sizeOff) + uint64(n+1)*uint64(keySize)
		b, boff, err := f.readMeta(a+uint64(8+2*f.sizeOff), body, what)
		if err != nil {
			return err
		}
		r = f.newRd(b, boff, what)
		keys := make([][]byte, n+1)
		kids := make([]uint64, n)
		for i := 0; i < n; i++ {
			keys[i] = r.take(keySize)
			kids[i] = r.addr()
		}
		keys[n] = r.take(keySize)
		if r.err != nil {
			return r.err
		}
		for i, c := range kids {
			if keep != nil && !keep(keys[i], keys[i+1]) {
				continue
			}
			if c == undef {
				return corrupt(what, boff, "v1 B-tree child %d has an undefined address", i)
			}
			if level == 0 {
				if err := leaf(c, keys[i], keys[i+1]); err != nil {
					return err
				}
				continue
			}
			if err := visit(c, level-1); err != nil {
				return err
			}
		}
		return nil
	}
	if a == undef {
		return nil
	}
	return visit(a, -1)
}

// resolve finds the object at path, following hard and soft links (at most
// maxSoftHops soft links). It returns the object and its canonical path.
func (f *File) resolve(path string) (*object, string, error) {
	return f.resolveFrom(path, 0)
}

const maxSoftHops = 32

func (f *File) resolveFrom(path string, hops int) (*object, string, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	cur, err := f.readObject(f.root, "/")
	if err != nil {
		return nil, "", err
	}
	curPath := "/"
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		return cur, "/", nil
	}
	for i, p := range parts {
		if p == "" || p == "." {
			continue
		}
		if !isGroup(cur) {
			return nil, "", errorf(ErrNotFound, "%s is not a group", curPath)
		}
		links, err := f.groupLinks(cur, curPath)
		if err != nil {
			return nil, "", err
		}
		j, ok := slices.BinarySearchFunc(links, p, func(l link, name string) int { return strings.Compare(l.name, name) })
		if !ok {
			return nil, "", errorf(ErrNotFound, "%s: no object named %q", joinPath(curPath, ""), p)
		}
		l := links[j]
		here := joinPath(curPath, p)
		switch l.kind {
		case linkHard:
			if l.addr == undef {
				return nil, "", corrupt("link "+here, -1, "undefined object address")
			}
			cur, err = f.readObject(l.addr, here)
			if err != nil {
				return nil, "", err
			}
			curPath = here
		case linkSoft:
			if hops >= maxSoftHops {
				return nil, "", errorf(ErrNotFound, "%s: more than %d soft links (loop?)", here, maxSoftHops)
			}
			target := l.target
			if !strings.HasPrefix(target, "/") {
				target = joinPath(curPath, target)
			}
			rest := strings.Join(parts[i+1:], "/")
			if rest != "" {
				target = joinPath(target, rest)
			}
			o, canon, err := f.resolveFrom(target, hops+1)
			if err != nil {
				return nil, "", fmt.Errorf("%s is a soft link to %s: %w", here, l.target, err)
			}
			return o, canon, nil
		case linkExternal:
			return nil, "", unsupported("%s is an external link to %s: external links are not supported", here, l.target)
		default:
			return nil, "", unsupported("%s is a user-defined link of type %d: not supported", here, l.kind)
		}
	}
	return cur, curPath, nil
}

func joinPath(dir, name string) string {
	if name == "" {
		return dir
	}
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}
