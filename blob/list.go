package blob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// errStop ends a walk early without failing it.
var errStop = errors.New("stop walk")

// entry is one result of a walk: an object, or a common prefix that rolls up
// the keys sharing it up to the delimiter.
type entry struct {
	key          string
	info         fs.FileInfo // nil for a common prefix
	commonPrefix bool
}

// walkOptions narrow a walk.
type walkOptions struct {
	prefix string // only keys starting with prefix
	delim  string // roll keys up to the first delim after the prefix
	marker string // only keys (and common prefixes) greater than marker
}

// walk calls fn for the objects of the bucket directory dir, in key order
// (UTF-8 byte order, as S3 lists). It descends only into the folders that can
// hold matching keys, and with the "/" delimiter it reports a folder as a
// common prefix without reading it beyond its first object. fn returning
// errStop ends the walk with a nil error.
func walk(ctx context.Context, dir string, opt walkOptions, fn func(entry) error) error {
	w := &walker{ctx: ctx, opt: opt, fn: fn}
	err := w.dir(dir, "", true)
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

type walker struct {
	ctx    context.Context
	opt    walkOptions
	fn     func(entry) error
	lastCP string // last common prefix reported
}

type dirItem struct {
	key string // object key, or folder key ending in "/"
	de  fs.DirEntry
}

func (w *walker) dir(abs, rel string, top bool) error {
	des, err := os.ReadDir(abs)
	if err != nil {
		if !top && isNotFound(err) {
			return nil // removed while walking
		}
		return err
	}
	items := make([]dirItem, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if top && strings.HasPrefix(name, reservedPrefix) {
			continue
		}
		switch t := de.Type(); {
		case t.IsDir():
			items = append(items, dirItem{key: rel + name + "/", de: de})
		case t.IsRegular():
			items = append(items, dirItem{key: rel + name, de: de})
		}
	}
	// A folder's keys sort as its name plus "/", which is not where ReadDir
	// puts the folder ("a/x" sorts after "a-b" but "a" sorts before it).
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	for _, it := range items {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if it.de.IsDir() {
			err = w.folder(filepath.Join(abs, it.de.Name()), it.key)
		} else {
			err = w.file(it)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// folder handles the folder whose keys all start with p (which ends in "/").
func (w *walker) folder(abs, p string) error {
	prefix, marker := w.opt.prefix, w.opt.marker
	if !strings.HasPrefix(prefix, p) && !strings.HasPrefix(p, prefix) {
		return nil // no key under p has the prefix
	}
	if marker >= p && !strings.HasPrefix(marker, p) {
		return nil // every key under p sorts before the marker
	}
	if w.opt.delim == "/" && len(p) > len(prefix) {
		// p is prefix + one more path segment: a common prefix.
		if p <= marker || p == w.lastCP {
			return nil
		}
		ok, err := hasObject(abs)
		if err != nil || !ok {
			return err
		}
		w.lastCP = p
		return w.fn(entry{key: p, commonPrefix: true})
	}
	return w.dir(abs, p, false)
}

func (w *walker) file(it dirItem) error {
	key, prefix := it.key, w.opt.prefix
	if !strings.HasPrefix(key, prefix) {
		return nil
	}
	if d := w.opt.delim; d != "" {
		if i := strings.Index(key[len(prefix):], d); i >= 0 {
			cp := key[:len(prefix)+i+len(d)]
			if cp <= w.opt.marker || cp == w.lastCP {
				return nil
			}
			w.lastCP = cp
			return w.fn(entry{key: cp, commonPrefix: true})
		}
	}
	if key <= w.opt.marker {
		return nil
	}
	info, err := it.de.Info()
	if isNotFound(err) {
		return nil // removed while walking
	} else if err != nil {
		return err
	}
	return w.fn(entry{key: key, info: info})
}

// hasObject reports whether the folder dir holds at least one object.
func hasObject(dir string) (bool, error) {
	des, err := os.ReadDir(dir)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, de := range des {
		if de.Type().IsRegular() {
			return true, nil
		}
	}
	for _, de := range des {
		if de.IsDir() {
			if ok, err := hasObject(filepath.Join(dir, de.Name())); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}
