package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// BackupFunc receives one entry of a Backup: name is its path under Root,
// slash-separated; info describes it. A bucket directory comes as a
// directory (body nil) before its files; a file's body holds exactly
// info.Size() bytes, the whole file as it was when Backup opened it.
type BackupFunc func(name string, info fs.FileInfo, body io.Reader) error

// Backup walks the store for a backup while it keeps serving: it calls fn
// for every bucket directory and every complete file of the tree (objects,
// bucket markers and object metadata), in lexical order, and returns fn's
// first error. A missing Root is an empty store.
//
// What it leaves out is what a restarted store would discard or does not
// need: objects being written (temporary files), multipart uploads in
// progress, and buckets being deleted. Each object is copied as one whole
// version: objects are written to a temporary file and renamed over the key,
// never changed in place, so the file opened is complete and stays so while
// it is read, even when a newer version replaces it meanwhile. An object
// deleted between the listing and its opening is left out. Metadata is
// copied as it is; metadata that does not match the size and modification
// time of the object copied beside it is ignored by the restored store, as
// it is by this one.
func (s *Store) Backup(ctx context.Context, fn BackupFunc) error {
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == s.Root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			if isNotFound(err) { // removed while walking
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == s.Root {
			return nil
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		depth := strings.Count(name, "/") + 1
		base := path.Base(name)
		switch {
		case depth <= 2 && strings.HasPrefix(base, "."):
			// An account's bucket being deleted; no account or bucket
			// name starts with ".".
			return skip(d)
		case depth == 3 && (base == uploadsDir || isTemp(base)):
			return skip(d)
		case d.IsDir():
			if depth == 2 {
				info, err := d.Info()
				if err != nil {
					return ignoreGone(err)
				}
				return fn(name, info, nil)
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		if depth < 3 {
			return nil // not part of a bucket
		}
		f, err := os.Open(p)
		if err != nil {
			return ignoreGone(err)
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		return fn(name, info, io.LimitReader(f, info.Size()))
	})
	if err != nil {
		return fmt.Errorf("back up objects: %w", err)
	}
	return nil
}

// isTemp reports whether name is a temporary file of a put (tmpPattern).
func isTemp(name string) bool {
	ok, _ := path.Match(tmpPattern, name)
	return ok
}

// skip leaves out d: its whole tree when it is a directory.
func skip(d fs.DirEntry) error {
	if d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// ignoreGone makes a file or folder removed while Backup walks no error.
func ignoreGone(err error) error {
	if isNotFound(err) {
		return nil
	}
	return err
}
