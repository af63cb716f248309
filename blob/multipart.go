package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// Multipart uploads live on disk, so that parts never sit in memory and an
// upload survives a restart:
//
//	{bucket}/.pinfold-uploads/{id}/upload.json   key, headers, start time
//	{bucket}/.pinfold-uploads/{id}/{part}.{md5}  one file per part (part
//	                                             number as 5 digits)
//
// Completing an upload concatenates the parts into a temporary file and
// renames it over the key, like any put. An upload that is never completed
// or aborted stays on disk until its bucket is deleted.

const uploadInfoFile = "upload.json"

// uploadInfo is upload.json.
type uploadInfo struct {
	Key       string            `json:"key"`
	Header    map[string]string `json:"header,omitempty"`
	Initiated time.Time         `json:"initiated"`
}

// part is one uploaded part on disk.
type part struct {
	number int
	md5    string // hex
	file   string
	size   int64
	mtime  time.Time
}

func (p part) etag() string { return `"` + p.md5 + `"` }

// uploadDir returns the directory of an upload of key and its info.
// ENOTFOUND when the bucket or the upload does not exist, or the upload is
// for another key.
func (s *Store) uploadDir(account, bucket, key, id string) (string, *uploadInfo, error) {
	dir, err := s.bucketDir(account, bucket)
	if err != nil {
		return "", nil, err
	}
	if !pinfold.IsID(id) {
		return "", nil, noUpload(key, id)
	}
	udir := filepath.Join(dir, uploadsDir, id)
	info, err := readUploadInfo(udir)
	if isNotFound(err) {
		return "", nil, noUpload(key, id)
	} else if err != nil {
		return "", nil, err
	}
	if info.Key != key {
		return "", nil, noUpload(key, id)
	}
	return udir, info, nil
}

func noUpload(key, id string) error {
	return pinfold.Errorf(pinfold.ENOTFOUND, "upload %s of %s does not exist", id, key)
}

// readUploadInfo reads upload.json; an error satisfying isNotFound when
// the upload does not exist.
func readUploadInfo(udir string) (*uploadInfo, error) {
	data, err := os.ReadFile(filepath.Join(udir, uploadInfoFile))
	if isNotFound(err) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	var info uploadInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("decode upload: %w", err)
	}
	return &info, nil
}

// readParts returns the parts of an upload ordered by number.
func readParts(udir string) ([]part, error) {
	des, err := os.ReadDir(udir)
	if err != nil {
		return nil, err
	}
	var parts []part
	for _, de := range des {
		num, sum, ok := strings.Cut(de.Name(), ".")
		if !ok || len(num) != 5 || len(sum) != 32 || !de.Type().IsRegular() {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue // replaced meanwhile
		}
		parts = append(parts, part{number: n, md5: sum, file: filepath.Join(udir, de.Name()), size: fi.Size(), mtime: fi.ModTime()})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].number < parts[j].number })
	return parts, nil
}

// CreateUpload starts a multipart upload of bucket/key in account's
// namespace, whose object will carry header (as WriteObject's), and returns
// its ID. Errors: EINVALID for an invalid account or key, ENOTFOUND when the
// bucket does not exist.
func (s *Store) CreateUpload(ctx context.Context, account, bucket, key string, header map[string]string) (string, error) {
	dir, err := s.bucketDir(account, bucket)
	if err != nil {
		return "", err
	}
	if err := CheckKey(key); err != nil {
		return "", err
	}
	id := pinfold.NewID()
	udir := filepath.Join(dir, uploadsDir, id)
	if err := os.MkdirAll(udir, 0o755); err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	data, err := json.Marshal(uploadInfo{Key: key, Header: header, Initiated: s.Now().UTC()})
	if err != nil {
		return "", fmt.Errorf("encode upload: %w", err)
	}
	if err := os.WriteFile(filepath.Join(udir, uploadInfoFile), data, 0o644); err != nil {
		os.RemoveAll(udir)
		return "", fmt.Errorf("create upload: %w", err)
	}
	return id, nil
}

// UploadPart stores body as part number of upload id of bucket/key,
// replacing an earlier part of that number, and returns the part's quoted
// ETag (the MD5 of its bytes). Errors: ENOTFOUND when the bucket or the
// upload does not exist, body's error, wrapped; nothing is stored then.
func (s *Store) UploadPart(ctx context.Context, account, bucket, key, id string, number int, body io.Reader) (string, error) {
	udir, _, err := s.uploadDir(account, bucket, key, id)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(udir, "tmp-*")
	if err != nil {
		if isNotFound(err) {
			return "", noUpload(key, id) // aborted meanwhile
		}
		return "", fmt.Errorf("create part: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	sum := md5.New()
	if _, err := copyCtx(ctx, io.MultiWriter(tmp, sum), body); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close part: %w", err)
	}
	p := part{number: number, md5: hex.EncodeToString(sum.Sum(nil))}
	name := fmt.Sprintf("%05d.%s", number, p.md5)
	if err := os.Rename(tmp.Name(), filepath.Join(udir, name)); err != nil {
		if isNotFound(err) {
			return "", noUpload(key, id)
		}
		return "", fmt.Errorf("store part: %w", err)
	}
	// Drop earlier uploads of the same part number.
	old, _ := filepath.Glob(filepath.Join(udir, fmt.Sprintf("%05d.*", number)))
	for _, f := range old {
		if filepath.Base(f) != name {
			os.Remove(f)
		}
	}
	return p.etag(), nil
}

// ListParts calls fn for each part of upload id of bucket/key, by number.
// fn returning fs.SkipAll ends the listing without error. Errors: ENOTFOUND
// when the bucket or the upload does not exist, fn's error.
func (s *Store) ListParts(ctx context.Context, account, bucket, key, id string,
	fn func(number int, size int64, modTime time.Time, etag string) error) error {
	udir, _, err := s.uploadDir(account, bucket, key, id)
	if err != nil {
		return err
	}
	parts, err := readParts(udir)
	if isNotFound(err) {
		return noUpload(key, id)
	} else if err != nil {
		return fmt.Errorf("list parts: %w", err)
	}
	for _, p := range parts {
		if err := fn(p.number, p.size, p.mtime, p.etag()); errors.Is(err, fs.SkipAll) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// ListUploads calls fn for each upload in progress in bucket, ordered by
// key, then start time, then ID. fn returning fs.SkipAll ends the listing
// without error. Errors: EINVALID for an invalid account, ENOTFOUND when the
// bucket does not exist, fn's error.
func (s *Store) ListUploads(ctx context.Context, account, bucket string,
	fn func(key, id string, initiated time.Time) error) error {
	dir, err := s.bucketDir(account, bucket)
	if err != nil {
		return err
	}
	des, err := os.ReadDir(filepath.Join(dir, uploadsDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("list uploads: %w", err)
	}
	type upload struct {
		id   string
		info *uploadInfo
	}
	var ups []upload
	for _, de := range des {
		if !pinfold.IsID(de.Name()) {
			continue
		}
		info, err := readUploadInfo(filepath.Join(dir, uploadsDir, de.Name()))
		if err != nil {
			continue // completed or aborted meanwhile
		}
		ups = append(ups, upload{de.Name(), info})
	}
	sort.Slice(ups, func(i, j int) bool {
		a, b := ups[i], ups[j]
		if a.info.Key != b.info.Key {
			return a.info.Key < b.info.Key
		}
		if !a.info.Initiated.Equal(b.info.Initiated) {
			return a.info.Initiated.Before(b.info.Initiated)
		}
		return a.id < b.id
	})
	for _, u := range ups {
		if err := fn(u.info.Key, u.id, u.info.Initiated); errors.Is(err, fs.SkipAll) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// AbortUpload deletes upload id of bucket/key and its parts. Errors:
// ENOTFOUND when the bucket or the upload does not exist.
func (s *Store) AbortUpload(ctx context.Context, account, bucket, key, id string) error {
	udir, _, err := s.uploadDir(account, bucket, key, id)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(udir); err != nil {
		return fmt.Errorf("abort upload: %w", err)
	}
	return nil
}

// CompleteUpload concatenates the parts of upload id that parts names, as
// (number, quoted or bare ETag) pairs in ascending number order, into the
// object bucket/key, like WriteObject, with the upload's header and S3's
// multipart ETag "<md5 of the parts' MD5s>-<count>", which it returns. The
// upload is gone afterwards. Errors: ENOTFOUND when the bucket or the upload
// does not exist, EINVALID when parts names no part, names a part that was
// not uploaded or with another ETag, or is not in ascending order,
// ECONFLICT as WriteObject.
func (s *Store) CompleteUpload(ctx context.Context, account, bucket, key, id string, parts iter.Seq2[int, string]) (string, error) {
	udir, info, err := s.uploadDir(account, bucket, key, id)
	if err != nil {
		return "", err
	}
	stored, err := readParts(udir)
	if isNotFound(err) {
		return "", noUpload(key, id)
	} else if err != nil {
		return "", fmt.Errorf("list parts: %w", err)
	}
	byNumber := make(map[int]part, len(stored))
	for _, p := range stored {
		byNumber[p.number] = p
	}
	var use []part
	sums := md5.New()
	var size int64
	last := 0
	for number, etag := range parts {
		if number <= last {
			return "", pinfold.Errorf(pinfold.EINVALID, "parts must be listed in ascending order (part %d after %d)", number, last)
		}
		last = number
		p, ok := byNumber[number]
		if !ok || strings.Trim(etag, `"`) != p.md5 {
			return "", pinfold.Errorf(pinfold.EINVALID, "One or more of the specified parts could not be found (part %d)", number)
		}
		raw, _ := hex.DecodeString(p.md5)
		sums.Write(raw)
		size += p.size
		use = append(use, p)
	}
	if len(use) == 0 {
		return "", pinfold.Errorf(pinfold.EINVALID, "no parts listed")
	}
	etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sums.Sum(nil)), len(use))
	body := &partsReader{parts: use}
	defer body.Close()
	_, _, err = s.put(ctx, account, bucket, key, body,
		putOptions{size: size, meta: true, header: info.Header, etag: func() string { return etag }})
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(udir); err != nil {
		return "", fmt.Errorf("remove completed upload: %w", err)
	}
	return etag, nil
}

// partsReader reads parts one after the other, holding one file open at a
// time.
type partsReader struct {
	parts []part
	cur   *os.File
}

func (r *partsReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.parts) == 0 {
				return 0, io.EOF
			}
			f, err := os.Open(r.parts[0].file)
			if err != nil {
				return 0, fmt.Errorf("open part: %w", err)
			}
			r.cur, r.parts = f, r.parts[1:]
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.cur.Close()
			r.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (r *partsReader) Close() error {
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}
