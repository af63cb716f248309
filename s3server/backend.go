package s3server

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/pinfold/pinfold"
)

// etagHeader carries an ETag that gofakes3 cannot express (it writes the
// hex of Object.Hash, so a multipart "<hex>-<parts>" ETag would lose its
// suffix) from the backend to the handler, which moves it into ETag.
const etagHeader = "X-Pinfold-Etag"

// backend is gofakes3's view of one account's namespace of a Backend.
// gofakes3 gives it no context, so its operations run with
// context.Background(); a client that goes away fails the body read instead.
type backend struct {
	b       Backend
	account string
}

var (
	_ gofakes3.Backend          = (*backend)(nil)
	_ gofakes3.MultipartBackend = (*backend)(nil)
)

// notFound is what a missing thing is called when it is not the bucket.
type notFound int

const (
	missingKey notFound = iota
	missingUpload
)

// s3Error turns an error of the Backend into the gofakes3 error that makes
// the S3 error response. gofakes3 inspects errors with a type switch, not
// errors.As, so S3 errors must be returned unwrapped. ENOTFOUND is
// NoSuchBucket when the bucket is missing, else what (NoSuchKey or
// NoSuchUpload).
func (b *backend) s3Error(err error, bucket, key string, what notFound) error {
	if err == nil {
		return nil
	}
	var ge gofakes3.Error
	if errors.As(err, &ge) {
		return ge
	}
	switch pinfold.ErrorCode(err) {
	case pinfold.ENOTFOUND:
		if b.b.HeadBucket(context.Background(), b.account, bucket) != nil {
			return gofakes3.BucketNotFound(bucket)
		}
		if what == missingUpload {
			return gofakes3.ErrNoSuchUpload
		}
		return gofakes3.KeyNotFound(key)
	case pinfold.EINVALID, pinfold.ECONFLICT:
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, pinfold.ErrorMessage(err))
	}
	return err // InternalError, logged by gofakes3
}

// readError is s3Error for reads and deletes: a key that cannot be stored
// cannot exist. (The Backend reports an invalid bucket name as a missing
// bucket, and Handler never serves an invalid account.)
func (b *backend) readError(err error, bucket, key string) error {
	if pinfold.ErrorCode(err) == pinfold.EINVALID {
		return gofakes3.KeyNotFound(key)
	}
	return b.s3Error(err, bucket, key, missingKey)
}

// errShortBody is the S3 error for a body shorter or longer than declared.
func errShortBody(want, got int64) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody,
		"You did not provide the number of bytes specified by the Content-Length HTTP header (%d, got %d)", want, got)
}

// sizedReader fails with errShortBody when its reader does not end after
// exactly size bytes.
type sizedReader struct {
	r    io.Reader
	size int64
	n    int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.n > s.size || err == io.EOF && s.n != s.size {
		return n, errShortBody(s.size, s.n)
	}
	return n, err
}

// sized returns r checked to hold size bytes, or r as is for a negative
// size.
func sized(r io.Reader, size int64) io.Reader {
	if size < 0 {
		return r
	}
	return &sizedReader{r: r, size: size}
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

// contentType returns the recorded Content-Type, or one guessed from the
// key's extension, or application/octet-stream.
func contentType(key string, header map[string]string) string {
	if ct := header["Content-Type"]; ct != "" {
		return ct
	}
	if ct := mime.TypeByExtension(path.Ext(key)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func (b *backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	out := []gofakes3.BucketInfo{}
	err := b.b.ListBuckets(context.Background(), b.account, func(name string, created time.Time) error {
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(created)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (b *backend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	var pfx, delim, marker string
	if prefix != nil {
		if prefix.HasPrefix {
			pfx = prefix.Prefix
		}
		if prefix.HasDelimiter {
			delim = prefix.Delimiter
		}
	}
	if page.HasMarker {
		marker = page.Marker
	}
	list := gofakes3.NewObjectList()
	owner := &gofakes3.UserInfo{ID: b.account, DisplayName: b.account}
	var count int64
	var last string
	err := b.b.WalkObjects(context.Background(), b.account, name, pfx, delim, marker, func(key string, info fs.FileInfo, etag string) error {
		if page.MaxKeys > 0 && count == page.MaxKeys {
			list.IsTruncated = true
			list.NextMarker = last
			return fs.SkipAll
		}
		count++
		last = key
		if info == nil {
			list.AddPrefix(key)
			return nil
		}
		list.Add(&gofakes3.Content{
			Key:          key,
			LastModified: gofakes3.NewContentTime(info.ModTime()),
			ETag:         etag,
			Size:         info.Size(),
			StorageClass: gofakes3.StorageStandard,
			Owner:        owner,
		})
		return nil
	})
	if err != nil {
		return nil, b.s3Error(err, name, "", missingKey)
	}
	return list, nil
}

func (b *backend) CreateBucket(name string) error {
	err := b.b.CreateBucket(context.Background(), b.account, name)
	switch pinfold.ErrorCode(err) {
	case pinfold.ECONFLICT:
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	case pinfold.EINVALID:
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidBucketName, pinfold.ErrorMessage(err))
	}
	return err
}

func (b *backend) BucketExists(name string) (bool, error) {
	err := b.b.HeadBucket(context.Background(), b.account, name)
	if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

func (b *backend) DeleteBucket(name string) error {
	err := b.b.DeleteBucket(context.Background(), b.account, name, false)
	if pinfold.ErrorCode(err) == pinfold.ECONFLICT {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	return b.s3Error(err, name, "", missingKey)
}

func (b *backend) ForceDeleteBucket(name string) error {
	return b.s3Error(b.b.DeleteBucket(context.Background(), b.account, name, true), name, "", missingKey)
}

// object describes an object for gofakes3.
func (b *backend) object(key string, body io.ReadCloser, fi fs.FileInfo, stored map[string]string) *gofakes3.Object {
	header := make(map[string]string, len(stored)+2)
	etag := ""
	for k, v := range stored {
		if k == "ETag" {
			etag = v
			continue
		}
		header[k] = v
	}
	header["Content-Type"] = contentType(key, stored)
	header["Last-Modified"] = fi.ModTime().UTC().Format(http.TimeFormat)
	hexPart, _, multi := strings.Cut(strings.Trim(etag, `"`), "-")
	sum, err := hex.DecodeString(hexPart)
	if err != nil || multi {
		header[etagHeader] = etag
	}
	return &gofakes3.Object{
		Name:     key,
		Metadata: header,
		Size:     fi.Size(),
		Contents: body,
		Hash:     sum,
	}
}

func (b *backend) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	f, fi, header, err := b.b.OpenObject(context.Background(), b.account, bucket, key)
	if err != nil {
		return nil, b.readError(err, bucket, key)
	}
	r, err := rng.Range(fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	obj := b.object(key, f, fi, header)
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
	fi, header, err := b.b.StatObject(context.Background(), b.account, bucket, key)
	if err != nil {
		return nil, b.readError(err, bucket, key)
	}
	return b.object(key, io.NopCloser(strings.NewReader("")), fi, header), nil
}

func (b *backend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	return gofakes3.ObjectDeleteResult{}, b.readError(b.delete(bucket, key), bucket, key)
}

// delete removes an object; a key that cannot exist is already deleted.
func (b *backend) delete(bucket, key string) error {
	err := b.b.DeleteObject(context.Background(), b.account, bucket, key)
	if pinfold.ErrorCode(err) == pinfold.EINVALID {
		return nil
	}
	return err
}

func (b *backend) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, key := range keys {
		if err := b.delete(bucket, key); err != nil {
			er := gofakes3.ErrorResultFromError(b.readError(err, bucket, key))
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
	var sum summer
	body := sized(input, size)
	if h, ok := input.(summer); ok {
		// gofakes3 hands over the body in its MD5-hashing reader (for the
		// ETag of its response): no need to hash it twice.
		sum = h
	} else {
		h := md5.New()
		body, sum = io.TeeReader(body, h), h
	}
	_, err := b.b.WriteObject(context.Background(), b.account, bucket, key, body, keepHeaders(meta), md5ETag(sum))
	return gofakes3.PutObjectResult{}, b.s3Error(err, bucket, key, missingKey)
}

// summer is what md5ETag needs of a hash.
type summer interface{ Sum([]byte) []byte }

// md5ETag returns the ETag of a simple put, the quoted hex MD5 of its body,
// once sum has seen all of it.
func md5ETag(sum summer) func() string {
	return func() string { return `"` + hex.EncodeToString(sum.Sum(nil)) + `"` }
}

func (b *backend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	f, fi, _, err := b.b.OpenObject(context.Background(), b.account, srcBucket, srcKey)
	if err != nil {
		return gofakes3.CopyObjectResult{}, b.readError(err, srcBucket, srcKey)
	}
	defer f.Close()
	sum := md5.New()
	etag := md5ETag(sum)
	info, err := b.b.WriteObject(context.Background(), b.account, dstBucket, dstKey,
		io.TeeReader(sized(f, fi.Size()), sum), keepHeaders(meta), etag)
	if err != nil {
		return gofakes3.CopyObjectResult{}, b.s3Error(err, dstBucket, dstKey, missingKey)
	}
	return gofakes3.CopyObjectResult{ETag: etag(), LastModified: gofakes3.NewContentTime(info.ModTime())}, nil
}

// logger adapts slog to gofakes3, keeping only errors (gofakes3 logs every
// request at INFO).
type logger struct{ h *Handler }

func (l logger) Print(level gofakes3.LogLevel, v ...any) {
	if level == gofakes3.LogErr && l.h.Logger != nil {
		l.h.Logger.Error("s3 handler", "err", strings.TrimSpace(fmt.Sprintln(v...)))
	}
}
