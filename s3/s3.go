// Package s3 implements pinfold.BlobStore over an external S3-compatible
// service (Amazon S3, MinIO, versitygw, Ceph RGW, ...) with aws-sdk-go-v2.
//
// One set of server-side credentials serves every tenant: the scope argument
// of the BlobStore methods is ignored, and buckets and keys are used as
// given. Uploads stream: a body of unknown length goes up as a multipart
// upload in parts of PartSize bytes, Concurrency at a time, so memory stays
// bounded (about (Concurrency+1) x PartSize) whatever the object's size.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pinfold/pinfold"
)

// Defaults of a new Store.
const (
	DefaultPartSize    = 8 << 20 // bytes per multipart part
	DefaultConcurrency = 2       // parts in flight per upload
)

// Config says where the object storage is and how to sign for it.
type Config struct {
	// Endpoint is the service's URL, e.g. http://127.0.0.1:7070; empty means
	// Amazon S3 itself (resolved from Region).
	Endpoint string
	// Region is the signing region; empty means the standard chain's
	// (AWS_REGION, shared config), and us-east-1 if that has none.
	Region string
	// UsePathStyle addresses buckets as http://host/bucket/key rather than
	// http://bucket.host/key. Most self-hosted services need it.
	UsePathStyle bool
	// AccessKeyID and SecretAccessKey, when both set, are the credentials.
	// When empty, the standard AWS chain is used (environment, shared
	// credentials and config files, SSO, container and instance roles).
	AccessKeyID     string
	SecretAccessKey string
}

// Store is a pinfold.BlobStore over an S3-compatible service. Create it with
// NewStore, adjust the exported fields, then call Open before use. It is safe
// for concurrent use once open.
type Store struct {
	Config
	// PartSize is the size of each part of a multipart upload (at least 5
	// MiB, S3's minimum). NewStore sets DefaultPartSize.
	PartSize int64
	// Concurrency is the number of parts an upload sends at once.
	// NewStore sets DefaultConcurrency.
	Concurrency int
	// HTTPClient, when set, replaces the SDK's HTTP client (tests use it to
	// trust a test certificate).
	HTTPClient *http.Client

	client *s3.Client
	// manager.Uploader is deprecated in favour of feature/s3/transfermanager,
	// which is not a dependency of pinfold yet; manager still works and is
	// maintained.
	//lint:ignore SA1019 see above
	uploader *manager.Uploader
}

var _ pinfold.BlobStore = (*Store)(nil)

// NewStore returns a Store for cfg with default part size and concurrency.
// It does not contact the service.
func NewStore(cfg Config) *Store {
	return &Store{Config: cfg, PartSize: DefaultPartSize, Concurrency: DefaultConcurrency}
}

// Open resolves credentials and region and builds the client. It reads the
// shared AWS configuration files when Config leaves credentials or region
// empty, but does not contact the service: bad credentials show up as
// EFORBIDDEN on first use.
//
// Checksums: recent aws-sdk-go-v2 versions add a CRC32 to every upload by
// default, sent as an aws-chunked body with a trailer over HTTPS, and
// validate response checksums. Many S3-compatible servers mishandle those
// bodies (they store the chunk framing, or reject the request), so Open sets
// both RequestChecksumCalculation and ResponseChecksumValidation to "when
// required": the SDK then sends checksums only for operations that demand
// them, as it did before 2025.
func (s *Store) Open(ctx context.Context) error {
	opts := []func(*config.LoadOptions) error{
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	if s.AccessKeyID != "" || s.SecretAccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, "")))
	}
	if s.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(s.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("load aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s.client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		o.UsePathStyle = s.UsePathStyle
	})
	//lint:ignore SA1019 see the uploader field
	s.uploader = manager.NewUploader(s.client, func(u *manager.Uploader) {
		u.PartSize = s.PartSize
		u.Concurrency = s.Concurrency
		u.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	return nil
}

// PutObject uploads body, of unknown length, as bucket/key, replacing any
// object there. A body shorter than PartSize goes up in one PutObject;
// a longer one as a multipart upload, which is aborted if anything fails, so
// the object appears whole or not at all. Errors: ENOTFOUND when the bucket
// does not exist, EFORBIDDEN when access is denied (including unknown or
// wrong credentials), the context's error, and wrapped transient errors.
func (s *Store) PutObject(ctx context.Context, scope pinfold.Scope, bucket, key string, body io.Reader) error {
	if s.uploader == nil {
		return errors.New("s3 store is not open")
	}
	//lint:ignore SA1019 see the uploader field
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String(key),
		Body:   body,
	})
	if err != nil {
		return fmt.Errorf("put object: %w", mapError(err, bucket, key))
	}
	return nil
}

// GetObject opens bucket/key for reading; the caller must close it. Errors:
// ENOTFOUND when the bucket or the object does not exist, EFORBIDDEN when
// access is denied, and wrapped transient errors.
func (s *Store) GetObject(ctx context.Context, scope pinfold.Scope, bucket, key string) (io.ReadCloser, error) {
	if s.client == nil {
		return nil, errors.New("s3 store is not open")
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get object: %w", mapError(err, bucket, key))
	}
	return out.Body, nil
}

// ListObjects returns the objects of bucket whose keys start with prefix, in
// key order, following continuation tokens. Errors as for GetObject.
func (s *Store) ListObjects(ctx context.Context, scope pinfold.Scope, bucket, prefix string) ([]pinfold.ObjectInfo, error) {
	if s.client == nil {
		return nil, errors.New("s3 store is not open")
	}
	var out []pinfold.ObjectInfo
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list objects: %w", mapError(err, bucket, ""))
		}
		for _, o := range page.Contents {
			out = append(out, pinfold.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
	}
	return out, nil
}

// mapError turns an SDK error into a pinfold error where the service said
// something final: a missing bucket or key is ENOTFOUND, a refusal
// EFORBIDDEN. Anything else (network errors, throttling, 5xx) is returned
// as is: transient, worth retrying.
func mapError(err error, bucket, key string) error {
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	// A response without a body (HEAD) has no code, only a status.
	notFound := code == "NotFound" || code == "" && status == http.StatusNotFound
	switch {
	case code == "NoSuchBucket" || notFound && key == "":
		return pinfold.Errorf(pinfold.ENOTFOUND, "bucket %s does not exist", bucket)
	case code == "NoSuchKey" || notFound:
		return pinfold.Errorf(pinfold.ENOTFOUND, "object s3://%s/%s does not exist", bucket, key)
	case isForbidden(code) || status == http.StatusForbidden:
		detail := code
		if detail == "" {
			detail = "403 Forbidden"
		}
		return pinfold.Errorf(pinfold.EFORBIDDEN, "access denied to bucket %s (%s)", bucket, detail)
	}
	return err
}

// isForbidden reports whether an error code means the credentials cannot
// do this, whatever its HTTP status.
func isForbidden(code string) bool {
	switch code {
	case "AccessDenied", "AccountProblem", "AllAccessDisabled", "ExpiredToken", "InvalidAccessKeyId",
		"InvalidToken", "SignatureDoesNotMatch",
		"XAdminUserNotFound": // versitygw's answer (404) to an unknown access key
		return true
	}
	return false
}
