package server

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Store protocol (4), BRIEF 6.2.

// activeStatus is Active for resources written within the
// ActiveTimeoutPeriod, else Inactive.
func activeStatus(lastWrite int64) etp.ActiveStatusKind {
	if time.Since(time.UnixMicro(lastWrite)) < activeTimeout {
		return etp.ActiveStatusActive
	}
	return etp.ActiveStatusInactive
}

func resourceOf(o storage.ObjectInfo) etp.Resource {
	return etp.Resource{URI: o.URI, AlternateURIs: []string{}, Name: o.Title, LastChanged: o.LastChanged,
		StoreLastWrite: o.StoreLastWrite, StoreCreated: o.StoreCreated, ActiveStatus: activeStatus(o.StoreLastWrite),
		CustomData: decodeCustomData(o.CustomData)}
}

// objectURI parses a data object URI and checks that its type was
// negotiated in the session.
func (s *session) objectURI(uri string) (etp.URI, *etp.ErrorInfo) {
	u, err := etp.ParseURI(uri)
	if err != nil {
		return u, errInfo(etp.EInvalidURI, "%v", err)
	}
	if u.IsDataspace() {
		return u, errInfo(etp.EInvalidURI, "%q is a dataspace URI; a data object URI is needed", uri)
	}
	if u.Version != "" {
		return u, errInfo(etp.ENotSupported, "%s: this store keeps no object versions; use the URI without version", uri)
	}
	if !anyTypeMatch(s.dataTypes, u.QualifiedType) {
		return u, errInfo(etp.EDataObjectTypeNotSupported, "data object type %s was not negotiated in this session (%s)",
			u.QualifiedType, strings.Join(s.dataTypes, ", "))
	}
	return u, nil
}

func isXMLFormat(f string) bool { return f == "" || strings.EqualFold(f, "xml") }

// getDataObjects answers GetDataObjects. Objects that fit a message travel
// in GetDataObjectsResponse parts; a larger one is announced with a blobId
// and empty data, followed by Chunk messages sized to the session limit
// (BRIEF 6.2). Objects are read only when their part is built.
func (s *session) getDataObjects(h etp.MessageHeader, m *etp.GetDataObjects) {
	if !isXMLFormat(m.Format) {
		s.sendError(h, etp.ENoSupportedFormats, fmt.Sprintf("format %q is not supported; this store serves xml", m.Format))
		return
	}
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]etp.DataObject) etp.Message { return &etp.GetDataObjectsResponse{DataObjects: v} }
	capacity := s.partCapacity(build(nil))
	var entries []mapEntry[etp.DataObject]
	type big struct {
		key string
		rw  storage.ReadWriter
		uri string
	}
	var bigs []big
	for _, k := range slices.Sorted(maps.Keys(m.URIs)) {
		u, ei := s.objectURI(m.URIs[k])
		if ei == nil {
			var rw storage.ReadWriter
			rw, ei = s.rwFor(u.Dataspace, false)
			if ei == nil {
				uri := u.String()
				info, err := rw.GetObjectInfo(uri)
				if err != nil {
					ei = s.storageError(err)
				} else {
					d := etp.DataObject{Resource: resourceOf(info), Format: "xml"}
					bound := entrySize(build, k, d) + int(info.Size) + 10
					if bound > capacity {
						bigs = append(bigs, big{k, rw, uri})
						continue
					}
					entries = append(entries, mapEntry[etp.DataObject]{key: k, bound: bound,
						load: func() (etp.DataObject, *etp.ErrorInfo) {
							o, err := rw.GetObject(uri)
							if err != nil {
								return etp.DataObject{}, s.storageError(err)
							}
							return etp.DataObject{Resource: resourceOf(o.ObjectInfo), Format: "xml", Data: o.Data}, nil
						}})
					continue
				}
			}
		}
		errs[k] = *ei
	}
	r := s.respond(h)
	packMap(r, entries, errs, build)
	for _, b := range bigs {
		o, err := b.rw.GetObject(b.uri)
		if err != nil {
			errs[b.key] = *s.storageError(err)
			continue
		}
		id := etp.NewUUID()
		d := etp.DataObject{Resource: resourceOf(o.ObjectInfo), Format: "xml", BlobID: &id, Data: []byte{}}
		if entrySize(build, b.key, d) > capacity {
			errs[b.key] = *errInfo(etp.EMaxSizeExceeded, "the resource description alone exceeds the session limit")
			continue
		}
		r.add(build(map[string]etp.DataObject{b.key: d}))
		step := s.partCapacity(&etp.Chunk{}) - 10
		data := o.Data
		for {
			n := min(step, len(data))
			r.add(&etp.Chunk{BlobID: id, Data: data[:n], Final: n == len(data)})
			data = data[n:]
			if len(data) == 0 {
				break
			}
		}
	}
	if r.parts == 0 && len(errs) == 0 {
		r.add(build(nil))
	}
	sendErrors(r, errs)
	r.finish()
}

// putDataObjects stores data objects (upsert). preErrs are per-key errors
// found while reassembling a multipart request.
func (s *session) putDataObjects(h etp.MessageHeader, objects map[string]etp.DataObject, preErrs map[string]etp.ErrorInfo) {
	errs := map[string]etp.ErrorInfo{}
	for k, e := range preErrs {
		errs[k] = e
	}
	build := func(v map[string]etp.PutResponse) etp.Message { return &etp.PutDataObjectsResponse{Success: v} }
	var entries []mapEntry[etp.PutResponse]
	for _, k := range slices.Sorted(maps.Keys(objects)) {
		if _, failed := errs[k]; failed {
			continue
		}
		d := objects[k]
		if ei := s.putDataObject(&d); ei != nil {
			errs[k] = *ei
			continue
		}
		pr := etp.PutResponse{CreatedContainedObjectURIs: []string{}, DeletedContainedObjectURIs: []string{},
			JoinedContainedObjectURIs: []string{}, UnjoinedContainedObjectURIs: []string{}}
		entries = append(entries, mapEntry[etp.PutResponse]{key: k, bound: entrySize(build, k, pr),
			load: func() (etp.PutResponse, *etp.ErrorInfo) { return pr, nil }})
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) putDataObject(d *etp.DataObject) *etp.ErrorInfo {
	u, ei := s.objectURI(d.Resource.URI)
	if ei != nil {
		return ei
	}
	if !isXMLFormat(d.Format) {
		return errInfo(etp.EInvalidArgument, "format %q is not supported; this store stores xml", d.Format)
	}
	if d.BlobID != nil {
		return errInfo(etp.EInvalidArgument, "blobId set but no Chunk followed")
	}
	if int64(len(d.Data)) > s.srv.opts.MaxDataObjectSize {
		return errInfo(etp.EMaxSizeExceeded, "data object of %d bytes exceeds the MaxDataObjectSize of %d",
			len(d.Data), s.srv.opts.MaxDataObjectSize)
	}
	x, ei := checkObject(u, d.Data)
	if ei != nil {
		return ei
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	custom, err := encodeCustomData(d.Resource.CustomData)
	if err != nil {
		return errInfo(etp.EInvalidArgument, "customData: %v", err)
	}
	title := x.title
	if title == "" {
		title = d.Resource.Name
	}
	lastChanged := d.Resource.LastChanged
	if lastChanged < 0 {
		lastChanged = 0
	}
	_, err = rw.PutObject(storage.Object{ObjectInfo: storage.ObjectInfo{URI: u.String(), Dataspace: u.Dataspace,
		Type: u.QualifiedType, UUID: u.UUID, Title: title, LastChanged: lastChanged, CustomData: custom}, Data: d.Data})
	if err != nil {
		return s.storageError(err)
	}
	return nil
}

// deleteDataObjects deletes data objects and the arrays they own.
func (s *session) deleteDataObjects(h etp.MessageHeader, m *etp.DeleteDataObjects) {
	errs := map[string]etp.ErrorInfo{}
	build := func(v map[string]etp.ArrayOfString) etp.Message {
		return &etp.DeleteDataObjectsResponse{DeletedURIs: v}
	}
	var entries []mapEntry[etp.ArrayOfString]
	for _, k := range slices.Sorted(maps.Keys(m.URIs)) {
		u, ei := s.objectURI(m.URIs[k])
		var rw storage.ReadWriter
		if ei == nil {
			rw, ei = s.rwFor(u.Dataspace, true)
		}
		if ei == nil {
			if err := rw.DeleteObject(u.String()); err != nil {
				ei = s.storageError(err)
			}
		}
		if ei != nil {
			errs[k] = *ei
			continue
		}
		v := etp.ArrayOfString{Values: []string{u.String()}}
		entries = append(entries, mapEntry[etp.ArrayOfString]{key: k, bound: entrySize(build, k, v),
			load: func() (etp.ArrayOfString, *etp.ErrorInfo) { return v, nil }})
	}
	sendMap(s, h, entries, errs, build)
}
