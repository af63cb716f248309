package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
)

// WalkObjects calls fn for the objects of bucket in account's namespace
// whose keys start with prefix and sort after marker, in key order (UTF-8
// byte order, as S3 lists). With a delimiter, the keys that share prefix and
// what follows it up to the first delimiter are rolled into one call for
// that common prefix, with info nil. etag is the object's quoted ETag. fn
// returning fs.SkipAll ends the walk without error. Errors: EINVALID for an
// invalid account, ENOTFOUND when the bucket does not exist, the context's
// error, fn's error.
func (s *Store) WalkObjects(ctx context.Context, account, bucket, prefix, delimiter, marker string,
	fn func(key string, info fs.FileInfo, etag string) error) error {
	dir, err := s.bucketDir(account, bucket)
	if err != nil {
		return err
	}
	opt := walkOptions{prefix: prefix, delim: delimiter, marker: marker}
	err = walk(ctx, dir, opt, func(e entry) error {
		if e.commonPrefix {
			return fn(e.key, nil, "")
		}
		return fn(e.key, e.info, etagOf(e.info, readMeta(dir, e.key, e.info)))
	})
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

// OpenObject opens bucket/key of account's namespace for reading, with its
// file's info and its header: the headers WriteObject recorded and its
// quoted ETag under "ETag". The caller must close body. Errors: EINVALID
// for an invalid account or key, ENOTFOUND when the bucket or the object
// does not exist.
func (s *Store) OpenObject(ctx context.Context, account, bucket, key string) (body io.ReadSeekCloser, info fs.FileInfo, header map[string]string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	f, fi, err := s.open(account, bucket, key)
	if err != nil {
		return nil, nil, nil, err
	}
	dir, _ := s.bucketDir(account, bucket)
	return f, fi, objectHeader(dir, key, fi), nil
}

// StatObject is OpenObject without the body.
func (s *Store) StatObject(ctx context.Context, account, bucket, key string) (info fs.FileInfo, header map[string]string, err error) {
	f, fi, header, err := s.OpenObject(ctx, account, bucket, key)
	if err != nil {
		return nil, nil, err
	}
	f.Close()
	return fi, header, nil
}

// objectHeader returns the recorded headers of an object and its ETag.
func objectHeader(dir, key string, fi fs.FileInfo) map[string]string {
	m := readMeta(dir, key, fi)
	header := map[string]string{}
	if m != nil {
		maps.Copy(header, m.Header)
	}
	header["ETag"] = etagOf(fi, m)
	return header
}

// WriteObject stores body as bucket/key of account's namespace, replacing any
// object there, and records header (headers to return with the object) and
// the quoted ETag that etag returns once body has been read to its end; a
// nil etag, or one that returns "", gives the object an ETag derived from
// its size and modification time. The object appears whole or not at all:
// nothing is stored when body fails. It returns the file's info. Errors: as
// PutObject, and body's error, wrapped.
func (s *Store) WriteObject(ctx context.Context, account, bucket, key string, body io.Reader,
	header map[string]string, etag func() string) (fs.FileInfo, error) {
	info, _, err := s.put(ctx, account, bucket, key, body, putOptions{size: -1, meta: true, header: header, etag: etag})
	return info, err
}
