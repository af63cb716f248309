package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/pinfold/pinfold"
)

// etagHeader carries an ETag that gofakes3 cannot express (it writes the
// hex of Object.Hash, so a multipart "<hex>-<parts>" ETag would lose its
// suffix) from the backend to the handler, which moves it into ETag.
const etagHeader = "X-Pinfold-Etag"

// backend is gofakes3's view of one account's namespace. gofakes3 gives it
// no context, so its operations run with context.Background(); a client that
// goes away fails the body read instead.
type backend struct {
	s       *Store
	account string
}

var (
	_ gofakes3.Backend          = (*backend)(nil)
	_ gofakes3.MultipartBackend = (*backend)(nil)
)

// s3Error turns an error of the store into the gofakes3 error that makes
// the S3 error response. gofakes3 inspects errors with a type switch, not
// errors.As, so S3 errors must be returned unwrapped.
func s3Error(err error, bucket, key string) error {
	if err == nil {
		return nil
	}
	var ge gofakes3.Error
	if errors.As(err, &ge) {
		return ge
	}
	var m *missing
	if errors.As(err, &m) {
		if m.bucket {
			return gofakes3.BucketNotFound(bucket)
		}
		return gofakes3.KeyNotFound(key)
	}
	switch pinfold.ErrorCode(err) {
	case pinfold.EINVALID, pinfold.ECONFLICT:
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, pinfold.ErrorMessage(err))
	}
	return err // InternalError, logged by gofakes3
}

// readError is s3Error for reads and deletes: a key that cannot be stored
// cannot exist. (bucketDir already reports an invalid bucket name as a
// missing bucket, and Handler never serves an invalid account.)
func readError(err error, bucket, key string) error {
	if pinfold.ErrorCode(err) == pinfold.EINVALID {
		return gofakes3.KeyNotFound(key)
	}
	return s3Error(err, bucket, key)
}

// errShortBody is the S3 error for a body shorter or longer than declared.
func errShortBody(want, got int64) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody,
		"You did not provide the number of bytes specified by the Content-Length HTTP header (%d, got %d)", want, got)
}

// keepHeaders returns the request headers worth storing with an object:
// those S3 returns on GET. gofakes3 hands over every X-Amz-* header,
// including the signature's.
func keepHeaders(meta map[string]string) map[string]string {
	out := make(map[string]string)
	for k, v := range meta {
		switch ck := http.CanonicalHeaderKey(k); {
		case ck == "Content-Type", ck == "Content-Disposition", ck == "Content-Language", ck == "Cache-Control":
			out[ck] = v
		case ck == "Content-Encoding":
			if v = stripAWSChunked(v); v != "" {
				out[ck] = v
			}
		case strings.HasPrefix(ck, "X-Amz-Meta-"):
			out[ck] = v
		}
	}
	return out
}

func (b *backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	dir, err := b.s.accountDir(b.account)
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []gofakes3.BucketInfo{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	out := []gofakes3.BucketInfo{}
	for _, de := range des {
		if !de.IsDir() || !pinfold.ValidBucketName(de.Name()) {
			continue
		}
		bdir := filepath.Join(dir, de.Name())
		fi, err := os.Stat(filepath.Join(bdir, bucketMarker))
		if err != nil {
			if fi, err = os.Stat(bdir); err != nil {
				continue // removed meanwhile
			}
		}
		out = append(out, gofakes3.BucketInfo{Name: de.Name(), CreationDate: gofakes3.NewContentTime(fi.ModTime())})
	}
	return out, nil
}

func (b *backend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	dir, err := b.s.bucketDir(b.account, name)
	if err != nil {
		return nil, s3Error(err, name, "")
	}
	var opt walkOptions
	if prefix != nil {
		if prefix.HasPrefix {
			opt.prefix = prefix.Prefix
		}
		if prefix.HasDelimiter {
			opt.delim = prefix.Delimiter
		}
	}
	if page.HasMarker {
		opt.marker = page.Marker
	}
	list := gofakes3.NewObjectList()
	owner := &gofakes3.UserInfo{ID: b.account, DisplayName: b.account}
	var count int64
	var last string
	err = walk(context.Background(), dir, opt, func(e entry) error {
		if page.MaxKeys > 0 && count == page.MaxKeys {
			list.IsTruncated = true
			list.NextMarker = last
			return errStop
		}
		count++
		last = e.key
		if e.commonPrefix {
			list.AddPrefix(e.key)
			return nil
		}
		list.Add(&gofakes3.Content{
			Key:          e.key,
			LastModified: gofakes3.NewContentTime(e.info.ModTime()),
			ETag:         etagOf(e.info, readMeta(dir, e.key, e.info)),
			Size:         e.info.Size(),
			StorageClass: gofakes3.StorageStandard,
			Owner:        owner,
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list bucket: %w", err)
	}
	return list, nil
}

func (b *backend) CreateBucket(name string) error {
	err := b.s.CreateBucket(context.Background(), b.account, name)
	if pinfold.ErrorCode(err) == pinfold.ECONFLICT {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	} else if pinfold.ErrorCode(err) == pinfold.EINVALID {
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidBucketName, pinfold.ErrorMessage(err))
	}
	return err
}

func (b *backend) BucketExists(name string) (bool, error) {
	_, err := b.s.bucketDir(b.account, name)
	var m *missing
	if errors.As(err, &m) {
		return false, nil
	}
	return err == nil, err
}

func (b *backend) DeleteBucket(name string) error {
	dir, err := b.s.bucketDir(b.account, name)
	if err != nil {
		return s3Error(err, name, "")
	}
	empty := true
	err = walk(context.Background(), dir, walkOptions{}, func(entry) error {
		empty = false
		return errStop
	})
	if err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if !empty {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	return b.removeBucket(dir)
}

func (b *backend) ForceDeleteBucket(name string) error {
	dir, err := b.s.bucketDir(b.account, name)
	if err != nil {
		return s3Error(err, name, "")
	}
	return b.removeBucket(dir)
}

// removeBucket deletes a bucket directory: first renamed out of the way (to
// a name that is not a bucket name), so that the bucket disappears at once
// even when its contents take a while.
func (b *backend) removeBucket(dir string) error {
	gone := filepath.Join(filepath.Dir(dir), reservedPrefix+"deleting-"+pinfold.NewID())
	if err := os.Rename(dir, gone); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	return nil
}

// object describes an open object for gofakes3.
func (b *backend) object(bucket, key string, f *os.File, fi fs.FileInfo) *gofakes3.Object {
	dir, _ := b.s.bucketDir(b.account, bucket)
	m := readMeta(dir, key, fi)
	header := map[string]string{}
	if m != nil {
		for k, v := range m.Header {
			header[k] = v
		}
	}
	header["Content-Type"] = contentType(key, m)
	header["Last-Modified"] = fi.ModTime().UTC().Format(http.TimeFormat)
	etag := etagOf(fi, m)
	hexPart, _, multi := strings.Cut(strings.Trim(etag, `"`), "-")
	hash, err := hex.DecodeString(hexPart)
	if err != nil || multi {
		header[etagHeader] = etag
	}
	return &gofakes3.Object{
		Name:     key,
		Metadata: header,
		Size:     fi.Size(),
		Contents: f,
		Hash:     hash,
	}
}

func (b *backend) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	f, fi, err := b.s.open(b.account, bucket, key)
	if err != nil {
		return nil, readError(err, bucket, key)
	}
	r, err := rng.Range(fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	obj := b.object(bucket, key, f, fi)
	if r != nil {
		if _, err := f.Seek(r.Start, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("seek object: %w", err)
		}
		obj.Range = r
		obj.Contents = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, r.Length), f}
	}
	return obj, nil
}

func (b *backend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	f, fi, err := b.s.open(b.account, bucket, key)
	if err != nil {
		return nil, readError(err, bucket, key)
	}
	f.Close()
	obj := b.object(bucket, key, nil, fi)
	obj.Contents = io.NopCloser(strings.NewReader(""))
	return obj, nil
}

func (b *backend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	return gofakes3.ObjectDeleteResult{}, readError(b.delete(bucket, key), bucket, key)
}

// delete removes an object; a key that cannot exist is already deleted.
func (b *backend) delete(bucket, key string) error {
	if _, err := b.s.bucketDir(b.account, bucket); err != nil {
		return err
	}
	if CheckKey(key) != nil {
		return nil
	}
	return b.s.deleteObject(b.account, bucket, key)
}

func (b *backend) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, key := range keys {
		if err := b.delete(bucket, key); err != nil {
			er := gofakes3.ErrorResultFromError(readError(err, bucket, key))
			er.Key = key
			res.Error = append(res.Error, er)
			continue
		}
		res.Deleted = append(res.Deleted, gofakes3.ObjectID{Key: key})
	}
	return res, nil
}

func (b *backend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64,
	conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	if conditions != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		if obj, err := b.HeadObject(bucket, key); err == nil {
			info.Exists, info.Hash = true, obj.Hash
		} else if !gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
			return gofakes3.PutObjectResult{}, err
		}
		if err := gofakes3.CheckPutConditions(conditions, info); err != nil {
			return gofakes3.PutObjectResult{}, err
		}
	}
	opt := putOptions{size: size, meta: true, header: keepHeaders(meta)}
	if h, ok := input.(interface{ Sum([]byte) []byte }); ok {
		// gofakes3 hands over the body in its MD5-hashing reader (for the
		// ETag of its response): no need to hash it twice.
		opt.bodyMD5 = func() []byte { return h.Sum(nil) }
	}
	_, _, err := b.s.put(context.Background(), b.account, bucket, key, input, opt)
	return gofakes3.PutObjectResult{}, s3Error(err, bucket, key)
}

func (b *backend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	f, fi, err := b.s.open(b.account, srcBucket, srcKey)
	if err != nil {
		return gofakes3.CopyObjectResult{}, readError(err, srcBucket, srcKey)
	}
	defer f.Close()
	info, etag, err := b.s.put(context.Background(), b.account, dstBucket, dstKey, f,
		putOptions{size: fi.Size(), meta: true, header: keepHeaders(meta)})
	if err != nil {
		return gofakes3.CopyObjectResult{}, s3Error(err, dstBucket, dstKey)
	}
	return gofakes3.CopyObjectResult{ETag: etag, LastModified: gofakes3.NewContentTime(info.ModTime())}, nil
}

// logger adapts slog to gofakes3, keeping only errors (gofakes3 logs every
// request at INFO).
type logger struct{ s *Store }

func (l logger) Print(level gofakes3.LogLevel, v ...any) {
	if level == gofakes3.LogErr && l.s.Logger != nil {
		l.s.Logger.Error("s3 handler", "err", strings.TrimSpace(fmt.Sprintln(v...)))
	}
}
