package api

import (
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// checkJobRequest checks what export and import requests share: the app
// exists in scope, the role is an IAM role ARN (syntax only: no role is
// assumed), and the S3 URL parses with a valid bucket name.
func (h *Handler) checkJobRequest(r *request, appID, roleARN, s3URL string) error {
	if _, err := h.Store.GetApp(r.Context(), r.scope, appID); err != nil {
		return err
	}
	if !pinfold.ValidRoleARN(roleARN) {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid RoleArn %q: must be an IAM role ARN (arn:aws:iam::123456789012:role/name)", roleARN)
	}
	_, _, err := pinfold.ParseS3URL(s3URL)
	return err
}

func (h *Handler) createExportJob(w http.ResponseWriter, r *request) error {
	def, err := decodeExportJobRequest(r.body)
	if err != nil {
		return err
	}
	ctx, appID := r.Context(), r.PathValue("appID")
	if err := h.checkJobRequest(r, appID, def.RoleARN, def.S3URLPrefix); err != nil {
		return err
	}
	if def.SegmentVersion != 0 && def.SegmentID == "" {
		return pinfold.Errorf(pinfold.EINVALID, "SegmentVersion requires SegmentId")
	}
	if def.SegmentVersion < 0 {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid SegmentVersion %d", def.SegmentVersion)
	}
	segmentVersion := 0
	if def.SegmentID != "" {
		seg, err := h.Store.GetSegment(ctx, r.scope, appID, def.SegmentID, def.SegmentVersion)
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			if def.SegmentVersion > 0 {
				return pinfold.Errorf(pinfold.ENOTFOUND, "Segment %s version %d not found", def.SegmentID, def.SegmentVersion)
			}
			return pinfold.Errorf(pinfold.ENOTFOUND, "Segment %s not found", def.SegmentID)
		} else if err != nil {
			return err
		}
		segmentVersion = seg.Version
	}
	if h.Jobs == nil {
		return pinfold.Errorf(pinfold.EINTERNAL, "export jobs are not enabled on this node")
	}
	job := &pinfold.Job{
		SegmentVersion: segmentVersion,
		ID:             pinfold.NewID(),
		AppID:          appID,
		Scope:          r.scope,
		Type:           pinfold.JobExport,
		Status:         pinfold.JobCreated,
		Export:         &def,
		CreatedAt:      h.Now().UTC(),
	}
	if err := h.Jobs.Submit(ctx, job); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusAccepted, exportJobResponse(job))
}

func (h *Handler) getExportJob(w http.ResponseWriter, r *request) error {
	job, err := h.Store.GetJob(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("jobID"))
	if err != nil {
		return err
	}
	if job.Type != pinfold.JobExport {
		return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
	}
	return writeShapeBody(w, http.StatusOK, exportJobResponse(job))
}

func (h *Handler) listExportJobs(w http.ResponseWriter, r *request, f pinfold.JobFilter) error {
	page, err := pageOf(r, "token")
	if err != nil {
		return err
	}
	f.Type = pinfold.JobExport
	jobs, next, err := h.Store.ListJobs(r.Context(), r.scope, r.PathValue("appID"), f, page)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, exportJobsResponse(jobs, next))
}

func (h *Handler) getExportJobs(w http.ResponseWriter, r *request) error {
	return h.listExportJobs(w, r, pinfold.JobFilter{})
}

func (h *Handler) getSegmentExportJobs(w http.ResponseWriter, r *request) error {
	if _, err := h.Store.GetSegment(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"), 0); err != nil {
		return err
	}
	return h.listExportJobs(w, r, pinfold.JobFilter{SegmentID: r.PathValue("segmentID")})
}

func (h *Handler) createImportJob(w http.ResponseWriter, r *request) error {
	def, err := decodeImportJobRequest(r.body)
	if err != nil {
		return err
	}
	ctx, appID := r.Context(), r.PathValue("appID")
	if def.Format != pinfold.FormatCSV && def.Format != pinfold.FormatJSON {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid Format %q: must be CSV or JSON", def.Format)
	}
	if err := h.checkJobRequest(r, appID, def.RoleARN, def.S3URL); err != nil {
		return err
	}
	defineSegment := def.DefineSegment != nil && *def.DefineSegment
	switch {
	case defineSegment && def.SegmentID != "":
		return pinfold.Errorf(pinfold.EINVALID, "DefineSegment and SegmentId cannot be used together")
	case defineSegment && def.SegmentName == "":
		return pinfold.Errorf(pinfold.EINVALID, "DefineSegment requires SegmentName")
	case def.SegmentID != "":
		seg, err := h.Store.GetSegment(ctx, r.scope, appID, def.SegmentID, 0)
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			return pinfold.Errorf(pinfold.ENOTFOUND, "Segment %s not found", def.SegmentID)
		} else if err != nil {
			return err
		}
		if seg.Type != pinfold.SegmentImport {
			return pinfold.Errorf(pinfold.EINVALID, "Segment %s is not an IMPORT segment", def.SegmentID)
		}
	}
	if h.Jobs == nil {
		return pinfold.Errorf(pinfold.EINTERNAL, "import jobs are not enabled on this node")
	}
	job := &pinfold.Job{
		ID:        pinfold.NewID(),
		AppID:     appID,
		Scope:     r.scope,
		Type:      pinfold.JobImport,
		Status:    pinfold.JobCreated,
		Import:    &def,
		SegmentID: def.SegmentID,
		CreatedAt: h.Now().UTC(),
	}
	if err := h.Jobs.Submit(ctx, job); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusCreated, importJobResponse(job))
}

func (h *Handler) getImportJob(w http.ResponseWriter, r *request) error {
	job, err := h.Store.GetJob(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("jobID"))
	if err != nil {
		return err
	}
	if job.Type != pinfold.JobImport {
		return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
	}
	return writeShapeBody(w, http.StatusOK, importJobResponse(job))
}

func (h *Handler) listImportJobs(w http.ResponseWriter, r *request, f pinfold.JobFilter) error {
	page, err := pageOf(r, "token")
	if err != nil {
		return err
	}
	f.Type = pinfold.JobImport
	jobs, next, err := h.Store.ListJobs(r.Context(), r.scope, r.PathValue("appID"), f, page)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, importJobsResponse(jobs, next))
}

func (h *Handler) getImportJobs(w http.ResponseWriter, r *request) error {
	return h.listImportJobs(w, r, pinfold.JobFilter{})
}

func (h *Handler) getSegmentImportJobs(w http.ResponseWriter, r *request) error {
	if _, err := h.Store.GetSegment(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"), 0); err != nil {
		return err
	}
	return h.listImportJobs(w, r, pinfold.JobFilter{SegmentID: r.PathValue("segmentID")})
}

// decodeExportJobRequest decodes an ExportJobRequest body (CreateExportJob).
// It checks presence and types only; the caller validates the ARN, the URL
// and the segment. Errors are EINVALID *pinfold.Error: "Missing RoleArn" or
// "Missing S3UrlPrefix" when absent or empty, a SegmentVersion that is not
// an integer of at least 1, or a malformed body. A SegmentVersion under 1
// read before another error is reported first, as the body is read in
// order.
func decodeExportJobRequest(body []byte) (pinfold.ExportDefinition, error) {
	var in shapes.ExportJobRequest
	err := shapes.Decode(body, &in)
	if in.SegmentVersion != nil && *in.SegmentVersion < 1 {
		return pinfold.ExportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Invalid value for field 'SegmentVersion': must be at least 1")
	}
	if err != nil {
		return pinfold.ExportDefinition{}, err
	}
	def := pinfold.ExportDefinition{RoleARN: in.RoleArn, S3URLPrefix: in.S3UrlPrefix}
	if in.SegmentId != nil {
		def.SegmentID = *in.SegmentId
	}
	if in.SegmentVersion != nil {
		def.SegmentVersion = int(*in.SegmentVersion)
	}
	return def, nil
}

// decodeImportJobRequest decodes an ImportJobRequest body (CreateImportJob).
// The booleans are nil when absent or null. It checks presence and types,
// and Format's enumeration (CSV or JSON, exactly); the caller validates the
// ARN, the URL and the segment. Errors are EINVALID *pinfold.Error:
// "Missing Format", "Missing RoleArn" or "Missing S3Url" when absent or
// empty, "Invalid value for field 'Format': expected CSV or JSON" (reported
// first when read before another error), a member of the wrong type, or a
// malformed body.
func decodeImportJobRequest(body []byte) (pinfold.ImportDefinition, error) {
	var in shapes.ImportJobRequest
	err := shapes.Decode(body, &in)
	if f := string(in.Format); f != "" && f != pinfold.FormatCSV && f != pinfold.FormatJSON {
		return pinfold.ImportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Invalid value for field 'Format': expected CSV or JSON")
	}
	if err != nil {
		return pinfold.ImportDefinition{}, err
	}
	return pinfold.ImportDefinition{
		Format:            string(in.Format),
		RoleARN:           in.RoleArn,
		S3URL:             in.S3Url,
		DefineSegment:     in.DefineSegment,
		RegisterEndpoints: in.RegisterEndpoints,
		SegmentID:         deref(in.SegmentId),
		SegmentName:       deref(in.SegmentName),
		ExternalID:        deref(in.ExternalId),
	}, nil
}

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jobCounters are the members ExportJobResponse and ImportJobResponse
// share, as Pinpoint answers them: the counters from job.Counters(), always
// present; CompletionDate left out until the job is finished; Failures
// left out while there are none.
type jobCounters struct {
	completed, failed, total, processed, failures *int32
	completionDate                                *string
	failureList                                   []string
}

func countersOf(job *pinfold.Job) jobCounters {
	totalPieces, completedPieces, failedPieces, totalProcessed, totalFailures := job.Counters()
	c := jobCounters{
		completed: new(int32(completedPieces)), failed: new(int32(failedPieces)), total: new(int32(totalPieces)),
		processed: new(int32(totalProcessed)), failures: new(int32(totalFailures)),
	}
	if job.Status.Finished() && !job.CompletedAt.IsZero() {
		c.completionDate = new(pinfold.FormatTime(job.CompletedAt))
	}
	if len(job.Failures) > 0 {
		c.failureList = job.Failures
	}
	return c
}

// exportJobResponse returns job, an export job, as an ExportJobResponse
// (members in the model's order; see jobCounters). Definition's SegmentId
// and SegmentVersion are left out when not given; Type is EXPORT.
func exportJobResponse(job *pinfold.Job) *shapes.ExportJobResponse {
	c := countersOf(job)
	def := &shapes.ExportJobResource{}
	if d := job.Export; d != nil {
		def.RoleArn, def.S3UrlPrefix, def.SegmentId = d.RoleARN, d.S3URLPrefix, optionalString(d.SegmentID)
		if d.SegmentVersion != 0 {
			def.SegmentVersion = new(int32(d.SegmentVersion))
		}
	}
	return &shapes.ExportJobResponse{ApplicationId: job.AppID, CompletedPieces: c.completed,
		CompletionDate: c.completionDate, CreationDate: pinfold.FormatTime(job.CreatedAt), Definition: def,
		FailedPieces: c.failed, Failures: c.failureList, Id: job.ID, JobStatus: shapes.JobStatus(job.Status),
		TotalFailures: c.failures, TotalPieces: c.total, TotalProcessed: c.processed, Type: string(pinfold.JobExport)}
}

// exportJobsResponse returns an ExportJobsResponse (GetExportJobs,
// GetSegmentExportJobs): Item, always a list, and NextToken, left out when
// next is "".
func exportJobsResponse(jobs []*pinfold.Job, next string) *shapes.ExportJobsResponse {
	out := &shapes.ExportJobsResponse{Item: make([]shapes.ExportJobResponse, len(jobs)), NextToken: optionalString(next)}
	for i, j := range jobs {
		out.Item[i] = *exportJobResponse(j)
	}
	return out
}

// importJobResponse returns job, an import job, as an ImportJobResponse
// (see jobCounters). Definition echoes the request as given: Format,
// RoleArn and S3Url always, DefineSegment and RegisterEndpoints when given,
// ExternalId, SegmentId and SegmentName when not "". When the request named
// no SegmentId but the job has one (the segment DefineSegment made it
// create), Definition's SegmentId is job.SegmentID. Type is IMPORT.
func importJobResponse(job *pinfold.Job) *shapes.ImportJobResponse {
	c := countersOf(job)
	var d pinfold.ImportDefinition
	if job.Import != nil {
		d = *job.Import
	}
	if d.SegmentID == "" {
		d.SegmentID = job.SegmentID
	}
	def := &shapes.ImportJobResource{DefineSegment: d.DefineSegment, ExternalId: optionalString(d.ExternalID),
		Format: shapes.Format(d.Format), RegisterEndpoints: d.RegisterEndpoints, RoleArn: d.RoleARN, S3Url: d.S3URL,
		SegmentId: optionalString(d.SegmentID), SegmentName: optionalString(d.SegmentName)}
	return &shapes.ImportJobResponse{ApplicationId: job.AppID, CompletedPieces: c.completed,
		CompletionDate: c.completionDate, CreationDate: pinfold.FormatTime(job.CreatedAt), Definition: def,
		FailedPieces: c.failed, Failures: c.failureList, Id: job.ID, JobStatus: shapes.JobStatus(job.Status),
		TotalFailures: c.failures, TotalPieces: c.total, TotalProcessed: c.processed, Type: string(pinfold.JobImport)}
}

// importJobsResponse returns an ImportJobsResponse (GetImportJobs,
// GetSegmentImportJobs): Item, always a list, and NextToken, left out when
// next is "".
func importJobsResponse(jobs []*pinfold.Job, next string) *shapes.ImportJobsResponse {
	out := &shapes.ImportJobsResponse{Item: make([]shapes.ImportJobResponse, len(jobs)), NextToken: optionalString(next)}
	for i, j := range jobs {
		out.Item[i] = *importJobResponse(j)
	}
	return out
}
