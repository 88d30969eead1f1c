package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"

	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/hdf5"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// WritePlan writes what job would do, without connecting or writing: the
// tasks level by level in dependency order, and for each array upload its
// element type, shape, bytes and the blocks it splits into at the server's
// configured max_message_size (the negotiated limit can only be smaller, so
// the real run may use more blocks). Downloads are sized at run time, from
// the store's metadata. shard selects worker i of n (n <= 1: all tasks).
func WritePlan(w io.Writer, job *jobs.Job, shardIndex, shardCount int) error {
	tasks := job.Tasks
	if shardCount > 1 {
		var err error
		if tasks, err = job.Shard(shardIndex, shardCount); err != nil {
			return err
		}
		fmt.Fprintf(w, "shard %d/%d: %d of %d top-level tasks\n", shardIndex, shardCount, len(tasks), len(job.Tasks))
	}
	levels, err := jobs.OrderTasks(tasks)
	if err != nil {
		return err
	}
	var total int64
	for i, level := range levels {
		fmt.Fprintf(w, "step %d:\n", i+1)
		for _, t := range level {
			n, err := planTask(w, job, t, "  ")
			if err != nil {
				return err
			}
			total += n
		}
	}
	fmt.Fprintf(w, "total array upload: %s\n", formatBytes(total))
	return nil
}

func planTask(w io.Writer, job *jobs.Job, t *jobs.Task, indent string) (int64, error) {
	srv := job.Servers[t.Server]
	deps := ""
	if len(t.DependsOn) > 0 {
		deps = " (after " + strings.Join(t.DependsOn, ", ") + ")"
	}
	fmt.Fprintf(w, "%s%s: %s on %s, dataspace %q%s\n", indent, t.Name, t.Kind(), t.Server, t.Dataspace, deps)
	in := indent + "    "
	switch {
	case t.UploadArray != nil:
		a := t.UploadArray
		r, err := openUpload(a)
		if err != nil {
			fmt.Fprintf(w, "%scannot read %s: %v\n", in, a.File, err)
			return 0, nil
		}
		defer r.Close()
		info := r.Info()
		et, err := transfer.ElementTypeOf(info.DType)
		if err != nil {
			return 0, err
		}
		bytes, blocks, whole, err := transfer.PlanUpload(info, et, a.URI, a.Path, srv.MaxMessageSize, srv.Compression != jobs.CompressionNone)
		if err != nil {
			fmt.Fprintf(w, "%s%s %s: %v\n", in, a.URI, a.Path, err)
			return 0, nil
		}
		how := fmt.Sprintf("PutUninitializedDataArrays + %d PutDataSubarrays", blocks)
		if whole {
			how = "one PutDataArrays"
		}
		fmt.Fprintf(w, "%s%s %v %v, %s, as %s\n", in, a.File, info.DType, info.Shape, formatBytes(bytes), how)
		fmt.Fprintf(w, "%s-> %s %s\n", in, a.URI, a.Path)
		return bytes, nil
	case t.DownloadArray != nil:
		a := t.DownloadArray
		fmt.Fprintf(w, "%s%s %s -> %s (size from the store's metadata at run time)\n", in, a.URI, a.Path, a.File)
	case t.PutObjects != nil:
		files, err := expandGlobs(t.PutObjects.Files)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(w, "%s%d files\n", in, len(files))
	case t.ImportEPC != nil:
		return planImport(w, t, srv.MaxMessageSize, srv.Compression != jobs.CompressionNone, in)
	case t.ExportEPC != nil:
		fmt.Fprintf(w, "%s-> %s and %s (objects and arrays found at run time)\n", in, t.ExportEPC.File, t.ExportEPC.HDF5)
	case t.Transaction != nil:
		levels, err := t.Transaction.Order()
		if err != nil {
			return 0, err
		}
		var total int64
		for _, level := range levels {
			for _, sub := range level {
				n, err := planTask(w, job, sub, indent+"  ")
				if err != nil {
					return 0, err
				}
				total += n
			}
		}
		return total, nil
	}
	return 0, nil
}

// openUpload opens an upload task's input file.
func openUpload(a *jobs.UploadArray) (*arrayfile.Reader, error) {
	opts := &arrayfile.OpenOptions{Format: arrayfile.Format(a.Format)}
	if a.Format == jobs.FormatRaw {
		d, err := arrayfile.ParseDType(string(a.DType))
		if err != nil {
			return nil, err
		}
		opts.DType, opts.Shape = d, a.Shape
		if a.ByteOrder == jobs.BigEndian {
			opts.Order = arrayfile.BigEndian
		}
	}
	return arrayfile.Open(a.File, opts)
}

// planImport describes what an import_epc task would store: the package's
// objects, and each array with its element type, shape, bytes and blocks.
func planImport(w io.Writer, t *jobs.Task, maxMessage int64, compressed bool, in string) (int64, error) {
	a := t.ImportEPC
	pkg, err := epc.Open(context.Background(), a.File, nil)
	if err != nil {
		fmt.Fprintf(w, "%scannot read %s: %v\n", in, a.File, err)
		return 0, nil
	}
	defer pkg.Close()
	files := map[string]*hdf5.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	objs := pkg.Objects()
	fmt.Fprintf(w, "%s%s: %d data objects, %d dangling references\n", in, a.File, len(objs), len(pkg.Dangling()))
	var total int64
	for _, o := range objs {
		uuid, err := etp.ParseUUID(o.UUID)
		if err != nil {
			continue
		}
		uri := etp.ObjectURI(t.Dataspace, o.QualifiedType, uuid)
		for _, ar := range o.Arrays {
			ia, err := packageArray(pkg, files, a, t.Dataspace, uri, ar)
			if err != nil {
				fmt.Fprintf(w, "%s  %s %s: %v\n", in, o.Key(), ar.Path, err)
				continue
			}
			et, _ := transfer.ElementTypeOf(ia.src.info.DType)
			bytes, blocks, whole, err := transfer.PlanUpload(ia.src.info, et, ia.id.URI, ia.id.PathInResource, maxMessage, compressed)
			if err != nil {
				fmt.Fprintf(w, "%s  %s: %v\n", in, ar.Path, err)
				continue
			}
			how := fmt.Sprintf("%d blocks", blocks)
			if whole {
				how = "whole"
			}
			fmt.Fprintf(w, "%s  %s %v %v, %s, %s\n", in, ar.Path, ia.src.info.DType, ia.src.info.Shape, formatBytes(bytes), how)
			total += bytes
		}
	}
	return total, nil
}
