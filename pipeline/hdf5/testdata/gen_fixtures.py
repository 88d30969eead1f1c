#!/usr/bin/env python3
"""Writes the HDF5 fixtures of package hdf5 with h5py and a manifest of what
each dataset must read as.

Usage: gen_fixtures.py OUTDIR

Every dataset's values follow a formula the Go test recomputes, so no
expected values are stored: for linear (row-major) element index i,

  gen=lin,A,B   value = A*i + B computed in float64 (exact for the A and B
                used here) and cast to the dtype as numpy's astype does
                (integers wrap modulo 2**bits)
  gen=bool3     value = (i % 3 == 0)

A dataset written only in part lists written=STARTS:COUNTS (the box that was
assigned) and fill=F: elements outside the box read as F. The manifest is
tab-separated: file, dataset path, then key=value fields.
"""
import os
import sys

import h5py
import numpy as np

manifest = []


def values(dtype, shape, gen):
    n = int(np.prod(shape, dtype=np.int64)) if len(shape) else 1
    if gen == "bool3":
        v = (np.arange(n) % 3) == 0
    else:
        _, a, b = gen.split(",")
        v = np.arange(n, dtype=np.float64) * float(a) + float(b)
        if np.dtype(dtype).kind in "iu":
            v = v.astype(np.int64)
    return v.astype(dtype).reshape(shape)


def record(fname, path, dtype, shape, gen, layout, chunk=None, index=None,
           filters="", written=None, fill=None):
    dt = np.dtype(dtype)
    order = "big" if dt.byteorder == ">" else "little"
    name = "bool" if dt.kind == "b" else dt.newbyteorder("=").name
    fields = [fname, path, "dtype=" + name, "order=" + order,
              "shape=" + ",".join(str(s) for s in shape), "layout=" + layout,
              "gen=" + gen]
    if chunk:
        fields.append("chunk=" + ",".join(str(c) for c in chunk))
    if index:
        fields.append("index=" + index)
    fields.append("filters=" + filters)
    if written is not None:
        s, c = written
        fields.append("written=%s:%s" % (",".join(map(str, s)), ",".join(map(str, c))))
        fields.append("fill=%s" % fill)
    manifest.append("\t".join(fields))


def put(f, fname, path, dtype, shape, gen, layout="contiguous", index=None,
        filters="", written=None, fill=None, **kw):
    data = values(dtype, shape, gen)
    if written is None:
        d = f.create_dataset(path, data=data, dtype=dtype, **kw)
    else:
        d = f.create_dataset(path, shape=shape, dtype=dtype, fillvalue=fill, **kw)
        s, c = written
        sl = tuple(slice(a, a + b) for a, b in zip(s, c))
        d[sl] = data[sl]
    chunk = d.chunks
    record(fname, path, dtype, shape, gen, layout, chunk, index, filters,
           written, fill)
    return d


def lowlevel(f, fname, path, dtype, shape, gen, layout, chunk=None,
             index=None, alloc_early=False, maxshape=None):
    """Creates a dataset through the low-level API (compact layout, early
    allocation) and writes all of it."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    if layout == "compact":
        dcpl.set_layout(h5py.h5d.COMPACT)
    if chunk:
        dcpl.set_chunk(chunk)
    if alloc_early:
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    space = h5py.h5s.create_simple(shape, maxshape or shape) if len(shape) else h5py.h5s.create(h5py.h5s.SCALAR)
    tid = h5py.h5t.py_create(np.dtype(dtype), logical=1)
    parent, _, base = path.rpartition("/")
    grp = f.require_group(parent) if parent else f
    dsid = h5py.h5d.create(grp.id, base.encode(), tid, space, dcpl=dcpl)
    d = h5py.Dataset(dsid)
    d[...] = values(dtype, shape, gen)
    record(fname, path, dtype, shape, gen, layout, chunk, index, "")


def attrs(obj):
    obj.attrs["int_scalar"] = np.int32(-42)
    obj.attrs["float_array"] = np.array([1.5, 2.5, -3.0])
    obj.attrs["fixed_string"] = np.bytes_(b"fixed")
    obj.attrs["vlen_string"] = "variable \u00e9"
    obj.attrs["uint_array"] = np.array([1, 2, 3], dtype="<u2")


def earliest(out):
    fname = "earliest.h5"
    with h5py.File(os.path.join(out, fname), "w", libver="earliest") as f:
        for dt in ["i1", "u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8"]:
            put(f, fname, "/ints/" + np.dtype(dt).name, dt, (37,), "lin,977,-5000")
        for dt in [">i2", ">u2", ">i4", ">u4", ">i8", ">u8"]:
            put(f, fname, "/ints/" + np.dtype(dt).name + "be", dt, (11,), "lin,977,-5000")
        put(f, fname, "/floats/float32", "<f4", (5, 7), "lin,0.25,-3")
        put(f, fname, "/floats/float64", "<f8", (5, 7), "lin,-0.125,1e6")
        put(f, fname, "/floats/float32be", ">f4", (5, 7), "lin,0.25,-3")
        put(f, fname, "/floats/float64be", ">f8", (5, 7), "lin,-0.125,1e6")
        put(f, fname, "/bool", "?", (4, 5), "bool3")
        put(f, fname, "/nd/d1", "<f8", (9,), "lin,1,0")
        put(f, fname, "/nd/d2", "<i4", (4, 6), "lin,3,1")
        put(f, fname, "/nd/d3", "<i2", (3, 4, 5), "lin,-1,7")
        put(f, fname, "/nd/d4", "<u2", (2, 3, 4, 5), "lin,5,0")
        put(f, fname, "/scalar", "<f8", (), "lin,0,3.5")
        put(f, fname, "/empty", "<f4", (0,), "lin,1,0")
        put(f, fname, "/empty2", "<i8", (3, 0), "lin,1,0")
        put(f, fname, "/chunked/plain", "<f8", (13, 17), "lin,0.5,-1",
            layout="chunked", index="btree-v1", chunks=(4, 5))
        put(f, fname, "/chunked/deflate", "<i4", (13, 17), "lin,7,-100",
            layout="chunked", index="btree-v1", filters="deflate", chunks=(5, 4),
            compression="gzip", compression_opts=4)
        put(f, fname, "/chunked/shuffle_deflate", "<f8", (3, 50, 7), "lin,0.75,2",
            layout="chunked", index="btree-v1", filters="shuffle,deflate",
            chunks=(2, 16, 3), compression="gzip", shuffle=True)
        put(f, fname, "/chunked/fletcher32", "<u2", (40,), "lin,3,0",
            layout="chunked", index="btree-v1", filters="fletcher32", chunks=(7,),
            fletcher32=True)
        put(f, fname, "/chunked/all_be", ">f8", (20, 6), "lin,1.5,0",
            layout="chunked", index="btree-v1",
            filters="shuffle,deflate,fletcher32", chunks=(6, 4),
            compression="gzip", shuffle=True, fletcher32=True)
        put(f, fname, "/chunked/sparse", "<i2", (30, 30), "lin,1,0",
            layout="chunked", index="btree-v1", filters="deflate", chunks=(4, 4),
            compression="gzip", written=((5, 9), (6, 7)), fill=-7)
        put(f, fname, "/chunked/many", "u1", (600,), "lin,1,0",
            layout="chunked", index="btree-v1", chunks=(3,))
        lowlevel(f, fname, "/compact", "<i4", (3, 4), "lin,2,-3", "compact")
        f["/soft"] = h5py.SoftLink("/ints/int32")
        f["/nd/relsoft"] = h5py.SoftLink("d2")
        f["/dangling"] = h5py.SoftLink("/no/such/object")
        f["/external"] = h5py.ExternalLink("other.h5", "/data")
        big = f.create_group("many")
        for i in range(200):
            big["link%03d" % i] = f["/nd/d1"]
        attrs(f)
        attrs(f["/nd/d2"])


def latest(out):
    fname = "latest.h5"
    with h5py.File(os.path.join(out, fname), "w", libver="latest") as f:
        put(f, fname, "/contiguous", "<f8", (6, 5), "lin,0.5,0")
        put(f, fname, "/contiguous_be", ">i4", (6, 5), "lin,-9,4")
        lowlevel(f, fname, "/compact", "<u2", (10,), "lin,9,1", "compact")
        put(f, fname, "/scalar", "<i8", (), "lin,0,-12345678901")
        put(f, fname, "/empty", "<f8", (0, 4), "lin,1,0", layout="chunked",
            index="extensible-array", chunks=(2, 4), maxshape=(None, 4))
        put(f, fname, "/single", "<f4", (7, 9), "lin,0.5,1", layout="chunked",
            index="single", chunks=(7, 9))
        put(f, fname, "/single_deflate", "<i8", (7, 9), "lin,1000,1",
            layout="chunked", index="single", filters="deflate", chunks=(7, 9),
            compression="gzip")
        lowlevel(f, fname, "/implicit", "<i2", (11, 10), "lin,3,-50", "chunked",
                 chunk=(4, 3), index="implicit", alloc_early=True)
        put(f, fname, "/fixed", "<f8", (13, 17), "lin,0.5,-1", layout="chunked",
            index="fixed-array", chunks=(4, 5))
        put(f, fname, "/fixed_deflate", "<u4", (13, 17), "lin,11,0",
            layout="chunked", index="fixed-array", filters="deflate",
            chunks=(5, 4), compression="gzip")
        put(f, fname, "/fixed_shuffle", ">f4", (2, 9, 8), "lin,0.25,0",
            layout="chunked", index="fixed-array",
            filters="shuffle,deflate,fletcher32", chunks=(1, 4, 3),
            compression="gzip", shuffle=True, fletcher32=True)
        put(f, fname, "/fixed_paged", "u1", (2100,), "lin,1,0", layout="chunked",
            index="fixed-array", chunks=(1,))
        put(f, fname, "/fixed_sparse", "<i4", (20, 20), "lin,1,0",
            layout="chunked", index="fixed-array", chunks=(3, 3),
            written=((4, 4), (5, 8)), fill=99)
        put(f, fname, "/fixed_maxshape", "<i4", (10, 10), "lin,1,0",
            layout="chunked", index="fixed-array", chunks=(3, 4),
            maxshape=(20, 13))
        put(f, fname, "/earray", "<f8", (30, 7), "lin,0.5,0", layout="chunked",
            index="extensible-array", chunks=(4, 3), maxshape=(None, 7))
        put(f, fname, "/earray_deflate", "<i4", (400,), "lin,-3,7",
            layout="chunked", index="extensible-array", filters="deflate",
            chunks=(1,), maxshape=(None,), compression="gzip")
        put(f, fname, "/earray_big", "u1", (700,), "lin,1,0",
            layout="chunked", index="extensible-array", chunks=(1,),
            maxshape=(None,))
        put(f, fname, "/earray_dim1", "<i2", (5, 33), "lin,1,0",
            layout="chunked", index="extensible-array", chunks=(2, 4),
            maxshape=(8, None))
        put(f, fname, "/earray_sparse", "<u2", (50, 4), "lin,1,0",
            layout="chunked", index="extensible-array", chunks=(2, 2),
            maxshape=(None, 4), written=((20, 1), (11, 2)), fill=4444)
        put(f, fname, "/btree2", "<f8", (20, 20), "lin,0.25,0",
            layout="chunked", index="btree-v2", chunks=(2, 2),
            maxshape=(None, None))
        put(f, fname, "/btree2_deflate", "<i4", (9, 31), "lin,5,0",
            layout="chunked", index="btree-v2", filters="shuffle,deflate",
            chunks=(2, 3), maxshape=(None, None), compression="gzip",
            shuffle=True)
        put(f, fname, "/btree2_sparse", "<f4", (40, 30), "lin,1,0",
            layout="chunked", index="btree-v2", chunks=(3, 3),
            maxshape=(None, None), written=((10, 5), (9, 11)), fill=-1.5)
        put(f, fname, "/bool", "?", (3, 3), "bool3", layout="chunked",
            index="single", chunks=(3, 3))
        dense = f.create_group("dense")
        for i in range(300):
            dense["ds%03d" % i] = f["/contiguous"]
        dense["sub"] = h5py.SoftLink("/fixed")
        ordered = f.create_group("ordered", track_order=True)
        for i in range(20):
            ordered["o%02d" % (19 - i)] = f["/compact"]
        f["/soft"] = h5py.SoftLink("/fixed")
        f["/external"] = h5py.ExternalLink("other.h5", "/data")
        layout = h5py.VirtualLayout(shape=(6, 5), dtype="<f8")
        layout[:, :] = h5py.VirtualSource(".", "/contiguous", shape=(6, 5))
        f.create_virtual_dataset("/virtual", layout)
        attrs(f)
        d = f["/fixed"]
        for i in range(20):
            d.attrs["attr%02d" % i] = np.int64(i)


def v108(out):
    fname = "v108.h5"
    with h5py.File(os.path.join(out, fname), "w", libver="v108") as f:
        put(f, fname, "/a/b/c", "<i4", (5, 6), "lin,1,-10")
        put(f, fname, "/a/chunked", "<f4", (10, 10), "lin,0.5,0",
            layout="chunked", index="btree-v1", filters="deflate",
            chunks=(3, 4), compression="gzip")
        g = f.create_group("wide")
        for i in range(20):
            g["x%02d" % i] = f["/a/b/c"]
        attrs(f["/a"])


def userblock(out):
    fname = "userblock.h5"
    with h5py.File(os.path.join(out, fname), "w", userblock_size=512) as f:
        put(f, fname, "/x", "<i4", (3, 4), "lin,1,0")
        put(f, fname, "/g/y", "<f8", (10,), "lin,0.5,0", layout="chunked",
            index="btree-v1", filters="deflate", chunks=(4,), compression="gzip")
    with open(os.path.join(out, fname), "r+b") as raw:
        raw.write(b"user block text, not HDF5")


def refused(out):
    """Datasets the reader must refuse with a clear error (no manifest
    lines: objects_test.go lists the expected errors)."""
    with h5py.File(os.path.join(out, "refused.h5"), "w") as f:
        f.create_dataset("lzf", data=np.arange(100, dtype="<f8"), chunks=(10,), compression="lzf")
        f.create_dataset("strings", data=np.array([b"ab", b"cd"], dtype="S2"))
        f.create_dataset("vlen_strings", data=["x", "yz"], dtype=h5py.string_dtype())
        f.create_dataset("compound", data=np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]))
        f.create_dataset("float16", data=np.arange(4, dtype="<f2"))
        f.create_dataset("enum", data=np.arange(3, dtype="u1"), dtype=h5py.enum_dtype({"R": 0, "G": 1, "B": 2}, basetype="u1"))
        f.create_dataset("complex", data=np.zeros(2, dtype="<c16"))
        f.create_dataset("ok", data=np.arange(3, dtype="<i2"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    earliest(out)
    latest(out)
    v108(out)
    userblock(out)
    refused(out)
    with open(os.path.join(out, "manifest.tsv"), "w") as m:
        m.write("# generated by gen_fixtures.py with h5py %s, HDF5 %s\n"
                % (h5py.version.version, h5py.version.hdf5_version))
        for line in manifest:
            m.write(line + "\n")


if __name__ == "__main__":
    main()
