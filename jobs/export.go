package jobs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/riverqueue/river"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// ObjectKey returns the key of a piece's object: keyPrefix (the key part of
// the job's S3UrlPrefix) with a trailing "/" ensured unless empty, then
// {jobID}/{index}.gz. It is deterministic, so a retried piece overwrites its
// own object.
func ObjectKey(keyPrefix, jobID string, index int) string {
	if keyPrefix != "" && !strings.HasSuffix(keyPrefix, "/") {
		keyPrefix += "/"
	}
	return keyPrefix + jobID + "/" + strconv.Itoa(index) + ".gz"
}

// planExport takes the snapshot and stores the pieces, moving the job to
// PROCESSING, or to COMPLETING when the app has no endpoints.
func (r *Runner[TTx]) planExport(ctx context.Context, j *pinfold.Job) (*pinfold.Job, error) {
	snapshot, pieces, err := r.cfg.Store.PlanPieces(ctx, j.Scope, j.AppID, r.cfg.PieceSize)
	if err != nil {
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			return nil, river.JobCancel(fmt.Errorf("plan export job %s: %w", j.ID, err))
		}
		return nil, fmt.Errorf("plan export job: %w", err)
	}
	seen := make(map[int]bool, len(pieces))
	for i := range pieces {
		if seen[pieces[i].Index] {
			return nil, fmt.Errorf("plan export job: store returned piece index %d twice", pieces[i].Index)
		}
		seen[pieces[i].Index] = true
		pieces[i].Status = pinfold.PiecePending
		pieces[i].Processed, pieces[i].Failed = 0, 0
	}
	return r.update(ctx, j.ID, -1, func(j *pinfold.Job) bool {
		if j.Status != pinfold.JobInitializing {
			return false
		}
		j.Snapshot, j.Pieces = snapshot, pieces
		if len(pieces) == 0 {
			j.Status = pinfold.JobCompleting
		} else {
			j.Status = pinfold.JobProcessing
		}
		return true
	})
}

// runExportPiece writes one PENDING piece of an export and records the
// outcome; see runPiece for what it returns.
func (r *Runner[TTx]) runExportPiece(ctx context.Context, j *pinfold.Job, p *pinfold.JobPiece, lastAttempt bool) error {
	bucket, keyPrefix, err := pinfold.ParseS3URL(j.Export.S3URLPrefix)
	if err != nil {
		return r.failPiece(ctx, j.ID, p.Index, fmt.Sprintf("%s: %s", j.Export.S3URLPrefix, reason(err, r.cfg.PieceTimeout)))
	}
	key := ObjectKey(keyPrefix, j.ID, p.Index)

	n, err := r.writePieceSafely(ctx, j, *p, bucket, key)
	if err != nil && errors.As(err, new(*segmentError)) {
		return r.failPiece(ctx, j.ID, p.Index, fmt.Sprintf("segment %s: %s", j.Export.SegmentID, reason(err, r.cfg.PieceTimeout)))
	}
	if err == nil {
		now := r.cfg.Now()
		next, err := r.update(ctx, j.ID, p.Index, func(j *pinfold.Job) bool {
			q := findPiece(j, p.Index)
			if q == nil || q.Status != pinfold.PiecePending {
				return false
			}
			q.Status, q.Processed, q.Failed, q.Node = pinfold.PieceDone, n, 0, r.cfg.NodeID
			settle(j, now)
			return true
		})
		if err != nil {
			return err
		}
		if next.Status == pinfold.JobCompleting {
			_, err = r.complete(ctx, j.ID)
		}
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// The Runner is stopping (or River cancelled the job): River
		// makes it available again; nothing was stored.
		return ctx.Err()
	}
	code := pinfold.ErrorCode(err)
	permanent := code == pinfold.ENOTFOUND || code == pinfold.EFORBIDDEN
	if !permanent && !lastAttempt {
		return err
	}
	r.cfg.Logger.WarnContext(ctx, "export piece failed", "job_id", j.ID, "piece", p.Index,
		"bucket", bucket, "key", key, "error", err)
	return r.failPiece(ctx, j.ID, p.Index, fmt.Sprintf("s3://%s/%s: %s", bucket, key, reason(err, r.cfg.PieceTimeout)))
}

// writePieceSafely is writePiece with a panic turned into an error, so that
// a panic on the last attempt still marks the piece FAILED.
func (r *Runner[TTx]) writePieceSafely(ctx context.Context, j *pinfold.Job, p pinfold.JobPiece, bucket, key string) (n int64, err error) {
	defer func() {
		if v := recover(); v != nil {
			n, err = 0, fmt.Errorf("write export piece: panic: %v", v)
		}
	}()
	return r.writePiece(ctx, j, p, bucket, key)
}

// writeError marks an error of the pipe side of writePiece, as opposed to
// one of the endpoint scan.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// errPutReturned closes the pipe's read side once PutObject has returned.
var errPutReturned = errors.New("object upload returned before reading the whole body")

// writePiece streams the piece's endpoints, one export line each, through
// gzip into bucket/key and returns the number of lines written. Nothing is
// held in memory beyond the buffers of gzip and the pipe. On error the
// object is not stored (PutObject stores whole objects or none).
func (r *Runner[TTx]) writePiece(ctx context.Context, j *pinfold.Job, p pinfold.JobPiece, bucket, key string) (int64, error) {
	keep, err := r.segmentFilter(ctx, j)
	if err != nil {
		return 0, err
	}
	if keep != nil && keep.activity != nil {
		if err := r.loadActivity(ctx, j, p, keep); err != nil {
			return 0, &stageError{"read activity", err}
		}
	}
	pr, pw := io.Pipe()
	var n int64
	scanDone := make(chan error, 1)
	var keepLine func([]byte) (bool, error)
	if keep != nil {
		keepLine = keep.keep
	}
	go func() {
		err := r.encodePiece(ctx, j.AppID, p, keepLine, pw, &n)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
		scanDone <- err
	}()
	putErr := r.cfg.Blobs.PutObject(ctx, j.Scope, bucket, key, pr)
	pr.CloseWithError(errPutReturned) // unblock the encoder if the upload stopped reading
	scanErr := <-scanDone

	var we *writeError
	switch {
	case scanErr != nil && !errors.As(scanErr, &we):
		return 0, &stageError{"read endpoints", scanErr}
	case putErr != nil:
		return 0, &stageError{"put object", putErr}
	case scanErr != nil:
		return 0, &stageError{"put object", scanErr}
	}
	return n, nil
}

// stageError is a piece failure with the stage it happened in, for the
// log; the job's Failures show the cause alone.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// segmentError is a failure to load or compile the job's segment: permanent,
// since retrying will not make the segment appear.
type segmentError struct{ err error }

func (e *segmentError) Error() string { return e.err.Error() }
func (e *segmentError) Unwrap() error { return e.err }

// lineFilter is the test each stored line of an export of a segment must
// pass: decode it and match it against the segment's definition.
type lineFilter struct {
	// required are necessary conditions checked on the stored bytes
	// first: an endpoint in an INCLUSIVE attribute dimension has one of
	// its values, so its line contains that value as the codec writes
	// strings. Lines without any are not decoded (most of the cost of a
	// segment export).
	required [][][]byte
	match    pinfold.Matcher
	codec    wire.Codec
	// activity, non-nil when the segment evaluates Recency, holds the last
	// activity of the piece's endpoints that have events, which match
	// consults; loadActivity fills it before the piece is written.
	activity map[string]time.Time
}

// activityChunk is how many endpoint IDs one EventStore.LastActivity call
// is given.
const activityChunk = 1000

// segmentFilter returns, for an export of a segment, the test each stored
// line must pass, evaluated as of the job's creation (for Recency). It
// returns nil for an export of the whole app.
func (r *Runner[TTx]) segmentFilter(ctx context.Context, j *pinfold.Job) (*lineFilter, error) {
	if j.Export.SegmentID == "" {
		return nil, nil
	}
	resolve := pinfold.StoreResolver{Store: r.cfg.Store, Scope: j.Scope, AppID: j.AppID}
	seg, err := resolve.ResolveSegment(ctx, j.Export.SegmentID, j.SegmentVersion)
	if err != nil {
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			return nil, &segmentError{pinfold.Errorf(pinfold.ENOTFOUND, "segment %s version %d no longer exists", j.Export.SegmentID, j.SegmentVersion)}
		}
		return nil, err
	}
	f := &lineFilter{}
	activity := func(id string) (time.Time, bool) {
		t, ok := f.activity[id]
		return t, ok
	}
	match, usesActivity, err := pinfold.CompileSegment(ctx, seg, resolve, pinfold.Evaluation{Now: j.CreatedAt, Activity: activity})
	if err != nil {
		if code := pinfold.ErrorCode(err); code == pinfold.ENOTFOUND || code == pinfold.EINVALID {
			return nil, &segmentError{err}
		}
		return nil, err
	}
	f.match = match
	if usesActivity {
		f.activity = map[string]time.Time{}
	}
	if seg.Type != pinfold.SegmentImport {
		for _, set := range seg.Def.RequiredValues() {
			enc := make([][]byte, len(set))
			for i, v := range set {
				enc[i] = wire.AppendJSONString(nil, v)
			}
			f.required = append(f.required, enc)
		}
	}
	return f, nil
}

// candidate reports whether doc passes the byte checks of f.required.
func (f *lineFilter) candidate(doc []byte) bool {
	for _, set := range f.required {
		if !containsAny(doc, set) {
			return false
		}
	}
	return true
}

// keep decodes doc and matches it.
func (f *lineFilter) keep(doc []byte) (bool, error) {
	if !f.candidate(doc) {
		return false, nil
	}
	var e pinfold.Endpoint
	if err := f.codec.DecodeEndpoint(doc, &e); err != nil {
		return false, err
	}
	return f.match(&e), nil
}

// loadActivity fills f.activity with the last activity of the piece's
// endpoints that can match (those passing the byte checks): one pass over
// the piece collects their IDs, then EventStore.LastActivity is called for
// activityChunk IDs at a time. The IDs are collected before any lookup
// because a lookup made while ScanEndpoints holds its read connection
// would need a second one from the same pool: with every worker doing so,
// the pool runs dry and the workers wait on each other for good. A piece
// gains no endpoints between this pass and the one that writes it (new
// endpoints take positions after the snapshot, updated ones keep theirs);
// events recorded meanwhile, or an endpoint updated meanwhile so that it
// passes the byte checks only in the second pass, are judged as of this
// pass (the latter by its EffectiveDate, fresh from that update). Memory:
// the IDs of one piece and the times of those with events, never a whole
// app's.
func (r *Runner[TTx]) loadActivity(ctx context.Context, j *pinfold.Job, p pinfold.JobPiece, f *lineFilter) error {
	var ids []string
	var e pinfold.Endpoint
	err := r.cfg.Store.ScanEndpoints(ctx, j.AppID, p.From, p.To, func(doc []byte) error {
		if !f.candidate(doc) {
			return nil
		}
		e = pinfold.Endpoint{}
		if err := f.codec.DecodeEndpoint(doc, &e); err != nil {
			return err
		}
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil {
		return err
	}
	for lo := 0; lo < len(ids); lo += activityChunk {
		last, err := r.cfg.Store.LastActivity(ctx, j.Scope, j.AppID, ids[lo:min(lo+activityChunk, len(ids))])
		if err != nil {
			return err
		}
		maps.Copy(f.activity, last)
	}
	return nil
}

func containsAny(doc []byte, values [][]byte) bool {
	for _, v := range values {
		if bytes.Contains(doc, v) {
			return true
		}
	}
	return false
}

// encodePiece writes the gzip member of the piece's lines (those keep
// accepts, all when keep is nil) to w and counts them in *n. Write errors
// come back as *writeError.
func (r *Runner[TTx]) encodePiece(ctx context.Context, appID string, p pinfold.JobPiece, keep func([]byte) (bool, error), w io.Writer, n *int64) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("encode export piece: panic: %v", v)
		}
	}()
	bw := bufio.NewWriterSize(w, 64<<10)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("new gzip writer: %w", err)
	}
	newline := []byte{'\n'}
	err = r.cfg.Store.ScanEndpoints(ctx, appID, p.From, p.To, func(doc []byte) error {
		if keep != nil {
			if ok, err := keep(doc); err != nil || !ok {
				return err
			}
		}
		if _, err := zw.Write(doc); err != nil {
			return &writeError{err}
		}
		if _, err := zw.Write(newline); err != nil {
			return &writeError{err}
		}
		*n++
		return nil
	})
	if err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return &writeError{err}
	}
	if err := bw.Flush(); err != nil {
		return &writeError{err}
	}
	return nil
}
