package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"
)

// supportedFilter reports whether this package can undo filter id.
func supportedFilter(id int) bool {
	return id == filterDeflate || id == filterShuffle || id == filterFletcher32
}

// unfilter undoes the filter pipeline on a stored chunk, skipping the
// filters whose bit is set in mask, and returns want bytes.
func (d *Dataset) unfilter(b []byte, mask uint32, want int64, addr uint64) ([]byte, error) {
	limit := want + 64
	for i := len(d.filters) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<uint(i)) != 0 {
			continue
		}
		fl := d.filters[i]
		switch fl.ID {
		case filterDeflate:
			out, err := inflate(b, limit)
			if err != nil {
				return nil, corrupt("chunk of "+d.name, int64(addr), "deflate: %v", err)
			}
			b = out
		case filterShuffle:
			es := d.esize
			if len(fl.Params) > 0 && fl.Params[0] > 0 && fl.Params[0] <= 1<<16 {
				es = int(fl.Params[0])
			}
			b = unshuffle(b, es)
		case filterFletcher32:
			if len(b) < 4 {
				return nil, corrupt("chunk of "+d.name, int64(addr), "fletcher32: chunk of %d bytes has no checksum", len(b))
			}
			body := b[:len(b)-4]
			stored := binary.LittleEndian.Uint32(b[len(b)-4:])
			sum := fletcher32(body)
			// Files written before HDF5 1.6.3 stored the checksum byte-swapped.
			if stored != sum && stored != bits.ReverseBytes32(sum) {
				return nil, corrupt("chunk of "+d.name, int64(addr), "fletcher32 checksum mismatch (stored %#08x, computed %#08x)", stored, sum)
			}
			b = body
		default:
			return nil, unsupported("%s: filter %d (%s) is not supported", d.name, fl.ID, fl.Name)
		}
	}
	if int64(len(b)) != want {
		return nil, corrupt("chunk of "+d.name, int64(addr), "unfiltered chunk has %d bytes, want %d", len(b), want)
	}
	return b, nil
}

// maxDeflateRatio bounds how much deflate can expand its input (about
// 1032:1 for runs of one byte), used to reject impossible sizes before
// allocating.
const maxDeflateRatio = 1100

var zlibPool sync.Pool // of io.ReadCloser implementing zlib.Resetter

// inflate decompresses a zlib stream that must hold at most limit bytes.
// The output buffer is sized from limit only when the input could expand
// that far, so a corrupt size never drives a large allocation.
func inflate(b []byte, limit int64) ([]byte, error) {
	src := bytes.NewReader(b)
	var zr io.ReadCloser
	if v := zlibPool.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(src, nil); err != nil {
			return nil, err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(src); err != nil {
			return nil, err
		}
	}
	defer zlibPool.Put(zr)
	size := min(limit, int64(len(b))*maxDeflateRatio+1024)
	out := make([]byte, size+1)
	n, err := io.ReadFull(zr, out)
	switch {
	case err == nil:
		return nil, fmt.Errorf("output exceeds %d bytes", size)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
	default:
		return nil, err
	}
	if err := zr.Close(); err != nil {
		return nil, err
	}
	return out[:n], nil
}

// unshuffle undoes HDF5's byte shuffle: the input holds byte 0 of every
// element, then byte 1, ...; trailing bytes that do not fill an element are
// left in place.
func unshuffle(b []byte, es int) []byte {
	if es <= 1 || len(b) < 2*es {
		return b
	}
	n := len(b) / es
	out := make([]byte, len(b))
	for j := 0; j < es; j++ {
		src := b[j*n : (j+1)*n]
		for i, c := range src {
			out[i*es+j] = c
		}
	}
	copy(out[n*es:], b[n*es:])
	return out
}

func filterList(fs []Filter) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += ","
		}
		s += f.Name
	}
	return s
}
