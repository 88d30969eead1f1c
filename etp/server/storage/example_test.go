package storage_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"math"

	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Allocate a 2-D float64 array, write one row-major block and read it back,
// the way a server serves PutUninitializedDataArrays, PutDataSubarrays and
// GetDataSubarrays.
func Example() {
	db, err := storage.OpenMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	key := storage.ArrayKey{URI: "eml:///eml20.obj_EpcExternalPartReference(0f3c0c3e-0000-4000-8000-000000000001)", Path: "/RESQML/depth"}
	if _, err := db.CreateArray(key, storage.ArrayMeta{Dimensions: []int64{1000, 2000}, Kind: storage.KindFloat64}); err != nil {
		log.Fatal(err)
	}
	block := make([]byte, 2*3*8) // 2 rows x 3 columns of float64
	for i := range 6 {
		binary.LittleEndian.PutUint64(block[i*8:], math.Float64bits(float64(i)+0.5))
	}
	if err := db.WriteBlock(key, []int64{10, 20}, []int64{2, 3}, block); err != nil {
		log.Fatal(err)
	}
	row := make([]byte, 3*8)
	if err := db.ReadBlock(key, []int64{11, 20}, []int64{1, 3}, row); err != nil {
		log.Fatal(err)
	}
	for i := range 3 {
		fmt.Print(math.Float64frombits(binary.LittleEndian.Uint64(row[i*8:])), " ")
	}
	fmt.Println()
	// Output: 3.5 4.5 5.5
}

// Writes in a transaction are invisible to others until Commit; a second
// transaction on the same dataspace is refused with ErrBusy.
func ExampleDB_Begin() {
	db, err := storage.OpenMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutDataspace(storage.Dataspace{Path: "demo"}); err != nil {
		log.Fatal(err)
	}
	tx, err := db.Begin([]string{"demo"})
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback() // harmless after Commit
	obj := storage.Object{
		ObjectInfo: storage.ObjectInfo{URI: "eml:///dataspace('demo')/witsml21.Well(ad9c3d2a-0000-4000-8000-000000000001)",
			Dataspace: "demo", Type: "witsml21.Well", Title: "Well 1"},
		Data: []byte("<Well/>"),
	}
	if _, err := tx.PutObject(obj); err != nil {
		log.Fatal(err)
	}
	_, err = db.GetObject(obj.URI)
	fmt.Println("before commit, not found:", errors.Is(err, storage.ErrNotFound))
	_, err = db.Begin([]string{"demo"})
	fmt.Println("second transaction busy:", errors.Is(err, storage.ErrBusy))
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	got, err := db.GetObject(obj.URI)
	fmt.Println("after commit:", got.Title, err)
	// Output:
	// before commit, not found: true
	// second transaction busy: true
	// after commit: Well 1 <nil>
}
