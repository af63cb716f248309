package s3server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/s3server"
	"github.com/pinfold/pinfold/s3server/s3servertest"
	"github.com/pinfold/pinfold/sigv4"
)

// Access keys of the test server's two accounts, and their secret.
const (
	keyA   = "AKIAAAAAAAAAAAAAAAAA"
	keyB   = "AKIABBBBBBBBBBBBBBBB"
	secret = "secret"
)

var credentialRe = regexp.MustCompile(`Credential=([^/]+)/`)

// blob.Store is the Backend pinfold serves.
var _ s3server.Backend = (*blob.Store)(nil)

var (
	scopeA = pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = pinfold.Scope{Account: "222222222222", Region: "us-east-1"}
)

// newStore returns a blob.Store in a temporary directory with bucket
// "exports" in scopeA's namespace.
func newStore(t *testing.T) *blob.Store {
	t.Helper()
	s := blob.NewStore(t.TempDir())
	if err := s.CreateBucket(context.Background(), scopeA.Account, "exports"); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return s
}

// get reads an object in-process.
func get(t *testing.T, s *blob.Store, scope pinfold.Scope, bucket, key string) string {
	t.Helper()
	rc, err := s.GetObject(context.Background(), scope, bucket, key)
	if err != nil {
		t.Fatalf("GetObject(%s/%s): %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	return string(b)
}

// serve starts a server that plays the part of pinfold's front end: it picks
// the account from the request's access key and hands the request to an
// s3server.Handler over s. It verifies the signature only to obtain the
// verifier of the chunk signatures, as pinfold does (requests signed with
// the wrong secret, or not at all, reach the handler without one: these
// tests are about the handler, and api's tests about authentication).
func serve(t *testing.T, s *blob.Store, tls bool) *httptest.Server {
	srv, _ := serveCounting(t, s, tls)
	return srv
}

// serveCounting is serve that also counts the aws-chunked requests it got.
func serveCounting(t *testing.T, s *blob.Store, tls bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	accounts := map[string]string{keyA: scopeA.Account, keyB: scopeB.Account}
	verifier := sigv4.NewVerifier(func(id string) (sigv4.Credential, bool) {
		account, ok := accounts[id]
		return sigv4.Credential{AccessKeyID: id, SecretAccessKey: secret, Account: account}, ok
	})
	s3h := s3server.New(s)
	var chunked atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
			chunked.Add(1)
		}
		m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
		account, ok := "", false
		if m != nil {
			account, ok = accounts[m[1]]
		}
		if !ok {
			http.Error(w, "unknown access key", http.StatusForbidden)
			return
		}
		var chunks s3server.ChunkVerifier
		if id, err := verifier.Verify(r, ""); err == nil && id.Chunks() != nil {
			chunks = id.Chunks()
		}
		s3h.Serve(w, r, account, chunks)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &chunked
}

// client returns an aws-sdk-go-v2 S3 client for srv with the SDK's default
// checksum behaviour (CRC32 on every upload, in a trailer over TLS).
func client(srv *httptest.Server, accessKey string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		HTTPClient:   srv.Client(),
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func readBody(t *testing.T, out *s3.GetObjectOutput, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

func md5ETag(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func TestSDK(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			t.Parallel()
			testSDK(t, tls)
		})
	}
}

func testSDK(t *testing.T, tls bool) {
	ctx := context.Background()
	s := blob.NewStore(t.TempDir())
	srv, chunked := serveCounting(t, s, tls)
	c := client(srv, keyA)
	if tls {
		// Over TLS the SDK sends uploads aws-chunked with a CRC32 trailer.
		t.Cleanup(func() {
			if chunked.Load() == 0 {
				t.Error("the SDK sent no aws-chunked upload over TLS: the trailer path went untested")
			}
		})
	}

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("exports")})
	wantAPIError(t, err, "BucketAlreadyExists")
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "exports" || lb.Buckets[0].CreationDate == nil {
		t.Fatalf("ListBuckets: got %+v", lb.Buckets)
	}

	t.Run("put get head", func(t *testing.T) {
		body := []byte(`{"Id":"e1"}` + "\n")
		out, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String("exports"),
			Key:         aws.String("run1/part-0001.json"),
			Body:        bytes.NewReader(body),
			ContentType: aws.String("application/x-ndjson"),
			Metadata:    map[string]string{"job": "42"},
		})
		if err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		if got := aws.ToString(out.ETag); got != md5ETag(body) {
			t.Errorf("PutObject ETag: got %s, want %s", got, md5ETag(body))
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/part-0001.json")})
		if err != nil {
			t.Fatalf("HeadObject: %v", err)
		}
		if aws.ToString(head.ETag) != md5ETag(body) || aws.ToInt64(head.ContentLength) != int64(len(body)) ||
			aws.ToString(head.ContentType) != "application/x-ndjson" || head.Metadata["job"] != "42" || head.LastModified == nil {
			t.Errorf("HeadObject: got ETag %s, length %d, type %s, metadata %v, modified %v",
				aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), aws.ToString(head.ContentType), head.Metadata, head.LastModified)
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/part-0001.json")})
		if got := readBody(t, get, err); got != string(body) {
			t.Errorf("GetObject: got %q, want %q", got, body)
		}
		if aws.ToString(get.ETag) != md5ETag(body) {
			t.Errorf("GetObject ETag: got %s", aws.ToString(get.ETag))
		}
		rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/part-0001.json"), Range: aws.String("bytes=2-3")})
		if got := readBody(t, rng, err); got != "Id" {
			t.Errorf("GetObject range: got %q, want %q", got, "Id")
		}
		_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/missing")})
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			t.Errorf("GetObject missing key: got %v, want NoSuchKey", err)
		}
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/missing")})
		wantAPIError(t, err, "NotFound")
	})

	t.Run("list", func(t *testing.T) {
		for _, k := range []string{"list/a", "list/b", "list/sub/c", "list/sub/d/e", "list-x", "list/z"} {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
				t.Fatalf("PutObject %s: %v", k, err)
			}
		}
		tests := []struct {
			prefix, delim  string
			keys, prefixes []string
		}{
			{"list", "/", []string{"list-x"}, []string{"list/"}},
			{"list/", "/", []string{"list/a", "list/b", "list/z"}, []string{"list/sub/"}},
			{"list/", "", []string{"list/a", "list/b", "list/sub/c", "list/sub/d/e", "list/z"}, nil},
			{"list/s", "/", nil, []string{"list/sub/"}},
			{"list/sub/", "/", []string{"list/sub/c"}, []string{"list/sub/d/"}},
			{"list/", "b", []string{"list/a", "list/z"}, []string{"list/b", "list/sub"}},
		}
		for _, tt := range tests {
			for _, maxKeys := range []int32{1, 2, 1000} {
				var keys, prefixes []string
				p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{
					Bucket: aws.String("exports"), Prefix: aws.String(tt.prefix),
					Delimiter: aws.String(tt.delim), MaxKeys: aws.Int32(maxKeys),
				})
				pages := 0
				for p.HasMorePages() {
					out, err := p.NextPage(ctx)
					if err != nil {
						t.Fatalf("ListObjectsV2(%q, %q): %v", tt.prefix, tt.delim, err)
					}
					if pages++; pages > 10 {
						t.Fatalf("ListObjectsV2(%q, %q, %d): too many pages", tt.prefix, tt.delim, maxKeys)
					}
					for _, o := range out.Contents {
						keys = append(keys, aws.ToString(o.Key))
						if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) {
							t.Errorf("size of %s: got %d", aws.ToString(o.Key), aws.ToInt64(o.Size))
						}
					}
					for _, cp := range out.CommonPrefixes {
						prefixes = append(prefixes, aws.ToString(cp.Prefix))
					}
				}
				if !slices.Equal(keys, tt.keys) || !slices.Equal(prefixes, tt.prefixes) {
					t.Errorf("ListObjectsV2(prefix %q, delimiter %q, max %d):\n got keys %q prefixes %q\nwant keys %q prefixes %q",
						tt.prefix, tt.delim, maxKeys, keys, prefixes, tt.keys, tt.prefixes)
				}
			}
		}
		// ListObjects (v1) with a marker.
		out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("exports"), Prefix: aws.String("list/"), Marker: aws.String("list/b")})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if want := []string{"list/sub/c", "list/sub/d/e", "list/z"}; !slices.Equal(keys, want) {
			t.Errorf("ListObjects after marker: got %q, want %q", keys, want)
		}
	})

	t.Run("in-process and HTTP share objects", func(t *testing.T) {
		if err := s.PutObject(ctx, scopeA, "exports", "inproc/x.gz", strings.NewReader("from jobs")); err != nil {
			t.Fatal(err)
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("inproc/x.gz")})
		if got := readBody(t, get, err); got != "from jobs" {
			t.Errorf("GetObject of in-process object: got %q", got)
		}
		if ct := aws.ToString(get.ContentType); ct != "application/gzip" && ct != "application/x-gzip" {
			t.Errorf("Content-Type guessed from .gz: got %q", ct)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("inproc/x.gz")})
		if err != nil || aws.ToString(head.ETag) != aws.ToString(get.ETag) || aws.ToString(head.ETag) == "" {
			t.Errorf("HeadObject of in-process object: ETag %s vs GetObject's %s (%v)", aws.ToString(head.ETag), aws.ToString(get.ETag), err)
		}
		lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("exports"), Prefix: aws.String("inproc/")})
		if err != nil || len(lo.Contents) != 1 || aws.ToString(lo.Contents[0].ETag) != aws.ToString(head.ETag) {
			t.Errorf("ListObjectsV2 of in-process object: %+v, %v", lo, err)
		}

		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("inproc/y"), Body: strings.NewReader("from http")}); err != nil {
			t.Fatal(err)
		}
		if got := get1(t, s, "inproc/y"); got != "from http" {
			t.Errorf("in-process GetObject of HTTP object: got %q", got)
		}
		// Replacing an HTTP object in-process drops its old metadata.
		if err := s.PutObject(ctx, scopeA, "exports", "inproc/y", strings.NewReader("replaced")); err != nil {
			t.Fatal(err)
		}
		head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("inproc/y")})
		if err != nil || aws.ToInt64(head.ContentLength) != int64(len("replaced")) || aws.ToString(head.ETag) == md5ETag([]byte("from http")) {
			t.Errorf("HeadObject after in-process replace: %+v, %v", head, err)
		}
	})

	t.Run("multipart", func(t *testing.T) {
		data := make([]byte, 12<<20+12345)
		for i := range data {
			data[i] = byte(i*7 + i>>12)
		}
		//lint:ignore SA1019 manager is deprecated but still the SDK's common upload path
		up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 2 })
		// A reader without Seek or Len: the uploader cannot know the size.
		//lint:ignore SA1019 as above
		out, err := up.Upload(ctx, &s3.PutObjectInput{
			Bucket: aws.String("exports"), Key: aws.String("multi/big.bin"),
			Body: struct{ io.Reader }{bytes.NewReader(data)},
		})
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if !strings.HasSuffix(aws.ToString(out.ETag), `-3"`) {
			t.Errorf("multipart ETag: got %s, want a 3-part ETag", aws.ToString(out.ETag))
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("multi/big.bin")})
		if got := readBody(t, get, err); got != string(data) {
			t.Errorf("GetObject after multipart upload: got %d bytes, want %d identical bytes", len(got), len(data))
		}
		if aws.ToString(get.ETag) != aws.ToString(out.ETag) {
			t.Errorf("GetObject ETag %s, upload ETag %s", aws.ToString(get.ETag), aws.ToString(out.ETag))
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("multi/big.bin")})
		if err != nil || aws.ToString(head.ETag) != aws.ToString(out.ETag) || aws.ToInt64(head.ContentLength) != int64(len(data)) {
			t.Errorf("HeadObject after multipart upload: ETag %s, length %d (%v), want %s, %d",
				aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), err, aws.ToString(out.ETag), len(data))
		}
		if _, ok := head.Metadata["etag"]; ok || len(head.Metadata) != 0 {
			t.Errorf("HeadObject leaks internal headers as metadata: %v", head.Metadata)
		}
		// No upload is left in progress.
		lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("exports")})
		if err != nil || len(lu.Uploads) != 0 {
			t.Errorf("ListMultipartUploads: %+v, %v", lu, err)
		}

		// Abort, and list an upload in progress.
		cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted")})
		if err != nil {
			t.Fatalf("CreateMultipartUpload: %v", err)
		}
		if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted"),
			UploadId: cu.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part one")}); err != nil {
			t.Fatalf("UploadPart: %v", err)
		}
		lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted"), UploadId: cu.UploadId})
		if err != nil || len(lp.Parts) != 1 || aws.ToInt64(lp.Parts[0].Size) != 8 {
			t.Errorf("ListParts: %+v, %v", lp, err)
		}
		lu, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("exports")})
		if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(cu.UploadId) {
			t.Errorf("ListMultipartUploads: %+v, %v", lu, err)
		}
		// A wrong part ETag fails the completion.
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted"),
			UploadId: cu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
				{PartNumber: aws.Int32(1), ETag: aws.String(`"00000000000000000000000000000000"`)}}}})
		wantAPIError(t, err, "InvalidPart")
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted"), UploadId: cu.UploadId}); err != nil {
			t.Fatalf("AbortMultipartUpload: %v", err)
		}
		_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted"),
			UploadId: cu.UploadId, PartNumber: aws.Int32(2), Body: strings.NewReader("late")})
		wantAPIError(t, err, "NoSuchUpload")
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("multi/aborted")})
		wantAPIError(t, err, "NotFound")
	})

	t.Run("copy and delete", func(t *testing.T) {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("del/a"), Body: strings.NewReader("a")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("exports"), Key: aws.String("del/b/copy"), CopySource: aws.String("exports/del/a")}); err != nil {
			t.Fatalf("CopyObject: %v", err)
		}
		if got := get1(t, s, "del/b/copy"); got != "a" {
			t.Errorf("copy: got %q", got)
		}
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("exports"), Key: aws.String("del/a")}); err != nil {
			t.Fatalf("DeleteObject: %v", err)
		}
		// Deleting a missing key succeeds, as on S3.
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("exports"), Key: aws.String("del/never")}); err != nil {
			t.Fatalf("DeleteObject of a missing key: %v", err)
		}
		do, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("exports"), Delete: &types.Delete{
			Objects: []types.ObjectIdentifier{{Key: aws.String("del/b/copy")}, {Key: aws.String("del/none")}}}})
		if err != nil || len(do.Deleted) != 2 || len(do.Errors) != 0 {
			t.Fatalf("DeleteObjects: %+v, %v", do, err)
		}
		objs, err := s.ListObjects(ctx, scopeA, "exports", "del/")
		if err != nil || len(objs) != 0 {
			t.Errorf("after deletes: %v, %v", objs, err)
		}
		// Emptied folders go too.
		if _, err := s.GetObject(ctx, scopeA, "exports", "del"); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
			t.Errorf("folder del: %v", err)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nosuchbucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
		wantAPIError(t, err, "NoSuchBucket")
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nosuchbucket")})
		var nsb *types.NoSuchBucket
		if !errors.As(err, &nsb) {
			t.Errorf("ListObjectsV2 of a missing bucket: got %v, want NoSuchBucket", err)
		}
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("a/../../b"), Body: strings.NewReader("x")})
		wantAPIError(t, err, "InvalidArgument")
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/part-0001.json/x"), Body: strings.NewReader("x")})
		wantAPIError(t, err, "InvalidArgument")
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("meta"), Body: strings.NewReader("x"),
			Metadata: map[string]string{"big": strings.Repeat("m", 3000)}})
		wantAPIError(t, err, "MetadataTooLarge")
		_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("exports")})
		wantAPIError(t, err, "BucketNotEmpty")
	})

	t.Run("accounts", func(t *testing.T) {
		b := client(srv, keyB)
		lb, err := b.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil || len(lb.Buckets) != 0 {
			t.Fatalf("account B ListBuckets: %+v, %v", lb, err)
		}
		_, err = b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("run1/part-0001.json")})
		wantAPIError(t, err, "NoSuchBucket")
		if _, err := b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
			t.Fatalf("account B CreateBucket: %v", err)
		}
		lo, err := b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("exports")})
		if err != nil || len(lo.Contents) != 0 {
			t.Fatalf("account B ListObjectsV2: %+v, %v", lo, err)
		}
		if _, err := b.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("exports")}); err != nil {
			t.Fatalf("account B DeleteBucket: %v", err)
		}
		if _, err := s.ListObjects(ctx, scopeA, "exports", ""); err != nil {
			t.Errorf("account A's bucket after B deleted its own: %v", err)
		}
	})
}

// get1 reads an object of scopeA's bucket "exports" in-process.
func get1(t *testing.T, s *blob.Store, key string) string {
	t.Helper()
	return get(t, s, scopeA, "exports", key)
}

// rawPut sends a hand-made PUT with account A's access key.
func rawPut(t *testing.T, srv *httptest.Server, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+keyA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func crc32B64(s string) string {
	var b [4]byte
	sum := crc32.ChecksumIEEE([]byte(s))
	b[0], b[1], b[2], b[3] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	return base64.StdEncoding.EncodeToString(b[:])
}

// TestUploadBodies pins how the handler decodes the upload bodies SDKs
// send, including the failures that must store nothing.
func TestUploadBodies(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	srv := serve(t, s, false)
	payload := "hello, chunked world"
	unsignedTrailer := func(sum string) string {
		return fmt.Sprintf("%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(payload), payload, sum)
	}
	chunkedHeader := func(sha string) map[string]string {
		return map[string]string{
			"X-Amz-Content-Sha256":         sha,
			"Content-Encoding":             "aws-chunked",
			"X-Amz-Decoded-Content-Length": fmt.Sprint(len(payload)),
			"X-Amz-Trailer":                "x-amz-checksum-crc32",
		}
	}
	tests := []struct {
		name       string
		header     map[string]string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"plain", nil, payload, 200, ""},
		{"crc32 header", map[string]string{"X-Amz-Checksum-Crc32": crc32B64(payload)}, payload, 200, ""},
		{"bad crc32 header", map[string]string{"X-Amz-Checksum-Crc32": crc32B64("other")}, payload, 400, "BadDigest"},
		{"payload sha256", map[string]string{"X-Amz-Content-Sha256": sha256Hex(payload)}, payload, 200, ""},
		{"bad payload sha256", map[string]string{"X-Amz-Content-Sha256": sha256Hex("other")}, payload, 400, "BadDigest"},
		{"unsigned payload", map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}, payload, 200, ""},
		{"unsigned trailer", chunkedHeader("STREAMING-UNSIGNED-PAYLOAD-TRAILER"), unsignedTrailer(crc32B64(payload)), 200, ""},
		{"bad trailer", chunkedHeader("STREAMING-UNSIGNED-PAYLOAD-TRAILER"), unsignedTrailer(crc32B64("other")), 400, "BadDigest"},
		{"missing trailer", chunkedHeader("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(payload), payload), 400, "InvalidArgument"},
		{"truncated", chunkedHeader("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
			fmt.Sprintf("%x\r\n%s", len(payload), payload[:5]), 400, "IncompleteBody"},
		{"too long", chunkedHeader("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
			fmt.Sprintf("%x\r\n%s!\r\n0\r\n\r\n", len(payload)+1, payload), 400, "IncompleteBody"},
		{"no decoded length", map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked"},
			unsignedTrailer(crc32B64(payload)), 411, "MissingContentLength"},
	}
	for _, tt := range tests {
		key := "bodies/" + strings.ReplaceAll(tt.name, " ", "-")
		status, body := rawPut(t, srv, "/exports/"+key, tt.header, tt.body)
		if status != tt.wantStatus || !strings.Contains(body, "<Code>"+tt.wantCode+"</Code>") && tt.wantCode != "" {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, status, body, tt.wantStatus, tt.wantCode)
			continue
		}
		rc, err := s.GetObject(context.Background(), scopeA, "exports", key)
		if tt.wantStatus != 200 {
			if pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
				t.Errorf("%s: failed upload stored an object (%v)", tt.name, err)
				rc.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: GetObject: %v", tt.name, err)
			continue
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != payload {
			t.Errorf("%s: stored %q, want %q", tt.name, got, payload)
		}
	}
	// Content-Encoding aws-chunked is not stored as the object's encoding.
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/exports/bodies/unsigned-trailer", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+keyA+"/x")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD of the aws-chunked upload: %s", resp.Status)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding of an aws-chunked upload: got %q, want none", ce)
	}
	for k := range resp.Header {
		if strings.HasPrefix(k, "X-Amz-Content") || strings.HasPrefix(k, "X-Amz-Decoded") || strings.HasPrefix(k, "X-Pinfold") {
			t.Errorf("response leaks header %s", k)
		}
	}
}

func TestHandlerRejectsBadAccount(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	rec := httptest.NewRecorder()
	s3server.New(s).Serve(rec, httptest.NewRequest(http.MethodGet, "/", nil), "../etc", nil)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "<Code>AccessDenied</Code>") {
		t.Errorf("got %d %s, want 403 AccessDenied", rec.Code, rec.Body)
	}
}

// signedChunkedPut sends payload to path on srv as signed aws-chunked
// chunks of chunk bytes, with key A (s3servertest.SignedChunkedPut).
func signedChunkedPut(t *testing.T, srv *httptest.Server, path string, payload []byte, chunk int, tamper func([]byte) []byte) (int, string) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: keyA, SecretAccessKey: secret}
	return s3servertest.SignedChunkedPut(t, srv.Client(), srv.URL+path, creds, payload, chunk, tamper)
}

// TestSignedChunks uploads bodies of signed chunks, as S3 verifies them: a
// chunk whose signature does not match fails the upload with 403
// SignatureDoesNotMatch and nothing is stored.
func TestSignedChunks(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	srv := serve(t, s, false)
	payload := bytes.Repeat([]byte("pinfold signed chunk\n"), 5000) // about 100 KB: two 64 KiB chunks
	const chunk = 64 << 10
	flip := func(at int) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte("\r\n")) + 2 + at // a byte of the first chunk's data
			b[i] ^= 1
			return b
		}
	}
	tests := []struct {
		name       string
		tamper     func([]byte) []byte
		wantStatus int
		wantCode   string
	}{
		{"signed chunks", nil, 200, ""},
		{"data flipped", flip(100), 403, "SignatureDoesNotMatch"},
		{"last data byte flipped", flip(chunk - 1), 403, "SignatureDoesNotMatch"},
		{"final chunk tampered", func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("chunk-signature=")) + len("chunk-signature=")
			b[i] ^= 1
			return b
		}, 403, "SignatureDoesNotMatch"},
		{"chunk signature swapped", func(b []byte) []byte {
			// The second chunk signed as the first: the chain catches it.
			first := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
			second := bytes.Index(b[first:], []byte("chunk-signature=")) + first + len("chunk-signature=")
			copy(b[second:second+64], b[first:first+64])
			return b
		}, 403, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		key := "signed/" + strings.ReplaceAll(tt.name, " ", "-")
		status, body := signedChunkedPut(t, srv, "/exports/"+key, payload, chunk, tt.tamper)
		if status != tt.wantStatus || tt.wantCode != "" && !strings.Contains(body, "<Code>"+tt.wantCode+"</Code>") {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, status, body, tt.wantStatus, tt.wantCode)
			continue
		}
		rc, err := s.GetObject(context.Background(), scopeA, "exports", key)
		if tt.wantStatus != 200 {
			if pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
				t.Errorf("%s: rejected upload stored an object (%v)", tt.name, err)
				rc.Close()
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: GetObject: %v", tt.name, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, payload) {
			t.Errorf("%s: stored %d bytes, want %d identical bytes", tt.name, len(got), len(payload))
		}
	}

	// UploadPart takes signed chunks too; a tampered part is not stored.
	c := client(srv, keyA)
	ctx := context.Background()
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("exports"), Key: aws.String("signed/multi")})
	if err != nil {
		t.Fatal(err)
	}
	partPath := "/exports/signed/multi?partNumber=1&uploadId=" + aws.ToString(cu.UploadId)
	if status, body := signedChunkedPut(t, srv, partPath, payload, chunk, flip(7)); status != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("UploadPart with a tampered chunk: got %d %s, want 403 SignatureDoesNotMatch", status, body)
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("exports"), Key: aws.String("signed/multi"), UploadId: cu.UploadId})
	if err != nil || len(lp.Parts) != 0 {
		t.Errorf("parts after a tampered UploadPart: %+v, %v", lp.Parts, err)
	}
	if status, body := signedChunkedPut(t, srv, partPath, payload, chunk, nil); status != 200 {
		t.Errorf("UploadPart with signed chunks: got %d %s", status, body)
	}
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("exports"), Key: aws.String("signed/multi"), UploadId: cu.UploadId})
	if err != nil || len(lp.Parts) != 1 || aws.ToInt64(lp.Parts[0].Size) != int64(len(payload)) {
		t.Errorf("parts after a signed UploadPart: %+v, %v", lp.Parts, err)
	}
}
