package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// An import job reads endpoint definitions from objects into the app. Its
// pieces are the objects it reads, one each, listed at INITIALIZING. A piece
// reads its object as a stream (gunzipping it when it starts with gzip's
// magic bytes), parses CSV or JSON lines (wire.ImportReader), and upserts the
// rows in batches of Config.ImportBatch, each batch one store transaction.
// A batch the store refuses is split in halves, recursively, so one bad row
// fails alone and every row is imported whole or not at all. After each
// batch the piece records in the job how many rows of the object it has
// settled, with their counts and failures (recordProgress); a later attempt
// (a retry, or a resume after a crash) skips those rows and counts on from
// there, so the job's counters match what was stored however far each
// attempt got. Rows stored after the last record are upserted again by the
// next attempt, which neither loses nor doubles any: endpoints are keyed by
// ID, and rows without one get Pinpoint's ID derived from their Address.

// importExtensions are the object names read for each format; a bare ".gz"
// is read as JSON because that is what Pinpoint's (and pinfold's) export
// writes. An S3Url naming one object exactly reads it whatever its name.
var importExtensions = map[string][]string{
	pinfold.FormatCSV:  {".csv", ".csv.gz"},
	pinfold.FormatJSON: {".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz"},
}

func importable(format, key string) bool {
	k := strings.ToLower(key)
	if format == pinfold.FormatJSON && strings.HasSuffix(k, ".csv.gz") {
		return false
	}
	for _, ext := range importExtensions[format] {
		if strings.HasSuffix(k, ext) {
			return true
		}
	}
	return false
}

// planImport lists the job's objects, checks the byte cap, creates the
// segment a DefineSegment job asks for, and stores one piece per object.
// Problems found here (missing bucket, no files, over the cap) fail the job
// with a Failure saying so.
func (r *Runner[TTx]) planImport(ctx context.Context, j *pinfold.Job) (*pinfold.Job, error) {
	def := j.Import
	bucket, key, err := pinfold.ParseS3URL(def.S3URL)
	if err != nil {
		return r.failJob(ctx, j.ID, fmt.Sprintf("%s: %s", def.S3URL, pinfold.ErrorMessage(err)))
	}
	objs, err := r.cfg.Blobs.ListObjects(ctx, j.Scope, bucket, key)
	if err != nil {
		if code := pinfold.ErrorCode(err); code == pinfold.ENOTFOUND || code == pinfold.EFORBIDDEN {
			return r.failJob(ctx, j.ID, fmt.Sprintf("%s: %s", def.S3URL, pinfold.ErrorMessage(err)))
		}
		return nil, fmt.Errorf("list import objects: %w", err)
	}
	var pieces []pinfold.JobPiece
	var total int64
	for _, o := range objs {
		if o.Key != key && !importable(def.Format, o.Key) {
			continue
		}
		if o.Key != key && key != "" && !strings.HasSuffix(key, "/") && !strings.HasPrefix(o.Key[len(key):], "/") {
			// s3://b/data names data and data/..., not data2.csv.
			continue
		}
		total += o.Size
		pieces = append(pieces, pinfold.JobPiece{Index: len(pieces), Key: o.Key, Status: pinfold.PiecePending})
	}
	switch {
	case len(pieces) == 0:
		return r.failJob(ctx, j.ID, fmt.Sprintf("%s: no %s files found", def.S3URL, def.Format))
	case total > r.cfg.MaxImportBytes:
		return r.failJob(ctx, j.ID, fmt.Sprintf("%s: %d bytes to import exceed the limit of %d bytes per import job", def.S3URL, total, r.cfg.MaxImportBytes))
	}
	segmentID := j.SegmentID
	if def.DefineSegment != nil && *def.DefineSegment && segmentID == "" {
		// The segment takes the job's ID, so a retried plan finds the one
		// it created instead of making another.
		seg := &pinfold.Segment{ID: j.ID, AppID: j.AppID, Scope: j.Scope, Name: def.SegmentName, Type: pinfold.SegmentImport,
			CreatedAt: r.cfg.Now().UTC(), Import: &pinfold.SegmentImportDefinition{ExternalID: def.ExternalID, Format: def.Format,
				RoleARN: def.RoleARN, S3URL: def.S3URL}}
		if err := r.cfg.Store.CreateSegment(ctx, seg); err != nil && pinfold.ErrorCode(err) != pinfold.ECONFLICT {
			return nil, fmt.Errorf("create import segment: %w", err)
		}
		segmentID = seg.ID
	}
	return r.update(ctx, j.ID, -1, func(j *pinfold.Job) bool {
		if j.Status != pinfold.JobInitializing {
			return false
		}
		j.Pieces, j.SegmentID, j.Status = pieces, segmentID, pinfold.JobProcessing
		return true
	})
}

// importResult is what a piece of an import did, counting the rows that
// earlier attempts settled.
type importResult struct {
	rows             int64    // rows of the object read, good or bad, from its start
	imported, failed int64    // of those rows
	failures         []string // not yet recorded in the job; at most pinfold.MaxJobFailures
}

func (res *importResult) fail(object string, line int, reason string) {
	res.failed++
	if len(res.failures) < pinfold.MaxJobFailures {
		if line > 0 {
			res.failures = append(res.failures, fmt.Sprintf("%s line %d: %s", object, line, reason))
		} else {
			res.failures = append(res.failures, fmt.Sprintf("%s: %s", object, reason))
		}
	}
}

// runImportPiece imports one object and records the outcome: DONE with the
// rows imported and failed, or FAILED when no row could be imported, or
// when the object could not be read to its end. A FAILED piece still counts
// the rows it stored as processed, so the job's counters match the store.
func (r *Runner[TTx]) runImportPiece(ctx context.Context, j *pinfold.Job, p *pinfold.JobPiece, lastAttempt bool) error {
	bucket, _, _ := pinfold.ParseS3URL(j.Import.S3URL)
	object := "s3://" + bucket + "/" + p.Key
	res, err := r.importObject(ctx, j, p, bucket, object)
	fatal := ""
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		code := pinfold.ErrorCode(err)
		permanent := code == pinfold.ENOTFOUND || code == pinfold.EFORBIDDEN || errors.As(err, new(*objectError))
		if !permanent && !lastAttempt {
			return err // River tries again; the rows stored are upserted again
		}
		r.cfg.Logger.WarnContext(ctx, "import piece failed", "job_id", j.ID, "piece", p.Index, "object", object,
			"imported", res.imported, "error", err)
		fatal = fmt.Sprintf("%s: %s", object, reason(err, r.cfg.PieceTimeout))
		res.failed++ // the part of the object that could not be read
	}
	// The attempt's context may have timed out; recording must not.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := r.cfg.Now()
	next, err := r.update(ctx, j.ID, p.Index, func(j *pinfold.Job) bool {
		q := findPiece(j, p.Index)
		if q == nil || q.Status != pinfold.PiecePending {
			return false
		}
		q.Processed, q.Failed, q.Count = res.imported, res.failed, res.imported+res.failed
		q.Rows = max(q.Rows, res.rows)
		q.Status, q.Node = pinfold.PieceDone, r.cfg.NodeID
		if fatal != "" || res.imported == 0 && res.failed > 0 {
			q.Status = pinfold.PieceFailed
		}
		if fatal != "" {
			j.AddFailure(fatal)
		}
		for _, f := range res.failures {
			j.AddFailure(f)
		}
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

// objectError is a fault of the object itself, found by reading it whole
// without a read error: a gzip stream cut short or corrupt. Retrying reads
// the same bytes, so it is permanent.
type objectError struct{ err error }

func (e *objectError) Error() string { return e.err.Error() }
func (e *objectError) Unwrap() error { return e.err }

// bodyReader records the error of an object's body other than io.EOF, to
// tell a failed download (transient) from a bad object (objectError).
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// importObject streams piece p's object into the store, skipping the rows
// that earlier attempts settled (p.Rows) and counting on from their counts.
// It always returns the result so far: with an error, the rows read before
// it are stored and counted (a read error flushes the batch first), so that
// the piece can record what it stored.
func (r *Runner[TTx]) importObject(ctx context.Context, j *pinfold.Job, p *pinfold.JobPiece, bucket, object string) (*importResult, error) {
	res := &importResult{imported: p.Processed, failed: p.Failed}
	obj, err := r.cfg.Blobs.GetObject(ctx, j.Scope, bucket, p.Key)
	if err != nil {
		return res, err
	}
	defer obj.Close()
	body := &bodyReader{r: obj}
	br := bufio.NewReaderSize(body, 256<<10)
	var in io.Reader = br
	compressed := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return res, fmt.Errorf("read gzip: %w", err)
		}
		defer zr.Close()
		in, compressed = zr, true
	}
	imp := importer{store: r.cfg.Store, size: r.cfg.ImportBatch, now: r.cfg.Now, j: j, object: object, res: res}
	rd := wire.NewImportReader(j.Import.Format, in)
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var rowErr *wire.RowError
		if (err == nil || errors.As(err, &rowErr)) && res.rows < p.Rows {
			res.rows++ // settled and counted by an earlier attempt
			continue
		}
		if rowErr != nil {
			res.rows++
			res.fail(object, rowErr.Line, rowErr.Reason)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			// Store the rows read before the error: they are whole.
			if ferr := imp.flush(ctx); ferr != nil {
				return res, ferr
			}
			if ferr := r.recordProgress(ctx, j.ID, p.Index, res); ferr != nil {
				return res, ferr
			}
			var ae *pinfold.Error
			switch {
			case errors.As(err, &ae):
				// A problem of the file as a whole (its header): every row
				// of it fails, counted as one.
				res.fail(object, 0, ae.Message)
				return res, nil
			case body.err == nil && compressed && errors.Is(err, io.ErrUnexpectedEOF):
				return res, &objectError{fmt.Errorf("the object is truncated: its gzip stream ends after %d rows", res.rows)}
			case body.err == nil && compressed:
				return res, &objectError{fmt.Errorf("corrupt gzip stream after %d rows: %w", res.rows, err)}
			}
			return res, fmt.Errorf("read %s: %w", object, err)
		}
		res.rows++
		flushed, err := imp.add(ctx, rec)
		if err != nil {
			return res, err
		}
		if flushed {
			if err := r.recordProgress(ctx, j.ID, p.Index, res); err != nil {
				return res, err
			}
		}
	}
	if err := imp.flush(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// recordProgress records in the job that piece index has settled the
// first res.rows rows of its object (every row read is stored or counted
// as failed once the batch is written), with res's counts and the
// failures not yet recorded, unless another attempt has recorded as many.
// A row read after the last record is read again by the next attempt, and
// counted then.
func (r *Runner[TTx]) recordProgress(ctx context.Context, jobID string, index int, res *importResult) error {
	_, err := r.update(ctx, jobID, index, func(j *pinfold.Job) bool {
		q := findPiece(j, index)
		if q == nil || q.Status != pinfold.PiecePending || q.Rows >= res.rows {
			return false
		}
		q.Rows, q.Processed, q.Failed = res.rows, res.imported, res.failed
		for _, f := range res.failures {
			j.AddFailure(f)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("record import progress: %w", err)
	}
	res.failures = res.failures[:0]
	return nil
}

// importer batches rows into store transactions.
type importer struct {
	store  Store
	size   int
	now    func() time.Time
	j      *pinfold.Job
	object string
	res    *importResult
	batch  []pinfold.EndpointUpdate
	lines  []int    // of the rows in batch
	users  []string // user-only rows: their endpoints join the segment
	ulines []int    // of the rows in users
}

// add takes one parsed row, and reports whether it wrote the rows taken
// so far (a full batch).
func (im *importer) add(ctx context.Context, rec wire.ImportRecord) (flushed bool, err error) {
	if rec.UserOnly {
		uid := ""
		if rec.Update.User != nil && rec.Update.User.UserID != nil {
			uid = *rec.Update.User.UserID
		}
		if im.j.SegmentID == "" {
			im.res.fail(im.object, rec.Line, "a row with only a UserId needs a segment to add the user's endpoints to")
			return false, nil
		}
		im.users = append(im.users, uid)
		im.ulines = append(im.ulines, rec.Line)
		if len(im.users) >= im.size {
			return true, im.flush(ctx)
		}
		return false, nil
	}
	if err := rec.Update.Validate(); err != nil {
		im.res.fail(im.object, rec.Line, pinfold.ErrorMessage(err))
		return false, nil
	}
	im.batch = append(im.batch, rec.Update)
	im.lines = append(im.lines, rec.Line)
	if len(im.batch) >= im.size {
		return true, im.flush(ctx)
	}
	return false, nil
}

// flush writes the batch in one transaction, then adds the endpoints of
// the user-only rows to the segment (after the batch, which may hold a
// user's endpoints). When the store refuses the batch (a row breaks a
// quota, a new endpoint lacks Address), it is halved and each half written
// alone, down to single rows, so that only the bad rows fail and a few bad
// rows cost a few transactions each, not one transaction per row of the
// batch.
func (im *importer) flush(ctx context.Context) error {
	if err := im.flushBatch(ctx); err != nil {
		return err
	}
	if len(im.users) > 0 {
		return im.flushUsers(ctx)
	}
	return nil
}

func (im *importer) flushBatch(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	defer func() {
		// Clear before reuse: the old rows' maps and strings would stay
		// reachable from the backing array until overwritten, so a piece
		// would hold two batches of rows near each flush, not one.
		clear(im.batch)
		im.batch, im.lines = im.batch[:0], im.lines[:0]
	}()
	ok, err := im.write(ctx, im.batch, im.lines, im.now())
	im.res.imported += int64(len(ok)) // stored, even when a later half failed
	if err != nil {
		return err
	}
	if im.j.SegmentID != "" && len(ok) > 0 {
		if err := im.store.AddSegmentMembers(ctx, im.j.Scope, im.j.AppID, im.j.SegmentID, ok); err != nil {
			return fmt.Errorf("add segment members: %w", err)
		}
	}
	return nil
}

// write upserts rows (read at lines) in one transaction, or, if the store
// refuses them, each half alone, recursively; a single refused row is a
// failed row. It returns the IDs of the rows written, with the store's
// error when one stopped it.
func (im *importer) write(ctx context.Context, rows []pinfold.EndpointUpdate, lines []int, now time.Time) ([]string, error) {
	j := im.j
	err := im.store.UpsertEndpoints(ctx, j.Scope, j.AppID, rows, now)
	switch {
	case err == nil:
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		return ids, nil
	case pinfold.ErrorCode(err) != pinfold.EINVALID:
		return nil, fmt.Errorf("import rows: %w", err)
	case len(rows) == 1:
		im.res.fail(im.object, lines[0], pinfold.ErrorMessage(err))
		return nil, nil
	}
	half := len(rows) / 2
	first, err := im.write(ctx, rows[:half], lines[:half], now)
	if err != nil {
		return first, err
	}
	second, err := im.write(ctx, rows[half:], lines[half:], now)
	return append(first, second...), err
}

// flushUsers adds the endpoints of the user-only rows to the segment. A
// user without endpoints is a failed row.
func (im *importer) flushUsers(ctx context.Context) error {
	j := im.j
	var ids []string
	for i, uid := range im.users {
		es, err := im.store.GetUserEndpoints(ctx, j.Scope, j.AppID, uid)
		switch pinfold.ErrorCode(err) {
		case "":
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			im.res.imported++
		case pinfold.ENOTFOUND:
			im.res.fail(im.object, im.ulines[i], fmt.Sprintf("user %q has no endpoints", uid))
		default:
			return fmt.Errorf("find user endpoints: %w", err)
		}
	}
	clear(im.users)
	im.users, im.ulines = im.users[:0], im.ulines[:0]
	if len(ids) == 0 {
		return nil
	}
	if err := im.store.AddSegmentMembers(ctx, j.Scope, j.AppID, j.SegmentID, ids); err != nil {
		return fmt.Errorf("add segment members: %w", err)
	}
	return nil
}

// finishImportSegment records the size and channel counts of the segment an
// import added to, as a new version of it. It reads the app's endpoints
// once, keeping the members'.
func (r *Runner[TTx]) finishImportSegment(ctx context.Context, j *pinfold.Job) error {
	if j.SegmentID == "" {
		return nil
	}
	resolve := pinfold.StoreResolver{Store: r.cfg.Store, Scope: j.Scope, AppID: j.AppID}
	seg, err := resolve.ResolveSegment(ctx, j.SegmentID, 0)
	if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
		return nil // deleted meanwhile
	} else if err != nil {
		return fmt.Errorf("load import segment: %w", err)
	}
	members, err := resolve.ImportMembers(ctx, j.SegmentID)
	if err != nil {
		return fmt.Errorf("load import segment members: %w", err)
	}
	counts := map[string]int{}
	size := 0
	var codec wire.Codec
	err = r.cfg.Store.ScanEndpoints(ctx, j.AppID, 0, math.MaxInt64, func(doc []byte) error {
		var e pinfold.Endpoint
		if err := codec.DecodeEndpoint(doc, &e); err != nil {
			return err
		}
		if _, ok := members[e.ID]; ok {
			size++
			counts[e.ChannelType]++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count import segment: %w", err)
	}
	imp := pinfold.SegmentImportDefinition{ExternalID: j.Import.ExternalID, Format: j.Import.Format,
		RoleARN: j.Import.RoleARN, S3URL: j.Import.S3URL}
	if seg.Import != nil {
		imp.ExternalID, imp.Format, imp.RoleARN, imp.S3URL = seg.Import.ExternalID, seg.Import.Format, seg.Import.RoleARN, seg.Import.S3URL
	}
	imp.Size, imp.ChannelCounts = size, counts
	seg.Import, seg.UpdatedAt = &imp, r.cfg.Now().UTC()
	if _, err := r.cfg.Store.UpdateSegment(ctx, seg); err != nil {
		return fmt.Errorf("update import segment: %w", err)
	}
	return nil
}
