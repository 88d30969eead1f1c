package storage

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// snap gives typed access to the buckets of one bbolt transaction. Values it
// returns are copies, valid after the transaction ends. Its write methods
// require a writable transaction.
type snap struct {
	ds, obj, objData, objByDS, arr, arrByDS *bolt.Bucket
}

func newSnap(b *bolt.Tx) snap {
	return snap{
		ds: b.Bucket(bucketDS), obj: b.Bucket(bucketObj), objData: b.Bucket(bucketObjData),
		objByDS: b.Bucket(bucketObjByDS), arr: b.Bucket(bucketArr), arrByDS: b.Bucket(bucketArrByDS),
	}
}

func (db *DB) view(fn func(s snap) error) error {
	return db.bolt.View(func(b *bolt.Tx) error { return fn(newSnap(b)) })
}

func (s snap) getDS(path string) (dsRec, bool, error) {
	v := s.ds.Get(dsKey(path))
	if v == nil {
		return dsRec{}, false, nil
	}
	r, err := decodeDS(v)
	if err != nil {
		return dsRec{}, false, fmt.Errorf("dataspace %q: %w", path, err)
	}
	return r, true, nil
}

func (s snap) getObj(uri string) (objRec, bool, error) {
	v := s.obj.Get([]byte(uri))
	if v == nil {
		return objRec{}, false, nil
	}
	r, err := decodeObj(v)
	if err != nil {
		return objRec{}, false, fmt.Errorf("object %s: %w", uri, err)
	}
	return r, true, nil
}

func (s snap) getObjData(uri string) []byte {
	return slices.Clone(s.objData.Get([]byte(uri)))
}

func (s snap) getArr(k ArrayKey) (arrRec, bool, error) {
	v := s.arr.Get(arrKey(k))
	if v == nil {
		return arrRec{}, false, nil
	}
	r, err := decodeArr(v)
	if err != nil {
		return arrRec{}, false, fmt.Errorf("array %s: %w", k, err)
	}
	return r, true, nil
}

// arraysOf calls fn for each committed array of the object uri, by path.
func (s snap) arraysOf(uri string, fn func(k ArrayKey, r *arrRec) error) error {
	prefix := arrPrefix(uri)
	c := s.arr.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		key := ArrayKey{URI: uri, Path: string(k[len(prefix):])}
		r, err := decodeArr(v)
		if err != nil {
			return fmt.Errorf("array %s: %w", key, err)
		}
		if err := fn(key, &r); err != nil {
			return err
		}
	}
	return nil
}

// objectsIn calls fn with the URI of each committed object of dataspace ds,
// in URI order.
func (s snap) objectsIn(ds string, fn func(uri string) error) error {
	prefix := dsPrefix(ds)
	c := s.objByDS.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := fn(string(k[len(prefix):])); err != nil {
			return err
		}
	}
	return nil
}

// arraysIn calls fn with the key of each committed array of dataspace ds.
func (s snap) arraysIn(ds string, fn func(k ArrayKey) error) error {
	prefix := dsPrefix(ds)
	c := s.arrByDS.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		key, err := parseArrKey(k[len(prefix):])
		if err != nil {
			return fmt.Errorf("dataspace %q index: %w", ds, err)
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return nil
}

// hasContent reports whether committed objects or arrays are in ds.
func (s snap) hasContent(ds string) bool {
	prefix := dsPrefix(ds)
	k, _ := s.objByDS.Cursor().Seek(prefix)
	if k != nil && bytes.HasPrefix(k, prefix) {
		return true
	}
	k, _ = s.arrByDS.Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// Writes.

func (s snap) putDS(path string, r *dsRec) error {
	return s.ds.Put(dsKey(path), r.encode())
}

func (s snap) putObj(uri string, r *objRec, data []byte) error {
	if err := s.obj.Put([]byte(uri), r.encode()); err != nil {
		return err
	}
	if data == nil {
		data = []byte{}
	}
	if err := s.objData.Put([]byte(uri), data); err != nil {
		return err
	}
	return s.objByDS.Put(objByDSKey(r.ds, uri), []byte{})
}

func (s snap) putArr(k ArrayKey, r *arrRec) error {
	if err := s.arr.Put(arrKey(k), r.encode()); err != nil {
		return err
	}
	return s.arrByDS.Put(arrByDSKey(r.ds, k), []byte{})
}

// deleteArr removes a committed array and queues its file for removal.
func (s snap) deleteArr(k ArrayKey, r *arrRec, retire *[]string) error {
	if err := s.arr.Delete(arrKey(k)); err != nil {
		return err
	}
	if err := s.arrByDS.Delete(arrByDSKey(r.ds, k)); err != nil {
		return err
	}
	*retire = append(*retire, r.file)
	return nil
}

// deleteObj removes a committed object with all its arrays and returns the
// dataspaces touched.
func (s snap) deleteObj(uri string, r *objRec, retire *[]string, touched map[string]struct{}) error {
	if err := s.obj.Delete([]byte(uri)); err != nil {
		return err
	}
	if err := s.objData.Delete([]byte(uri)); err != nil {
		return err
	}
	if err := s.objByDS.Delete(objByDSKey(r.ds, uri)); err != nil {
		return err
	}
	touched[r.ds] = struct{}{}
	type item struct {
		k ArrayKey
		r arrRec
	}
	var arrs []item // collect first: no bucket changes while a cursor walks it
	if err := s.arraysOf(uri, func(k ArrayKey, a *arrRec) error {
		arrs = append(arrs, item{k, *a})
		return nil
	}); err != nil {
		return err
	}
	for _, a := range arrs {
		if err := s.deleteArr(a.k, &a.r, retire); err != nil {
			return err
		}
		touched[a.r.ds] = struct{}{}
	}
	return nil
}
