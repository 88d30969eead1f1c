package hdf5

import "fmt"

// Header message types (File Format Specification 3.0, section IV.A.2).
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0a
	msgFilters      = 0x0b
	msgAttribute    = 0x0c
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// Limits on what one object header may hold.
const (
	maxHeaderBlocks   = 4096
	maxHeaderMessages = 1 << 16
)

// message is one header message: its type, flags and body (a slice of the
// header block it was read from), and the file offset of the body.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	at    int64
}

// object is a parsed object header.
type object struct {
	addr uint64
	msgs []message
}

func (o *object) find(typ uint16) *message {
	for i := range o.msgs {
		if o.msgs[i].typ == typ {
			return &o.msgs[i]
		}
	}
	return nil
}

// readObject parses the object header at address a (version 1 or 2),
// following continuation messages. name is the object's path, for errors.
func (f *File) readObject(a uint64, name string) (*object, error) {
	what := fmt.Sprintf("object header of %s", name)
	b, off, err := f.readUpTo(a, 512, what)
	if err != nil {
		return nil, err
	}
	if len(b) >= 4 && string(b[:4]) == "OHDR" {
		return f.readObjectV2(a, b, off, what)
	}
	return f.readObjectV1(a, b, off, what)
}

type span struct {
	addr uint64
	size uint64
}

func (f *File) readObjectV1(a uint64, b []byte, off int64, what string) (*object, error) {
	r := f.newRd(b, off, what)
	if v := r.u8(); r.err == nil && v != 1 {
		return nil, corrupt(what, off, "unknown object header version %d", v)
	}
	r.skip(1)
	nmsgs := int(r.u16())
	r.skip(4) // reference count
	size := uint64(r.u32())
	if r.err != nil {
		return nil, r.err
	}
	obj := &object{addr: a}
	queue := []span{{a + 16, size}}
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s.addr] || len(seen) >= maxHeaderBlocks {
			return nil, corrupt(what, int64(s.addr), "continuation loop or too many header blocks")
		}
		seen[s.addr] = true
		blk, boff, err := f.readMeta(s.addr, s.size, what)
		if err != nil {
			return nil, err
		}
		r := f.newRd(blk, boff, what)
		for r.left() >= 8 && len(obj.msgs) < nmsgs {
			typ := r.u16()
			n := int(r.u16())
			flags := r.u8()
			r.skip(3)
			at := r.at + int64(r.p)
			data := r.take(n)
			if r.err != nil {
				return nil, r.err
			}
			if err := obj.add(f, typ, flags, data, at, &queue, what); err != nil {
				return nil, err
			}
		}
	}
	return obj, nil
}

func (o *object) add(f *File, typ uint16, flags uint8, data []byte, at int64, queue *[]span, what string) error {
	if len(o.msgs) >= maxHeaderMessages {
		return corrupt(what, at, "more than %d header messages", maxHeaderMessages)
	}
	if typ == msgContinuation {
		r := f.newRd(data, at, what+" continuation message")
		ca, cl := r.addr(), r.length()
		if r.err != nil {
			return r.err
		}
		if ca == undef || cl == 0 {
			return corrupt(what, at, "continuation to undefined address or of length 0")
		}
		*queue = append(*queue, span{ca, cl})
		return nil
	}
	if typ == msgNil {
		return nil
	}
	o.msgs = append(o.msgs, message{typ: typ, flags: flags, data: data, at: at})
	return nil
}

func (f *File) readObjectV2(a uint64, b []byte, off int64, what string) (*object, error) {
	r := f.newRd(b, off, what)
	r.skip(4)
	if v := r.u8(); r.err == nil && v != 2 {
		return nil, corrupt(what, off, "unknown object header version %d", v)
	}
	flags := r.u8()
	if flags&0x20 != 0 {
		r.skip(16) // access, modification, change, birth times
	}
	if flags&0x10 != 0 {
		r.skip(4) // attribute phase change values
	}
	size := r.uN(1 << (flags & 3))
	if r.err != nil {
		return nil, r.err
	}
	prefix := r.p
	if size > maxMeta {
		return nil, corrupt(what, off, "header chunk size %d too large", size)
	}
	total := uint64(prefix) + size + 4
	if uint64(len(b)) < total {
		var err error
		if b, _, err = f.readMeta(a, total, what); err != nil {
			return nil, err
		}
	}
	b = b[:total]
	obj := &object{addr: a}
	var queue []span
	if err := f.v2Messages(obj, b, off, prefix, flags, &queue, what); err != nil {
		return nil, err
	}
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s.addr] || len(seen) >= maxHeaderBlocks {
			return nil, corrupt(what, int64(s.addr), "continuation loop or too many header blocks")
		}
		seen[s.addr] = true
		blk, boff, err := f.readMeta(s.addr, s.size, what)
		if err != nil {
			return nil, err
		}
		if len(blk) < 8 || string(blk[:4]) != "OCHK" {
			return nil, corrupt(what, boff, "continuation block without OCHK signature")
		}
		if err := f.v2Messages(obj, blk, boff, 4, flags, &queue, what); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// v2Messages parses the messages of a version 2 header block b (prefix bytes
// of header, then messages, then a checksum), verifying the checksum.
func (f *File) v2Messages(obj *object, b []byte, off int64, prefix int, flags uint8, queue *[]span, what string) error {
	if len(b) < prefix+4 {
		return corrupt(what, off, "header block of %d bytes too short", len(b))
	}
	end := len(b) - 4
	cr := f.newRd(b, off, what)
	cr.p = end
	cr.checksum(0)
	if cr.err != nil {
		return cr.err
	}
	hdr := 4
	if flags&0x04 != 0 {
		hdr = 6
	}
	r := f.newRd(b[:end], off, what)
	r.p = prefix
	for r.left() >= hdr {
		typ := uint16(r.u8())
		n := int(r.u16())
		mflags := r.u8()
		if flags&0x04 != 0 {
			r.skip(2)
		}
		at := r.at + int64(r.p)
		data := r.take(n)
		if r.err != nil {
			return r.err
		}
		if err := obj.add(f, typ, mflags, data, at, queue, what); err != nil {
			return err
		}
	}
	return nil
}
