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
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
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
// NoSuchUpload when the upload does not exist or is for another key.
func (b *backend) uploadDir(bucket, key string, id gofakes3.UploadID) (string, *uploadInfo, error) {
	dir, err := b.s.bucketDir(b.account, bucket)
	if err != nil {
		return "", nil, s3Error(err, bucket, key)
	}
	if !pinfold.IsID(string(id)) {
		return "", nil, gofakes3.ErrNoSuchUpload
	}
	udir := filepath.Join(dir, uploadsDir, string(id))
	info, err := readUploadInfo(udir)
	if err != nil {
		return "", nil, err
	}
	if info.Key != key {
		return "", nil, gofakes3.ErrNoSuchUpload
	}
	return udir, info, nil
}

func readUploadInfo(udir string) (*uploadInfo, error) {
	data, err := os.ReadFile(filepath.Join(udir, uploadInfoFile))
	if isNotFound(err) {
		return nil, gofakes3.ErrNoSuchUpload
	} else if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	var info uploadInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("decode upload: %w", err)
	}
	return &info, nil
}

// parts returns the parts of an upload ordered by number.
func readParts(udir string) ([]part, error) {
	des, err := os.ReadDir(udir)
	if isNotFound(err) {
		return nil, gofakes3.ErrNoSuchUpload
	} else if err != nil {
		return nil, fmt.Errorf("list parts: %w", err)
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

func (b *backend) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	dir, err := b.s.bucketDir(b.account, bucket)
	if err != nil {
		return "", s3Error(err, bucket, key)
	}
	if err := CheckKey(key); err != nil {
		return "", s3Error(err, bucket, key)
	}
	id := pinfold.NewID()
	udir := filepath.Join(dir, uploadsDir, id)
	if err := os.MkdirAll(udir, 0o755); err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	data, err := json.Marshal(uploadInfo{Key: key, Header: keepHeaders(meta), Initiated: b.s.Now().UTC()})
	if err != nil {
		return "", fmt.Errorf("encode upload: %w", err)
	}
	if err := os.WriteFile(filepath.Join(udir, uploadInfoFile), data, 0o644); err != nil {
		os.RemoveAll(udir)
		return "", fmt.Errorf("create upload: %w", err)
	}
	return gofakes3.UploadID(id), nil
}

func (b *backend) UploadPart(bucket, key string, id gofakes3.UploadID, number int, size int64, input io.Reader) (string, error) {
	if number < 1 || number > gofakes3.MaxUploadPartNumber {
		return "", gofakes3.ErrInvalidPart
	}
	udir, _, err := b.uploadDir(bucket, key, id)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(udir, "tmp-*")
	if err != nil {
		if isNotFound(err) {
			return "", gofakes3.ErrNoSuchUpload // aborted meanwhile
		}
		return "", fmt.Errorf("create part: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	sum := md5.New()
	n, err := copyCtx(context.Background(), io.MultiWriter(tmp, sum), input)
	if err != nil {
		return "", s3Error(err, bucket, key)
	}
	if size >= 0 && n != size {
		return "", errShortBody(size, n)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close part: %w", err)
	}
	p := part{number: number, md5: hex.EncodeToString(sum.Sum(nil))}
	name := fmt.Sprintf("%05d.%s", number, p.md5)
	if err := os.Rename(tmp.Name(), filepath.Join(udir, name)); err != nil {
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

func (b *backend) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	udir, _, err := b.uploadDir(bucket, key, id)
	if err != nil {
		return nil, err
	}
	parts, err := readParts(udir)
	if err != nil {
		return nil, err
	}
	res := &gofakes3.ListMultipartUploadPartsResult{
		Bucket:           bucket,
		Key:              key,
		UploadID:         id,
		MaxParts:         limit,
		PartNumberMarker: marker,
		StorageClass:     gofakes3.StorageStandard,
	}
	for _, p := range parts {
		if p.number <= marker {
			continue
		}
		if limit > 0 && int64(len(res.Parts)) == limit {
			res.IsTruncated = true
			res.NextPartNumberMarker = res.Parts[len(res.Parts)-1].PartNumber
			break
		}
		res.Parts = append(res.Parts, gofakes3.ListMultipartUploadPartItem{
			PartNumber:   p.number,
			LastModified: gofakes3.NewContentTime(p.mtime),
			ETag:         p.etag(),
			Size:         p.size,
		})
	}
	return res, nil
}

func (b *backend) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
	dir, err := b.s.bucketDir(b.account, bucket)
	if err != nil {
		return nil, s3Error(err, bucket, "")
	}
	des, err := os.ReadDir(filepath.Join(dir, uploadsDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("list uploads: %w", err)
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
	res := &gofakes3.ListMultipartUploadsResult{
		Bucket:     bucket,
		Delimiter:  prefix.Delimiter,
		Prefix:     prefix.Prefix,
		MaxUploads: limit,
	}
	if marker != nil {
		res.KeyMarker, res.UploadIDMarker = marker.Object, marker.UploadID
	}
	seen := map[string]bool{}
	passed := marker == nil || marker.UploadID == ""
	count := int64(0)
	for _, u := range ups {
		key := u.info.Key
		if marker != nil {
			if key < marker.Object || (key == marker.Object && marker.UploadID == "") {
				continue
			}
			if key == marker.Object && !passed {
				if gofakes3.UploadID(u.id) == marker.UploadID {
					passed = true
				}
				continue
			}
		}
		var m gofakes3.PrefixMatch
		if !prefix.Match(key, &m) {
			continue
		}
		if m.CommonPrefix && seen[m.MatchedPart] {
			continue
		}
		if limit > 0 && count == limit {
			res.IsTruncated = true
			break
		}
		count++
		if m.CommonPrefix {
			seen[m.MatchedPart] = true
			res.CommonPrefixes = append(res.CommonPrefixes, m.AsCommonPrefix())
			continue
		}
		res.NextKeyMarker, res.NextUploadIDMarker = key, gofakes3.UploadID(u.id)
		res.Uploads = append(res.Uploads, gofakes3.ListMultipartUploadItem{
			Key:          key,
			UploadID:     gofakes3.UploadID(u.id),
			StorageClass: gofakes3.StorageStandard,
			Initiated:    gofakes3.NewContentTime(u.info.Initiated),
		})
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, nil
}

func (b *backend) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	udir, _, err := b.uploadDir(bucket, key, id)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(udir); err != nil {
		return fmt.Errorf("abort upload: %w", err)
	}
	return nil
}

func (b *backend) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID,
	input *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	udir, info, err := b.uploadDir(bucket, key, id)
	if err != nil {
		return "", "", err
	}
	if len(input.Parts) == 0 {
		return "", "", gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, "The XML you provided did not list any parts")
	}
	stored, err := readParts(udir)
	if err != nil {
		return "", "", err
	}
	byNumber := make(map[int]part, len(stored))
	for _, p := range stored {
		byNumber[p.number] = p
	}
	use := make([]part, 0, len(input.Parts))
	sums := md5.New()
	var size int64
	for i, in := range input.Parts {
		if i > 0 && in.PartNumber <= input.Parts[i-1].PartNumber {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
		p, ok := byNumber[in.PartNumber]
		if !ok || strings.Trim(in.ETag, `"`) != p.md5 {
			return "", "", gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart,
				"One or more of the specified parts could not be found (part %d)", in.PartNumber)
		}
		raw, _ := hex.DecodeString(p.md5)
		sums.Write(raw)
		size += p.size
		use = append(use, p)
	}
	etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sums.Sum(nil)), len(use))
	body := &partsReader{parts: use}
	defer body.Close()
	_, _, err = b.s.put(context.Background(), b.account, bucket, key, body,
		putOptions{size: size, meta: true, header: info.Header, etag: etag})
	if err != nil {
		return "", "", s3Error(err, bucket, key)
	}
	if err := os.RemoveAll(udir); err != nil {
		return "", "", fmt.Errorf("remove completed upload: %w", err)
	}
	return "", etag, nil
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
