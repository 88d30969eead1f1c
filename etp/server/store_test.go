package server

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
)

func putDataspace(t *testing.T, c *rawClient, path string) {
	t.Helper()
	a := merge(t, c.request(&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI(path)}}}), 0)
	a.noErrors(t)
}

func TestDataspaces(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxResponseCount: 5})
	c, _ := openRaw(t, url, 0)
	a := merge(t, c.request(&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{
		"a":      {URI: "eml:///dataspace('demo/a')", CustomData: map[string]etp.DataValue{"legaltags": etp.Strings("x")}},
		"b":      {URI: "eml:///dataspace('demo/b')", Path: "demo/b"},
		"badURI": {URI: "eml:///dataspace(demo)"},
		"object": {URI: "eml:///resqml20.obj_Grid2dRepresentation(" + nilUUIDText + ")"},
		"path":   {URI: "eml:///dataspace('demo/c')", Path: "other"},
		"exists": {URI: "eml:///"},
	}}), 0)
	if got := successKeys(a.parts); len(got) != 2 || !got["a"] || !got["b"] {
		t.Fatalf("successes %v: %s", got, describe(a.msgs))
	}
	a.keyCode(t, "badURI", etp.EInvalidURI)
	a.keyCode(t, "object", etp.EInvalidURI)
	a.keyCode(t, "path", etp.EInvalidArgument)
	a.keyCode(t, "exists", etp.EInvalidArgument)
	merge(t, c.request(&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"again": {URI: "eml:///dataspace('demo/a')"}}}), 0).
		keyCode(t, "again", etp.EInvalidArgument)

	a = merge(t, c.request(&etp.GetDataspaces{}), 0)
	a.noErrors(t)
	list := a.parts[0].(*etp.GetDataspacesResponse).Dataspaces
	if len(list) != 3 || list[0].URI != "eml:///" || list[1].URI != "eml:///dataspace('demo/a')" || list[1].Path != "demo/a" {
		t.Fatalf("dataspaces %+v", list)
	}
	if v, ok := list[1].CustomData["legaltags"].(etp.ArrayOfString); !ok || v.Values[0] != "x" {
		t.Errorf("customData %v", list[1].CustomData)
	}
	if list[1].StoreCreated == 0 || list[1].StoreLastWrite < list[1].StoreCreated {
		t.Errorf("times %+v", list[1])
	}
	since := list[1].StoreLastWrite
	a = merge(t, c.request(&etp.GetDataspaces{StoreLastWriteFilter: &since}), 0)
	if l := a.parts[0].(*etp.GetDataspacesResponse).Dataspaces; len(l) != 1 || l[0].Path != "demo/b" {
		t.Errorf("filtered list %+v", l)
	}

	// MaxResponseCount 5: seven dataspaces are cut with ERESPONSECOUNT_EXCEEDED.
	for i := range 4 {
		putDataspace(t, c, fmt.Sprintf("more/%d", i))
	}
	a = merge(t, c.request(&etp.GetDataspaces{}), 0)
	a.wantCode(t, etp.EResponseCountExceeded)
	if n := len(a.parts[0].(*etp.GetDataspacesResponse).Dataspaces); n != 5 {
		t.Errorf("%d dataspaces before ERESPONSECOUNT_EXCEEDED", n)
	}

	// Delete: non-empty refused, missing, default, bad URI.
	obj := newTestObject("demo/a", "resqml20.obj_Grid2dRepresentation", "g", 0)
	merge(t, c.request(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": obj.dataObject()}}), 0).noErrors(t)
	a = merge(t, c.request(&etp.DeleteDataspaces{URIs: map[string]string{
		"full": "eml:///dataspace('demo/a')", "empty": "eml:///dataspace('demo/b')", "missing": "eml:///dataspace('nope')",
		"default": "eml:///", "bad": "eml:///dataspace('x",
	}}), 0)
	if got := successKeys(a.parts); len(got) != 1 || !got["empty"] {
		t.Fatalf("successes %v", got)
	}
	a.keyCode(t, "full", etp.ERequestDenied)
	a.keyCode(t, "missing", etp.ENotFound)
	a.keyCode(t, "default", etp.ERequestDenied)
	a.keyCode(t, "bad", etp.EInvalidURI)
}

func TestDeleteDataspaceCascade(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{DeleteDataspaceCascade: true})
	c, _ := openRaw(t, url, 0)
	putDataspace(t, c, "full")
	obj := newTestObject("full", "resqml20.obj_Grid2dRepresentation", "g", 0)
	merge(t, c.request(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": obj.dataObject()}}), 0).noErrors(t)
	merge(t, c.request(&etp.DeleteDataspaces{URIs: map[string]string{"0": "eml:///dataspace('full')"}}), 0).noErrors(t)
	merge(t, c.request(&etp.GetDataObjects{URIs: map[string]string{"0": obj.uri}}), 0).keyCode(t, "0", etp.ENotFound)
}

func getObjects(t *testing.T, c *rawClient, limit int64, uris map[string]string) (map[string]etp.DataObject, answer) {
	t.Helper()
	a := merge(t, c.request(&etp.GetDataObjects{URIs: uris, Format: "xml"}), limit)
	got := map[string]etp.DataObject{}
	blobs := map[etp.UUID]string{}
	for _, p := range a.parts {
		for k, d := range p.(*etp.GetDataObjectsResponse).DataObjects {
			if _, dup := got[k]; dup {
				t.Fatalf("key %q twice", k)
			}
			if d.BlobID != nil {
				blobs[*d.BlobID] = k
			}
			got[k] = d
		}
	}
	final := map[etp.UUID]bool{}
	for _, ch := range a.chunks {
		k, ok := blobs[ch.BlobID]
		if !ok || final[ch.BlobID] {
			t.Fatalf("chunk for unknown or finished blob %s", ch.BlobID)
		}
		d := got[k]
		d.Data = append(d.Data, ch.Data...)
		got[k] = d
		final[ch.BlobID] = ch.Final
	}
	for id, k := range blobs {
		if !final[id] {
			t.Fatalf("blob of %q never finished", k)
		}
	}
	return got, a
}

func TestStoreObjects(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			t.Parallel()
			var comp []string
			if gz {
				comp = []string{"gzip"}
			}
			c, _ := openRaw(t, url, 0, comp...)
			ds := fmt.Sprintf("store-%v", gz)
			putDataspace(t, c, ds)
			crs := newTestObject(ds, "resqml20.obj_LocalDepth3dCrs", "crs", 0)
			epc := newTestObject(ds, "eml20.obj_EpcExternalPartReference", "epc", 0)
			grid := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "grid", 0,
				[2]string{crs.typ, crs.uuid.String()}, [2]string{epc.typ, epc.uuid.String()})
			wrongUUID := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "w", 0)
			wrongUUID.xml = bytes.Replace(wrongUUID.xml, []byte(wrongUUID.uuid.String()), []byte(nilUUIDText), 1)
			wrongType := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "w", 0)
			wrongType.uri = strings.Replace(wrongType.uri, "Grid2dRepresentation", "TriangulatedSetRepresentation", 1)
			malformed := newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "m", 0)
			malformed.xml = malformed.xml[:len(malformed.xml)-10]
			noSpace := newTestObject("nowhere", "resqml20.obj_Grid2dRepresentation", "n", 0)
			notNegotiated := newTestObject(ds, "prodml22.Well", "p", 0)
			def := newTestObject("", "resqml20.obj_Grid2dRepresentation", "default", 0)
			bad := etp.DataObject{Resource: etp.Resource{URI: "eml:///dataspace('x')/resqml20.obj_Grid(not-a-uuid)"}, Data: grid.xml}
			a := merge(t, c.request(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{
				"crs": crs.dataObject(), "epc": epc.dataObject(), "grid": grid.dataObject(), "default": def.dataObject(),
				"wrongUUID": wrongUUID.dataObject(), "wrongType": wrongType.dataObject(), "malformed": malformed.dataObject(),
				"noSpace": noSpace.dataObject(), "notNegotiated": notNegotiated.dataObject(), "badURI": bad,
			}}), 0)
			if got := successKeys(a.parts); len(got) != 4 {
				t.Fatalf("successes %v: %s", got, describe(a.msgs))
			}
			a.keyCode(t, "wrongUUID", etp.EInvalidObject)
			a.keyCode(t, "wrongType", etp.EInvalidObject)
			a.keyCode(t, "malformed", etp.EInvalidObject)
			a.keyCode(t, "noSpace", etp.ENotFound)
			a.keyCode(t, "notNegotiated", etp.EDataObjectTypeNotSupported)
			a.keyCode(t, "badURI", etp.EInvalidURI)

			upper := strings.ToUpper(grid.uuid.String())
			got, a := getObjects(t, c, 0, map[string]string{
				"grid": strings.Replace(grid.uri, grid.uuid.String(), upper, 1), "def": def.uri,
				"missing": newTestObject(ds, "resqml20.obj_Grid2dRepresentation", "x", 0).uri,
				"dsURI":   etp.DataspaceURI(ds),
				"version": etp.URI{Dataspace: ds, QualifiedType: grid.typ, UUID: grid.uuid.String(), Version: "1"}.String(),
			})
			if !bytes.Equal(got["grid"].Data, grid.xml) || got["grid"].Resource.Name != "grid" || got["grid"].Resource.URI != grid.uri {
				t.Errorf("grid %+v", got["grid"].Resource)
			}
			if !bytes.Equal(got["def"].Data, def.xml) {
				t.Error("default dataspace object differs")
			}
			a.keyCode(t, "missing", etp.ENotFound)
			a.keyCode(t, "dsURI", etp.EInvalidURI)
			a.keyCode(t, "version", etp.ENotSupported)
			merge(t, c.request(&etp.GetDataObjects{URIs: map[string]string{"0": grid.uri}, Format: "json"}), 0).
				wantCode(t, etp.ENoSupportedFormats)

			a = merge(t, c.request(&etp.DeleteDataObjects{URIs: map[string]string{"grid": grid.uri, "again": def.uri,
				"missing": wrongUUID.uri}}), 0)
			if got := successKeys(a.parts); len(got) != 2 {
				t.Fatalf("deleted %v: %s", got, describe(a.msgs))
			}
			a.keyCode(t, "missing", etp.ENotFound)
			del := a.parts[0].(*etp.DeleteDataObjectsResponse).DeletedURIs["grid"]
			if len(del.Values) != 1 || del.Values[0] != grid.uri {
				t.Errorf("deletedUris %v", del)
			}
			_, a = getObjects(t, c, 0, map[string]string{"grid": grid.uri})
			a.keyCode(t, "grid", etp.ENotFound)
		})
	}
}

// TestStoreChunks moves objects larger than the session limit in both
// directions: PutDataObjects with a blobId followed by Chunk parts, and
// GetDataObjectsResponse with a blobId followed by Chunks.
func TestStoreChunks(t *testing.T) {
	t.Parallel()
	const limit = 4096
	_, url := startServer(t, &Options{MaxDataObjectSize: 200 << 10, MaxConcurrentMultipart: 2})
	c, _ := openRaw(t, url, limit)
	putDataspace(t, c, "chunks")
	big := newTestObject("chunks", "resqml20.obj_Grid2dRepresentation", "big", 50_000)
	small := newTestObject("chunks", "resqml20.obj_LocalDepth3dCrs", "small", 0)

	sendChunked := func(parts [][]byte, objects map[string]etp.DataObject, blob etp.UUID, final bool) int64 {
		t.Helper()
		b, first := c.encode(&etp.PutDataObjects{DataObjects: objects}, 0, 0)
		c.sendRaw(b)
		for i, p := range parts {
			flags := int32(0)
			last := i == len(parts)-1
			if last {
				flags = etp.FlagFinalPart
			}
			b, _ := c.encode(&etp.Chunk{BlobID: blob, Data: p, Final: last && final}, first, flags)
			c.sendRaw(b)
		}
		return first
	}
	split := func(data []byte, n int) [][]byte {
		var out [][]byte
		for len(data) > 0 {
			k := min(n, len(data))
			out = append(out, data[:k])
			data = data[k:]
		}
		return out
	}
	t.Run("put and get", func(t *testing.T) {
		blob := etp.NewUUID()
		d := big.dataObject()
		d.Data, d.BlobID = nil, &blob
		first := sendChunked(split(big.xml, 3000), map[string]etp.DataObject{"big": d, "small": small.dataObject()}, blob, true)
		a := merge(t, c.collect(first), limit)
		a.noErrors(t)
		if got := successKeys(a.parts); len(got) != 2 {
			t.Fatalf("successes %v", got)
		}
		got, a := getObjects(t, c, limit, map[string]string{"big": big.uri, "small": small.uri})
		a.noErrors(t)
		if !bytes.Equal(got["big"].Data, big.xml) || !bytes.Equal(got["small"].Data, small.xml) {
			t.Fatalf("objects differ after the round trip (%d bytes vs %d)", len(got["big"].Data), len(big.xml))
		}
		if len(a.chunks) < len(big.xml)/limit {
			t.Fatalf("%d chunks for %d bytes", len(a.chunks), len(big.xml))
		}
	})
	t.Run("no final chunk", func(t *testing.T) {
		blob := etp.NewUUID()
		d := big.dataObject()
		d.Data, d.BlobID = nil, &blob
		first := sendChunked(split(big.xml[:5000], 3000), map[string]etp.DataObject{"big": d}, blob, false)
		merge(t, c.collect(first), limit).keyCode(t, "big", etp.EInvalidArgument)
	})
	t.Run("object too large", func(t *testing.T) {
		huge := newTestObject("chunks", "resqml20.obj_Grid2dRepresentation", "huge", 210<<10)
		blob := etp.NewUUID()
		d := huge.dataObject()
		d.Data, d.BlobID = nil, &blob
		first := sendChunked(split(huge.xml, 3500), map[string]etp.DataObject{"huge": d}, blob, true)
		merge(t, c.collect(first), limit).keyCode(t, "huge", etp.EMaxSizeExceeded)
	})
	t.Run("chunk for an unknown blob", func(t *testing.T) {
		blob := etp.NewUUID()
		d := big.dataObject()
		d.Data, d.BlobID = nil, &blob
		b, first := c.encode(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"big": d}}, 0, 0)
		c.sendRaw(b)
		b, _ = c.encode(&etp.Chunk{BlobID: etp.NewUUID(), Data: []byte("x")}, first, 0)
		c.sendRaw(b)
		b, _ = c.encode(&etp.Chunk{BlobID: blob, Data: []byte("x"), Final: true}, first, etp.FlagFinalPart)
		c.sendRaw(b) // dropped silently: the request was cancelled
		merge(t, c.collect(first), limit).wantCode(t, etp.EInvalidArgument)
		merge(t, c.request(&etp.GetDataspaces{}), limit).noErrors(t)
	})
	t.Run("stray chunk", func(t *testing.T) {
		b, id := c.encode(&etp.Chunk{BlobID: etp.NewUUID(), Data: []byte("x"), Final: true}, 4, etp.FlagFinalPart)
		c.sendRaw(b)
		merge(t, c.collect(id), limit).wantCode(t, etp.EInvalidState)
	})
	t.Run("too many multipart requests", func(t *testing.T) {
		var firsts []int64
		for range 3 {
			blob := etp.NewUUID()
			d := big.dataObject()
			d.Data, d.BlobID = nil, &blob
			b, first := c.encode(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"big": d}}, 0, 0)
			c.sendRaw(b)
			firsts = append(firsts, first)
		}
		merge(t, c.collect(firsts[2]), limit).wantCode(t, etp.EMultipartCancelled)
		for _, f := range firsts[:2] {
			b, _ := c.encode(&etp.PutDataObjects{}, f, etp.FlagFinalPart)
			c.sendRaw(b)
			merge(t, c.collect(f), limit).keyCode(t, "big", etp.EInvalidArgument)
		}
	})
	t.Run("multipart PutDataObjects map", func(t *testing.T) {
		o1 := newTestObject("chunks", "resqml20.obj_Grid2dRepresentation", "p1", 0)
		o2 := newTestObject("chunks", "resqml20.obj_Grid2dRepresentation", "p2", 0)
		b, first := c.encode(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"1": o1.dataObject()}}, 0, 0)
		c.sendRaw(b)
		b, _ = c.encode(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"2": o2.dataObject(), "1": o2.dataObject()}},
			first, etp.FlagFinalPart)
		c.sendRaw(b)
		a := merge(t, c.collect(first), limit)
		if got := successKeys(a.parts); len(got) != 1 || !got["2"] {
			t.Fatalf("successes %v", got)
		}
		a.keyCode(t, "1", etp.EInvalidArgument)
	})
}

func TestMultipartTimeout(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MultipartTimeout: 100 * 1e6})
	c, _ := openRaw(t, url, 0)
	blob := etp.NewUUID()
	o := newTestObject("", "resqml20.obj_Grid2dRepresentation", "t", 0)
	d := o.dataObject()
	d.Data, d.BlobID = nil, &blob
	b, first := c.encode(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": d}}, 0, 0)
	c.sendRaw(b)
	merge(t, c.collect(first), 0).wantCode(t, etp.ETimedOut)
}
