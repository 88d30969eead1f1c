package arrayfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The npy format, as specified in NumPy's numpy/lib/format.py: the magic
// "\x93NUMPY", a major and a minor version byte, the header length as a
// little-endian uint16 (version 1) or uint32 (versions 2 and 3), then the
// header: a Python dict literal with the keys 'descr', 'fortran_order' and
// 'shape', padded with spaces and ended by '\n' so that the data starts at a
// multiple of 64 bytes. Versions 1 and 2 encode the header as latin-1,
// version 3 as UTF-8; the fields this package reads are ASCII either way.

const (
	npyMagic = "\x93NUMPY"
	// npyAlign is the alignment NumPy pads the header to.
	npyAlign = 64
	// npyGrowthDigits is NumPy's GROWTH_AXIS_MAX_DIGITS: spare spaces are
	// added after the dict so that the first dimension can grow in place.
	npyGrowthDigits = 21
	// maxNPYHeaderLen bounds the header length read from a file, so a
	// corrupt length field cannot make us allocate gigabytes. Headers of the
	// element types supported here are a few hundred bytes; NumPy itself
	// refuses headers over 10000 bytes unless told otherwise.
	maxNPYHeaderLen = 1 << 20
)

// npyHeader is the decoded header of an npy file.
type npyHeader struct {
	major, minor int
	dtype        DType
	order        ByteOrder
	shape        []int64
	dataOffset   int64
}

// npyPreludeLen returns the length of the fixed part (magic, version, header
// length field) for a major version.
func npyPreludeLen(major int) int {
	if major == 1 {
		return 10
	}
	return 12
}

// decodeNPYHeader decodes the npy header at the start of b, which must hold
// at least the whole header (the data may follow). Errors match ErrInvalid
// (malformed) or ErrUnsupported (valid but not handled here); their text
// starts with "npy header" or names the field and never includes more than a
// short excerpt of the input.
func decodeNPYHeader(b []byte) (npyHeader, error) {
	var h npyHeader
	if len(b) < len(npyMagic)+2 || string(b[:len(npyMagic)]) != npyMagic {
		n := min(len(b), len(npyMagic))
		return h, errorf(ErrInvalid, "not an npy file: bad magic %q, want %q", b[:n], npyMagic)
	}
	h.major, h.minor = int(b[6]), int(b[7])
	if h.major < 1 || h.major > 3 || h.minor != 0 {
		return h, errorf(ErrUnsupported, "npy format version %d.%d is not supported (want 1.0, 2.0 or 3.0)", h.major, h.minor)
	}
	pre := npyPreludeLen(h.major)
	if len(b) < pre {
		return h, errorf(ErrInvalid, "npy header truncated: file has %d bytes, the fixed prelude needs %d", len(b), pre)
	}
	var hlen uint64
	if h.major == 1 {
		hlen = uint64(binary.LittleEndian.Uint16(b[8:10]))
	} else {
		hlen = uint64(binary.LittleEndian.Uint32(b[8:12]))
	}
	if hlen > maxNPYHeaderLen {
		return h, errorf(ErrInvalid, "npy header length %d exceeds the limit of %d bytes", hlen, maxNPYHeaderLen)
	}
	if uint64(len(b)-pre) < hlen {
		return h, errorf(ErrInvalid, "npy header truncated: header length is %d bytes, only %d follow the prelude", hlen, len(b)-pre)
	}
	h.dataOffset = int64(pre) + int64(hlen)
	text := string(b[pre : pre+int(hlen)])
	if err := h.parseDict(text); err != nil {
		return h, err
	}
	return h, nil
}

// parseDict interprets the header dict literal.
func (h *npyHeader) parseDict(text string) error {
	v, err := parsePyLiteral(text)
	if err != nil {
		return errorf(ErrInvalid, "npy header is not a valid Python literal: %v (header %s)", err, excerpt(text))
	}
	if v.kind != pyDict {
		return errorf(ErrInvalid, "npy header is %s, want a dict (header %s)", v.kind, excerpt(text))
	}
	var descr, fortran, shape *pyValue
	var keys []string
	for i := 0; i+1 < len(v.items); i += 2 {
		k, val := v.items[i], &v.items[i+1]
		if k.kind != pyStr {
			return errorf(ErrInvalid, "npy header has %s as a key, want the string keys 'descr', 'fortran_order', 'shape' (header %s)", k.kind, excerpt(text))
		}
		if !slices.Contains(keys, k.str) {
			keys = append(keys, k.str)
		}
		// As in Python, a repeated key keeps its last value.
		switch k.str {
		case "descr":
			descr = val
		case "fortran_order":
			fortran = val
		case "shape":
			shape = val
		}
	}
	if len(keys) != 3 || descr == nil || fortran == nil || shape == nil {
		slices.Sort(keys)
		return errorf(ErrInvalid, "npy header keys are %q, want exactly 'descr', 'fortran_order', 'shape'", keys)
	}

	if fortran.kind != pyBool {
		return errorf(ErrInvalid, "npy header: fortran_order is %s, want True or False", fortran.kind)
	}

	switch descr.kind {
	case pyStr:
		d, o, err := ParseDescr(descr.str)
		if err != nil {
			return errorf(ErrUnsupported, "npy header: descr %q is not supported (supported: b1, i1, u1, i2, u2, i4, u4, i8, u8, f4, f8, either byte order)", descr.str)
		}
		h.dtype, h.order = d, o
	case pyList:
		return errorf(ErrUnsupported, "npy header: descr is a list (structured dtype), which is not supported; save plain numeric arrays")
	case pyTuple:
		return errorf(ErrUnsupported, "npy header: descr is a tuple (sub-array dtype), which is not supported; save plain numeric arrays")
	default:
		return errorf(ErrInvalid, "npy header: descr is %s, want a string such as '<f8'", descr.kind)
	}

	if shape.kind != pyTuple {
		return errorf(ErrInvalid, "npy header: shape is %s, want a tuple of integers", shape.kind)
	}
	if len(shape.items) > MaxDims {
		return errorf(ErrInvalid, "npy header: shape has %d dimensions, at most %d are supported", len(shape.items), MaxDims)
	}
	h.shape = make([]int64, len(shape.items))
	for i, d := range shape.items {
		if d.kind != pyInt {
			return errorf(ErrInvalid, "npy header: shape element %d is %s, want an integer", i, d.kind)
		}
		if d.num < 0 {
			return errorf(ErrInvalid, "npy header: shape %v has a negative dimension", formatShape(h.shape[:i+1], d.num))
		}
		h.shape[i] = d.num
	}
	size, err := dataSize(h.shape, h.dtype.Size())
	if err != nil {
		return errorf(ErrInvalid, "npy header: %w", err)
	}
	// Column-major data would need a transpose on every block read. With at
	// most one dimension longer than 1 (or no elements), both orders are the
	// same bytes, so such files are accepted.
	if fortran.b && size > 0 && nonTrivialDims(h.shape) > 1 {
		return errorf(ErrUnsupported, "npy header: fortran_order is True (column-major data, shape %v), which is not supported: "+
			"convert it to C order with numpy.ascontiguousarray, e.g. numpy.save(path, numpy.ascontiguousarray(a))", h.shape)
	}
	return nil
}

// nonTrivialDims counts the dimensions longer than 1.
func nonTrivialDims(shape []int64) int {
	n := 0
	for _, d := range shape {
		if d > 1 {
			n++
		}
	}
	return n
}

// formatShape renders shape with its last element replaced by last (used to
// show the offending dimension).
func formatShape(shape []int64, last int64) string {
	s := slices.Clone(shape)
	s[len(s)-1] = last
	return fmt.Sprint(s)
}

// excerpt quotes at most 120 bytes of the header for an error message.
func excerpt(s string) string {
	const limit = 120
	s = strings.TrimRight(s, " \n")
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

// pyShape renders a shape as Python's repr of a tuple: (), (5,), (3, 4).
func pyShape(shape []int64) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(d, 10))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// encodeNPYHeader returns the header NumPy's numpy.save would write for a
// C-ordered array of this type, byte order and shape: the same dict text,
// growth spaces, padding and version choice, so files are byte-identical to
// NumPy's. version 0 picks the oldest version that fits (always 1 for the
// shapes allowed here); 1 and 2 force that version.
func encodeNPYHeader(d DType, o ByteOrder, shape []int64, version int) ([]byte, error) {
	if version == 0 {
		version = 1
	}
	if version != 1 && version != 2 {
		return nil, fmt.Errorf("npy format version %d cannot be written (want 1 or 2)", version)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", d.Descr(o), pyShape(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(npyGrowthDigits-len(strconv.FormatInt(shape[0], 10)), 0))
	}
	pre := npyPreludeLen(version)
	hlen := len(dict) + 1 // the newline
	pad := npyAlign - (pre+hlen)%npyAlign
	total := hlen + pad
	if version == 1 && total > 0xffff {
		return nil, fmt.Errorf("npy header of %d bytes does not fit format version 1", total)
	}
	var b bytes.Buffer
	b.Grow(pre + total)
	b.WriteString(npyMagic)
	b.WriteByte(byte(version))
	b.WriteByte(0)
	if version == 1 {
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(total)))
	} else {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(total)))
	}
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes(), nil
}
