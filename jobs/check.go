package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// CheckOptions controls (*Job).Check. A nil *CheckOptions means all defaults.
type CheckOptions struct {
	// FS, when not nil, is the file system checked instead of the operating
	// system's, rooted at Job.Dir: the job's relative paths are looked up in it as
	// written. Absolute paths and paths leaving the root ("../x") are reported as
	// errors. Default nil: the operating system's files, with paths as resolved
	// by Parse.
	FS fs.FS
	// LookupEnv reads environment variables to check that token_env variables
	// are set. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Check verifies what Parse cannot without touching the outside world, for the
// servers and tasks the job uses: input files exist and are regular files
// (upload_array.file, download_array.verify_against, import_epc.file and
// import_epc.hdf5 unless another task of the job writes them, token_file,
// ca_file), every put_objects pattern matches at least
// one file, a raw upload file's size equals its dtype size times its shape,
// token_env variables are set and not empty, and output paths are not existing
// directories (or, for get_objects.dir and data_dir, existing non-directories).
// It reads no file's content and never reports token values.
//
// Problems are returned as a *ValidationError with the positions of the job
// file, like Parse's. Check only reads; it is safe to call concurrently.
func (j *Job) Check(opts *CheckOptions) error {
	o := CheckOptions{}
	if opts != nil {
		o = *opts
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	c := &checker{fsys: o.FS, lookup: o.LookupEnv, outputs: map[string]bool{}}
	used := map[string]bool{}
	var collect func([]*Task)
	collect = func(ts []*Task) {
		for _, t := range ts {
			if t == nil {
				continue
			}
			used[t.Server] = true
			if t.Copy != nil {
				used[t.Copy.From.Server], used[t.Copy.To.Server] = true, true
			}
			if t.DownloadArray != nil && t.DownloadArray.File != "" {
				c.outputs[t.DownloadArray.File] = true
			}
			if t.List != nil && t.List.Output != "" {
				c.outputs[t.List.Output] = true
			}
			if t.ExportEPC != nil {
				c.outputs[t.ExportEPC.File] = true
				c.outputs[t.ExportEPC.HDF5] = true
			}
			if t.Transaction != nil {
				collect(t.Transaction.Tasks)
			}
		}
	}
	collect(j.Tasks)
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if s := j.Servers[n]; s != nil {
			c.server(s)
		}
	}
	var tasks func([]*Task)
	tasks = func(ts []*Task) {
		for _, t := range ts {
			if t == nil {
				continue
			}
			c.task(t)
			if t.Transaction != nil {
				tasks(t.Transaction.Tasks)
			}
		}
	}
	tasks(j.Tasks)
	c.errs.sort()
	return c.errs.err()
}

type checker struct {
	fsys    fs.FS
	lookup  func(string) (string, bool)
	outputs map[string]bool
	errs    errorList
}

func (c *checker) errorf(r ref, format string, args ...any) {
	c.errs.add(&FieldError{File: r.pos.File, Line: r.pos.Line, Column: r.pos.Column, Path: r.path, Msg: fmt.Sprintf(format, args...)})
}

// quote names the file as written in the job.
func (r ref) quote() string {
	v := value{src: r.src, expanded: r.src != r.raw}
	return v.quote()
}

var errOutside = errors.New("the path leaves the checked directory")

// fsName converts a path as written into a name in c.fsys.
func (c *checker) fsName(r ref) (string, error) {
	name := filepath.ToSlash(r.raw)
	if filepath.IsAbs(r.raw) || strings.HasPrefix(name, "/") {
		return "", errOutside
	}
	name = path.Clean(name)
	if !fs.ValidPath(name) {
		return "", errOutside
	}
	return name, nil
}

func (c *checker) stat(r ref, resolved string) (fs.FileInfo, error) {
	if c.fsys == nil {
		return os.Stat(resolved)
	}
	name, err := c.fsName(r)
	if err != nil {
		return nil, err
	}
	return fs.Stat(c.fsys, name)
}

func (c *checker) glob(r ref, resolved string) ([]string, error) {
	if c.fsys == nil {
		return filepath.Glob(resolved)
	}
	name, err := c.fsName(r)
	if err != nil {
		return nil, err
	}
	return fs.Glob(c.fsys, name)
}

func describeStatErr(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "cannot be read: permission denied"
	case errors.Is(err, errOutside):
		return errOutside.Error()
	}
	return "cannot be checked: " + err.Error()
}

// input checks that a file exists and is a regular file.
func (c *checker) input(refs map[string]ref, key, resolved, what string) fs.FileInfo {
	r, ok := refs[key]
	if !ok || resolved == "" {
		return nil
	}
	fi, err := c.stat(r, resolved)
	if err != nil {
		c.errorf(r, "%s %s %s", what, r.quote(), describeStatErr(err))
		return nil
	}
	if !fi.Mode().IsRegular() {
		c.errorf(r, "%s %s is not a regular file", what, r.quote())
		return nil
	}
	return fi
}

// output checks that an output path is not an existing directory.
func (c *checker) output(refs map[string]ref, key, resolved string) {
	r, ok := refs[key]
	if !ok || resolved == "" {
		return
	}
	if fi, err := c.stat(r, resolved); err == nil && fi.IsDir() {
		c.errorf(r, "output file %s is an existing directory", r.quote())
	} else if errors.Is(err, errOutside) {
		c.errorf(r, "output file %s: %v", r.quote(), err)
	}
}

// dir checks that a directory path, if it exists, is a directory.
func (c *checker) dir(refs map[string]ref, key, resolved string) {
	r, ok := refs[key]
	if !ok || resolved == "" {
		return
	}
	if fi, err := c.stat(r, resolved); err == nil && !fi.IsDir() {
		c.errorf(r, "directory %s exists but is not a directory", r.quote())
	} else if errors.Is(err, errOutside) {
		c.errorf(r, "directory %s: %v", r.quote(), err)
	}
}

func (c *checker) server(s *Server) {
	if s.TokenEnv != "" {
		r, ok := s.refs["token_env"]
		if !ok {
			r = ref{pos: s.Pos, path: joinPath("servers", s.Name) + ".token_env"}
		}
		if v, ok := c.lookup(s.TokenEnv); !ok {
			c.errorf(r, "environment variable %s is not set", s.TokenEnv)
		} else if strings.TrimSpace(v) == "" {
			c.errorf(r, "environment variable %s is empty", s.TokenEnv)
		}
	}
	c.input(s.refs, "token_file", s.TokenFile, "token file")
	c.input(s.refs, "ca_file", s.CAFile, "CA file")
	c.dir(s.refs, "data_dir", s.DataDir)
}

func (c *checker) task(t *Task) {
	switch {
	case t.PutObjects != nil:
		for i, f := range t.PutObjects.Files {
			key := indexPath("put_objects.files", i)
			r, ok := t.refs[key]
			if !ok {
				continue
			}
			matches, err := c.glob(r, f)
			if err != nil {
				c.errorf(r, "pattern %s: %v", r.quote(), err)
				continue
			}
			if len(matches) == 0 {
				c.errorf(r, "pattern %s matches no files", r.quote())
				continue
			}
			for _, m := range matches {
				var fi fs.FileInfo
				if c.fsys == nil {
					fi, err = os.Stat(m)
				} else {
					fi, err = fs.Stat(c.fsys, m)
				}
				if err != nil || !fi.Mode().IsRegular() {
					what := "a file that is not a regular file"
					if err == nil && fi.IsDir() {
						what = "a directory"
					}
					c.errorf(r, "pattern %s matches %s: %s", r.quote(), what, ref{src: filepath.Base(m), raw: filepath.Base(m)}.quote())
				}
			}
		}
	case t.UploadArray != nil:
		u := t.UploadArray
		fi := c.input(t.refs, "upload_array.file", u.File, "array file")
		if fi != nil && u.Format == FormatRaw && u.DType.Size() > 0 && len(u.Shape) > 0 {
			want := int64(u.DType.Size())
			for _, d := range u.Shape {
				want *= d
			}
			if fi.Size() != want {
				c.errorf(t.refs["upload_array.file"], "raw file %s has %d bytes, but dtype %s with shape %v needs %d bytes",
					t.refs["upload_array.file"].quote(), fi.Size(), u.DType, u.Shape, want)
			}
		}
	case t.DownloadArray != nil:
		x := t.DownloadArray
		c.output(t.refs, "download_array.file", x.File)
		if x.VerifyAgainst != "" && !c.outputs[x.VerifyAgainst] {
			c.input(t.refs, "download_array.verify_against", x.VerifyAgainst, "file")
		}
	case t.GetObjects != nil:
		c.dir(t.refs, "get_objects.dir", t.GetObjects.Dir)
	case t.List != nil:
		c.output(t.refs, "list.output", t.List.Output)
	case t.ImportEPC != nil:
		x := t.ImportEPC
		if !c.outputs[x.File] {
			c.input(t.refs, "import_epc.file", x.File, "EPC file")
		}
		if x.HDF5 != "" && !c.outputs[x.HDF5] {
			c.input(t.refs, "import_epc.hdf5", x.HDF5, "HDF5 file")
		}
		ids := make([]string, 0, len(x.HDF5ByProxy))
		for id := range x.HDF5ByProxy {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if f := x.HDF5ByProxy[id]; !c.outputs[f] {
				c.input(t.refs, "import_epc.hdf5."+id, f, "HDF5 file")
			}
		}
	case t.ExportEPC != nil:
		c.output(t.refs, "export_epc.file", t.ExportEPC.File)
		c.output(t.refs, "export_epc.hdf5", t.ExportEPC.HDF5)
	}
}
