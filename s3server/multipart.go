package s3server

import (
	"context"
	"io"
	"io/fs"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/pinfold/pinfold"
)

// The multipart half of gofakes3's view of a Backend: gofakes3 parses the
// requests, the Backend keeps the parts, and this file pages the listings.

func (b *backend) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	id, err := b.b.CreateUpload(context.Background(), b.account, bucket, key, keepHeaders(meta))
	if err != nil {
		return "", b.s3Error(err, bucket, key, missingKey)
	}
	return gofakes3.UploadID(id), nil
}

func (b *backend) UploadPart(bucket, key string, id gofakes3.UploadID, number int, size int64, input io.Reader) (string, error) {
	if number < 1 || number > gofakes3.MaxUploadPartNumber {
		return "", gofakes3.ErrInvalidPart
	}
	etag, err := b.b.UploadPart(context.Background(), b.account, bucket, key, string(id), number, sized(input, size))
	if err != nil {
		return "", b.s3Error(err, bucket, key, missingUpload)
	}
	return etag, nil
}

func (b *backend) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	res := &gofakes3.ListMultipartUploadPartsResult{
		Bucket:           bucket,
		Key:              key,
		UploadID:         id,
		MaxParts:         limit,
		PartNumberMarker: marker,
		StorageClass:     gofakes3.StorageStandard,
	}
	err := b.b.ListParts(context.Background(), b.account, bucket, key, string(id),
		func(number int, size int64, modTime time.Time, etag string) error {
			if number <= marker {
				return nil
			}
			if limit > 0 && int64(len(res.Parts)) == limit {
				res.IsTruncated = true
				res.NextPartNumberMarker = res.Parts[len(res.Parts)-1].PartNumber
				return fs.SkipAll
			}
			res.Parts = append(res.Parts, gofakes3.ListMultipartUploadPartItem{
				PartNumber:   number,
				LastModified: gofakes3.NewContentTime(modTime),
				ETag:         etag,
				Size:         size,
			})
			return nil
		})
	if err != nil {
		return nil, b.s3Error(err, bucket, key, missingUpload)
	}
	return res, nil
}

func (b *backend) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
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
	err := b.b.ListUploads(context.Background(), b.account, bucket, func(key, id string, initiated time.Time) error {
		if marker != nil {
			if key < marker.Object || (key == marker.Object && marker.UploadID == "") {
				return nil
			}
			if key == marker.Object && !passed {
				if gofakes3.UploadID(id) == marker.UploadID {
					passed = true
				}
				return nil
			}
		}
		var m gofakes3.PrefixMatch
		if !prefix.Match(key, &m) {
			return nil
		}
		if m.CommonPrefix && seen[m.MatchedPart] {
			return nil
		}
		if limit > 0 && count == limit {
			res.IsTruncated = true
			return fs.SkipAll
		}
		count++
		if m.CommonPrefix {
			seen[m.MatchedPart] = true
			res.CommonPrefixes = append(res.CommonPrefixes, m.AsCommonPrefix())
			return nil
		}
		res.NextKeyMarker, res.NextUploadIDMarker = key, gofakes3.UploadID(id)
		res.Uploads = append(res.Uploads, gofakes3.ListMultipartUploadItem{
			Key:          key,
			UploadID:     gofakes3.UploadID(id),
			StorageClass: gofakes3.StorageStandard,
			Initiated:    gofakes3.NewContentTime(initiated),
		})
		return nil
	})
	if err != nil {
		return nil, b.s3Error(err, bucket, "", missingKey)
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, nil
}

func (b *backend) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	return b.s3Error(b.b.AbortUpload(context.Background(), b.account, bucket, key, string(id)), bucket, key, missingUpload)
}

func (b *backend) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID,
	input *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	if len(input.Parts) == 0 {
		return "", "", gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, "The XML you provided did not list any parts")
	}
	for i, in := range input.Parts {
		if i > 0 && in.PartNumber <= input.Parts[i-1].PartNumber {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
	}
	parts := func(yield func(int, string) bool) {
		for _, in := range input.Parts {
			if !yield(in.PartNumber, in.ETag) {
				return
			}
		}
	}
	etag, err := b.b.CompleteUpload(context.Background(), b.account, bucket, key, string(id), parts)
	if err != nil {
		if pinfold.ErrorCode(err) == pinfold.EINVALID {
			// The parts are in order: one was not uploaded, or not with
			// that ETag.
			return "", "", gofakes3.ErrorMessage(gofakes3.ErrInvalidPart, pinfold.ErrorMessage(err))
		}
		return "", "", b.s3Error(err, bucket, key, missingUpload)
	}
	return "", etag, nil
}
