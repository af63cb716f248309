package pinfold

import (
	"context"
	"io"
	"regexp"
	"strings"
	"time"
)

// JobType is EXPORT or IMPORT.
type JobType string

// Job types.
const (
	JobExport JobType = "EXPORT"
	JobImport JobType = "IMPORT"
)

// JobStatus is a job's place in its life, with Pinpoint's names.
type JobStatus string

// Job statuses, in the order a job moves through them (see docs/ARCHITECTURE.md).
const (
	JobCreated                    JobStatus = "CREATED"
	JobPreparingForInitialization JobStatus = "PREPARING_FOR_INITIALIZATION"
	JobPending                    JobStatus = "PENDING_JOB"
	JobInitializing               JobStatus = "INITIALIZING"
	JobProcessing                 JobStatus = "PROCESSING"
	JobCompleting                 JobStatus = "COMPLETING"
	JobCompleted                  JobStatus = "COMPLETED"
	JobFailing                    JobStatus = "FAILING"
	JobFailed                     JobStatus = "FAILED"
)

// Finished reports whether s is final (COMPLETED or FAILED).
func (s JobStatus) Finished() bool { return s == JobCompleted || s == JobFailed }

// MaxJobFailures is how many failure messages a job keeps (Pinpoint reports
// the first 100).
const MaxJobFailures = 100

// Job is an export or import job of an app.
type Job struct {
	ID          string
	AppID       string
	Scope       Scope
	Type        JobType
	Status      JobStatus
	Export      *ExportDefinition // set when Type is EXPORT
	Import      *ImportDefinition // set when Type is IMPORT
	CreatedAt   time.Time
	CompletedAt time.Time // zero until Status is final
	// Snapshot is the store position at initialization: an export includes
	// the endpoints stored at or before it.
	Snapshot int64
	// SegmentVersion is the version of Export.SegmentID the job exports:
	// the one requested, or the latest when the job was created.
	SegmentVersion int
	// SegmentID is, for an import, the IMPORT segment the job adds its
	// endpoints to (created by the job when DefineSegment is set).
	SegmentID string
	Pieces    []JobPiece // planned at initialization
	Failures  []string   // at most MaxJobFailures
}

// ExportDefinition is what an export job was asked to do.
type ExportDefinition struct {
	RoleARN        string
	S3URLPrefix    string
	SegmentID      string
	SegmentVersion int // 0 when not given
}

// ImportDefinition is what an import job was asked to do.
type ImportDefinition struct {
	Format            string // CSV or JSON
	RoleARN           string
	S3URL             string // one object, or a prefix of objects
	DefineSegment     *bool  // nil when not given
	RegisterEndpoints *bool
	SegmentID         string // add to this IMPORT segment
	SegmentName       string // the name of the segment DefineSegment creates
	ExternalID        string
}

// Import formats.
const (
	FormatCSV  = "CSV"
	FormatJSON = "JSON"
)

// DefaultMaxImportBytes is the default cap on the bytes an import job reads
// (Pinpoint's quota: 1 GB per import job).
const DefaultMaxImportBytes = 1 << 30

// PieceStatus is the state of one piece of a job.
type PieceStatus string

// Piece statuses.
const (
	PiecePending PieceStatus = "PENDING"
	PieceDone    PieceStatus = "DONE"
	PieceFailed  PieceStatus = "FAILED"
)

// JobPiece is a share of a job's work, processed on its own by a worker. For
// an export it is the endpoints with store positions in (From, To]; for an
// import, the object Key.
type JobPiece struct {
	Index     int
	From, To  int64
	Key       string
	Count     int64 // endpoints planned
	Status    PieceStatus
	Processed int64  // endpoints written: final once DONE or FAILED; an import's grows while it runs
	Failed    int64  // endpoints not written: final once DONE or FAILED; an import's grows while it runs
	Node      string // the node (jobs.Config.NodeID) that made it DONE or FAILED
	// Rows is how many rows of an import piece's object are settled
	// (stored or counted as failed) and counted in Processed and Failed:
	// a later attempt of the piece skips them and counts on from there.
	Rows int64
}

// Counters returns the job's progress as Pinpoint reports it.
func (j *Job) Counters() (totalPieces, completedPieces, failedPieces int, totalProcessed, totalFailures int64) {
	totalPieces = len(j.Pieces)
	for _, p := range j.Pieces {
		switch p.Status {
		case PieceDone:
			completedPieces++
		case PieceFailed:
			failedPieces++
		}
		totalProcessed += p.Processed
		totalFailures += p.Failed
	}
	return
}

// AddFailure records msg unless MaxJobFailures are already kept.
func (j *Job) AddFailure(msg string) {
	if len(j.Failures) < MaxJobFailures {
		j.Failures = append(j.Failures, msg)
	}
}

// JobFilter narrows ListJobs.
type JobFilter struct {
	Type      JobType
	SegmentID string // only jobs of this segment when set
}

// JobStore persists jobs.
type JobStore interface {
	// CreateJob stores a new job. ENOTFOUND when its app does not exist in
	// its scope.
	CreateJob(ctx context.Context, job *Job) error
	// GetJob returns a job of an app in scope. ENOTFOUND "Resource not
	// found" when absent (or "Application not found").
	GetJob(ctx context.Context, scope Scope, appID, jobID string) (*Job, error)
	// ListJobs returns a page of the app's jobs matching f, newest first.
	ListJobs(ctx context.Context, scope Scope, appID string, f JobFilter, page Page) ([]*Job, string, error)
	// LoadJob returns a job by ID alone, for workers. ENOTFOUND when absent
	// (its app was deleted).
	LoadJob(ctx context.Context, jobID string) (*Job, error)
	// UpdateJob reads the job, calls fn and stores what fn left, atomically
	// with respect to other UpdateJob calls. An error from fn aborts and is
	// returned.
	UpdateJob(ctx context.Context, jobID string, fn func(*Job) error) (*Job, error)
	// CountJobs returns how many jobs have one of the statuses.
	CountJobs(ctx context.Context, statuses ...JobStatus) (int, error)
	// UnfinishedJobs returns the IDs of jobs whose status is not final.
	UnfinishedJobs(ctx context.Context) ([]string, error)
}

// EndpointSource reads an app's endpoints for exports.
type EndpointSource interface {
	// PlanPieces fixes the snapshot of the app's endpoints (the current
	// store position) and splits the endpoints at or before it into pieces
	// of about pieceSize endpoints each, returned PENDING. An app without
	// endpoints gives no pieces.
	PlanPieces(ctx context.Context, scope Scope, appID string, pieceSize int) (snapshot int64, pieces []JobPiece, err error)
	// ScanEndpoints calls fn with the stored encoding of each endpoint of
	// the app whose position is in (from, to], in position order. Every
	// store keeps an endpoint as the export line of the wire package's
	// codec, in its current format (wire.EndpointFormat), which is what
	// the jobs write and filter. doc is valid only during the call.
	ScanEndpoints(ctx context.Context, appID string, from, to int64, fn func(doc []byte) error) error
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key  string
	Size int64
}

// BlobStore is S3-compatible object storage as jobs see it. Errors: ENOTFOUND
// when the bucket (or object) does not exist, EFORBIDDEN when access is
// denied; others are transient and worth retrying.
type BlobStore interface {
	// PutObject stores body, of unknown length, as bucket/key, replacing
	// any object there. The object appears whole or not at all.
	PutObject(ctx context.Context, scope Scope, bucket, key string, body io.Reader) error
	// GetObject opens an object for reading.
	GetObject(ctx context.Context, scope Scope, bucket, key string) (io.ReadCloser, error)
	// ListObjects returns the objects whose keys start with prefix, in key order.
	ListObjects(ctx context.Context, scope Scope, bucket, prefix string) ([]ObjectInfo, error)
}

var (
	roleARNRe    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	ipAddressRe  = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
)

// ValidRoleARN reports whether s is an IAM role ARN,
// arn:aws:iam::123456789012:role/name.
func ValidRoleARN(s string) bool { return roleARNRe.MatchString(s) }

// ValidBucketName reports whether s follows S3's bucket naming rules.
func ValidBucketName(s string) bool {
	return bucketNameRe.MatchString(s) && !strings.Contains(s, "..") &&
		!ipAddressRe.MatchString(s)
}

// ParseS3URL splits s3://bucket/key into bucket and key (key may be empty).
// It returns an EINVALID *Error for another scheme or a bad bucket name.
func ParseS3URL(s string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", Errorf(EINVALID, "Invalid S3 URL %q: must start with s3://", s)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if !ValidBucketName(bucket) {
		return "", "", Errorf(EINVALID, "Invalid S3 URL %q: %q is not a valid bucket name", s, bucket)
	}
	if len(key) > 1024 {
		return "", "", Errorf(EINVALID, "Invalid S3 URL %q: key longer than 1024 bytes", s)
	}
	return bucket, key, nil
}
