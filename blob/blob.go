// Package blob is pinfold's embedded object storage: objects live as plain
// files on local disk. Store implements pinfold.BlobStore for the export and
// import workers, and the bucket, object and multipart operations that the
// embedded S3 endpoint (package s3server) serves over HTTP; blob itself knows
// nothing of HTTP or of S3's wire shapes.
//
// # Layout
//
// Every account has its own namespace under the root directory:
//
//	root/{account}/{bucket}/{key}
//
// A key is a relative file path: "run1/part-0001.gz" is the file
// root/{account}/{bucket}/run1/part-0001.gz, so the tree can be read, backed
// up or served by ordinary tools. Names starting with ".pinfold-" at the top
// of a bucket directory are reserved for the store's own bookkeeping:
//
//	{bucket}/.pinfold-bucket          creation time of the bucket (its mtime)
//	{bucket}/.pinfold-tmp-*           objects being written
//	{bucket}/.pinfold-meta/{key}      object metadata (ETag, Content-Type,
//	                                  x-amz-meta-*), JSON, for objects put over HTTP
//	{bucket}/.pinfold-uploads/{id}/   multipart uploads in progress
//
// ({account}/.pinfold-deleting-* is a bucket being deleted; names starting
// with "." are never bucket names.)
//
// Because keys are file paths, some keys that S3 accepts cannot be stored:
// keys must be valid UTF-8 of at most 1024 bytes, must not contain NUL, must
// not start or end with "/", must not contain empty, "." or ".." segments or
// segments longer than 255 bytes, and must not start with ".pinfold-". An object "a" and an object "a/b" cannot
// both exist (one would have to be a file and a directory at once); the second
// put fails with a conflict.
//
// Objects written through pinfold.BlobStore (PutObject, what export workers
// call) have no metadata: nothing but the bytes is written, at disk speed,
// and their ETag is derived from size and modification time.
//
// # Atomicity
//
// A put streams to a temporary file in the bucket directory, fsyncs it and
// renames it over the key, so readers see the old object or the new one,
// whole, never a part. Metadata is written before the rename and carries the
// size and modification time of the data it describes; metadata that does not
// match the file it sits beside is ignored, so a crash between the two writes
// never shows one object's ETag on another's bytes.
//
// # Errors
//
// Every method returns *pinfold.Error values for what the caller asked
// wrong: EINVALID for an invalid account, bucket name or key, ENOTFOUND for
// a missing bucket, object or upload, ECONFLICT for a bucket that exists or
// is not empty and for a key that collides with another (see above). I/O
// failures are wrapped; an error of a body being read is returned wrapped,
// so callers can find their own errors with errors.As.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
)

// Reserved names inside a bucket directory.
const (
	reservedPrefix = ".pinfold-"
	bucketMarker   = ".pinfold-bucket"
	metaDir        = ".pinfold-meta"
	uploadsDir     = ".pinfold-uploads"
	tmpPattern     = ".pinfold-tmp-*"
)

// MaxKeyLength is the longest key S3 accepts, in bytes.
const MaxKeyLength = 1024

// copyBufferSize is the buffer of one streaming copy to disk.
const copyBufferSize = 1 << 20

var accountRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Store is the embedded object store rooted at a directory. It implements
// pinfold.BlobStore (the scope's account picks the namespace, the region is
// ignored) and the operations the embedded S3 endpoint serves. A Store is
// safe for concurrent use, including by several Stores over the same root.
type Store struct {
	// Root is the directory that holds one subdirectory per account. It is
	// created on first write.
	Root string
	// Now is the clock that dates multipart uploads (object times are the
	// files' modification times). NewStore sets time.Now.
	Now func() time.Time
}

var _ pinfold.BlobStore = (*Store)(nil)

// NewStore returns a Store over root. It touches nothing on disk.
func NewStore(root string) *Store {
	return &Store{Root: root, Now: time.Now}
}

func noBucket(bucket string) error {
	return pinfold.Errorf(pinfold.ENOTFOUND, "bucket %s does not exist", bucket)
}

func noKey(bucket, key string) error {
	return pinfold.Errorf(pinfold.ENOTFOUND, "object %s/%s does not exist", bucket, key)
}

func keyConflict(key string) error {
	return pinfold.Errorf(pinfold.ECONFLICT,
		"key %q conflicts with an existing object or prefix (a key cannot be both an object and a folder)", key)
}

// CheckAccount returns an EINVALID *pinfold.Error unless account can have a
// namespace: letters, digits, "_" and "-", at most 64 bytes (an account
// name is a directory name).
func (s *Store) CheckAccount(account string) error { return checkAccount(account) }

func checkAccount(account string) error {
	if !accountRe.MatchString(account) {
		return pinfold.Errorf(pinfold.EINVALID, "invalid account %q", account)
	}
	return nil
}

// checkBucket returns EINVALID unless name is a valid S3 bucket name (which
// also makes it a safe directory name).
func checkBucket(name string) error {
	if !pinfold.ValidBucketName(name) {
		return pinfold.Errorf(pinfold.EINVALID, "invalid bucket name %q", name)
	}
	return nil
}

// CheckKey returns an EINVALID *pinfold.Error when key cannot be stored as a
// file path (see the package documentation for the rules), nil otherwise.
func CheckKey(key string) error {
	switch {
	case key == "":
		return pinfold.Errorf(pinfold.EINVALID, "object key must not be empty")
	case len(key) > MaxKeyLength:
		return pinfold.Errorf(pinfold.EINVALID, "object key longer than %d bytes", MaxKeyLength)
	case !utf8.ValidString(key):
		return pinfold.Errorf(pinfold.EINVALID, "object key %q is not valid UTF-8", key)
	case strings.IndexByte(key, 0) >= 0:
		return pinfold.Errorf(pinfold.EINVALID, "object key %q contains NUL", key)
	case strings.HasPrefix(key, "/"):
		return pinfold.Errorf(pinfold.EINVALID, "object key %q must not start with /", key)
	case strings.HasSuffix(key, "/"):
		return pinfold.Errorf(pinfold.EINVALID, "object key %q must not end with / (folder objects are not supported)", key)
	case strings.HasPrefix(key, reservedPrefix):
		return pinfold.Errorf(pinfold.EINVALID, "object key %q starts with the reserved prefix %s", key, reservedPrefix)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return pinfold.Errorf(pinfold.EINVALID, "object key %q contains an empty path segment", key)
		case seg == "." || seg == "..":
			return pinfold.Errorf(pinfold.EINVALID, "object key %q contains a %q path segment", key, seg)
		case len(seg) > 255:
			return pinfold.Errorf(pinfold.EINVALID, "object key %q has a path segment longer than 255 bytes", key)
		}
	}
	return nil
}

// accountDir returns the directory of an account's namespace.
func (s *Store) accountDir(account string) (string, error) {
	if err := checkAccount(account); err != nil {
		return "", err
	}
	return filepath.Join(s.Root, account), nil
}

// bucketPath returns the directory of a bucket without checking that it
// exists.
func (s *Store) bucketPath(account, bucket string) (string, error) {
	dir, err := s.accountDir(account)
	if err != nil {
		return "", err
	}
	if err := checkBucket(bucket); err != nil {
		return "", err
	}
	return filepath.Join(dir, bucket), nil
}

// bucketDir returns the directory of an existing bucket: ENOTFOUND when it
// does not exist.
func (s *Store) bucketDir(account, bucket string) (string, error) {
	dir, err := s.bucketPath(account, bucket)
	if err != nil {
		var e *pinfold.Error
		if errors.As(err, &e) && e.Code == pinfold.EINVALID && checkAccount(account) == nil {
			// An invalid bucket name cannot exist.
			return "", noBucket(bucket)
		}
		return "", err
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return "", noBucket(bucket)
	} else if err != nil {
		return "", fmt.Errorf("stat bucket: %w", err)
	}
	return dir, nil
}

// objectPath returns the file of key in an existing bucket.
func (s *Store) objectPath(account, bucket, key string) (dir, file string, err error) {
	dir, err = s.bucketDir(account, bucket)
	if err != nil {
		return "", "", err
	}
	if err := CheckKey(key); err != nil {
		return "", "", err
	}
	return dir, filepath.Join(dir, filepath.FromSlash(key)), nil
}

// PutObject stores body as bucket/key in scope.Account's namespace, replacing
// any object there; the object appears whole or not at all. It streams body
// to disk without computing a content hash, so the object's ETag is derived
// from its size and modification time. Errors: EINVALID for an invalid
// account or key, ENOTFOUND "bucket X does not exist", ECONFLICT when the key
// collides with an object or folder (see the package documentation), the
// context's error when ctx ends, and wrapped I/O errors otherwise.
func (s *Store) PutObject(ctx context.Context, scope pinfold.Scope, bucket, key string, body io.Reader) error {
	_, _, err := s.put(ctx, scope.Account, bucket, key, body, putOptions{size: -1})
	return err
}

// GetObject opens bucket/key of scope.Account's namespace for reading. The
// caller must close it. Errors: EINVALID for an invalid account or key,
// ENOTFOUND when the bucket or the object does not exist.
func (s *Store) GetObject(ctx context.Context, scope pinfold.Scope, bucket, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, _, err := s.open(scope.Account, bucket, key)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ListObjects returns the objects of bucket in scope.Account's namespace whose
// keys start with prefix, in key order. Errors: EINVALID for an invalid
// account, ENOTFOUND when the bucket does not exist.
func (s *Store) ListObjects(ctx context.Context, scope pinfold.Scope, bucket, prefix string) ([]pinfold.ObjectInfo, error) {
	dir, err := s.bucketDir(scope.Account, bucket)
	if err != nil {
		return nil, err
	}
	var out []pinfold.ObjectInfo
	err = walk(ctx, dir, walkOptions{prefix: prefix}, func(e entry) error {
		out = append(out, pinfold.ObjectInfo{Key: e.key, Size: e.info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list objects: %w", err)
	}
	return out, nil
}

// open opens an object's file. ENOTFOUND when the bucket or object is
// missing (a directory is not an object).
func (s *Store) open(account, bucket, key string) (*os.File, fs.FileInfo, error) {
	_, file, err := s.objectPath(account, bucket, key)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(file)
	if isNotFound(err) {
		return nil, nil, noKey(bucket, key)
	} else if err != nil {
		return nil, nil, fmt.Errorf("open object: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat object: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, noKey(bucket, key)
	}
	return f, fi, nil
}

// isNotFound reports whether err says a path does not exist, including a
// path through a file (ENOTDIR).
func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// putOptions tune put.
type putOptions struct {
	// size, when not negative, is the length the body must have.
	size int64
	// meta asks put to record metadata: header, and the ETag that etag
	// returns once the body has been read to its end.
	meta   bool
	header map[string]string
	etag   func() string
}

// put writes an object and returns its file's info and ETag.
func (s *Store) put(ctx context.Context, account, bucket, key string, body io.Reader, opt putOptions) (fs.FileInfo, string, error) {
	dir, file, err := s.objectPath(account, bucket, key)
	if err != nil {
		return nil, "", err
	}
	tmp, err := os.CreateTemp(dir, tmpPattern)
	if err != nil {
		return nil, "", fmt.Errorf("create temp object: %w", err)
	}
	committed, metaWritten := false, false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
			if metaWritten {
				removeMeta(dir, key)
			}
		}
	}()
	n, err := copyCtx(ctx, tmp, body)
	if err != nil {
		return nil, "", err
	}
	if opt.size >= 0 && n != opt.size {
		return nil, "", fmt.Errorf("write object: wrote %d bytes, want %d", n, opt.size)
	}
	if err := tmp.Sync(); err != nil {
		return nil, "", fmt.Errorf("sync object: %w", err)
	}
	info, err := tmp.Stat()
	if err != nil {
		return nil, "", fmt.Errorf("stat object: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, "", fmt.Errorf("close object: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	var etag string
	if opt.meta {
		if opt.etag != nil {
			etag = opt.etag()
		}
		m := &objectMeta{Size: info.Size(), ModTime: info.ModTime().UnixNano(), ETag: etag, Header: opt.header}
		if err := writeMeta(dir, key, m); err != nil {
			return nil, "", err
		}
		metaWritten = true
		etag = etagOf(info, m)
	} else {
		removeMeta(dir, key)
		etag = etagOf(info, nil)
	}
	if err := s.commit(dir, tmp.Name(), file, key); err != nil {
		return nil, "", err
	}
	committed = true
	return info, etag, nil
}

// commit renames a finished temporary file over the object's file, creating
// the key's folders, and syncs the folder. A folder of the key can vanish
// between MkdirAll and Rename when a concurrent delete prunes empty folders,
// so it tries a few times.
func (s *Store) commit(dir, tmp, file, key string) error {
	parent := filepath.Dir(file)
	var err error
	for range 3 {
		if err = os.MkdirAll(parent, 0o755); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return keyConflict(key)
			}
			return fmt.Errorf("create key folders: %w", err)
		}
		err = os.Rename(tmp, file)
		if err == nil {
			return syncDir(parent)
		}
		if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist) ||
			errors.Is(err, syscall.ENOTDIR) {
			return keyConflict(key)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	return fmt.Errorf("rename object: %w", err)
}

// DeleteObject removes bucket/key of account's namespace, its metadata and
// the folders it leaves empty. A missing object is not an error. Errors:
// EINVALID for an invalid account or key, ENOTFOUND when the bucket does not
// exist.
func (s *Store) DeleteObject(ctx context.Context, account, bucket, key string) error {
	dir, file, err := s.objectPath(account, bucket, key)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(file)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("stat object: %w", err)
	}
	if fi.IsDir() {
		return nil // a folder, not an object
	}
	if err := os.Remove(file); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete object: %w", err)
	}
	removeMeta(dir, key)
	pruneDirs(dir, filepath.Dir(file))
	return nil
}

// pruneDirs removes empty folders from dir up to, not including, stop.
func pruneDirs(stop, dir string) {
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return // not empty, or gone
		}
		dir = filepath.Dir(dir)
	}
}

// copyCtx copies src to dst with a large buffer, checking ctx between
// buffers. Any error of src other than io.EOF fails the copy.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, copyBufferSize)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		r, rerr := fill(src, buf)
		if r > 0 {
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n, fmt.Errorf("write object: %w", werr)
			}
		}
		if rerr == io.EOF {
			return n, nil
		} else if rerr != nil {
			return n, fmt.Errorf("read object body: %w", rerr)
		}
	}
}

// fill reads from r until buf is full or r fails; io.EOF means r ended.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}
