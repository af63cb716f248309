package api

import (
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
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
	def, err := wire.DecodeExportJobRequest(r.body)
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
	return writeJSON(w, http.StatusAccepted, wire.ExportJobResponse(job))
}

func (h *Handler) getExportJob(w http.ResponseWriter, r *request) error {
	job, err := h.Store.GetJob(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("jobID"))
	if err != nil {
		return err
	}
	if job.Type != pinfold.JobExport {
		return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
	}
	return writeJSON(w, http.StatusOK, wire.ExportJobResponse(job))
}

func (h *Handler) listExportJobs(w http.ResponseWriter, r *request, f pinfold.JobFilter) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	f.Type = pinfold.JobExport
	jobs, next, err := h.Store.ListJobs(r.Context(), r.scope, r.PathValue("appID"), f, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ExportJobsResponse(jobs, next))
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
	def, err := wire.DecodeImportJobRequest(r.body)
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
	return writeJSON(w, http.StatusCreated, wire.ImportJobResponse(job))
}

func (h *Handler) getImportJob(w http.ResponseWriter, r *request) error {
	job, err := h.Store.GetJob(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("jobID"))
	if err != nil {
		return err
	}
	if job.Type != pinfold.JobImport {
		return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
	}
	return writeJSON(w, http.StatusOK, wire.ImportJobResponse(job))
}

func (h *Handler) listImportJobs(w http.ResponseWriter, r *request, f pinfold.JobFilter) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	f.Type = pinfold.JobImport
	jobs, next, err := h.Store.ListJobs(r.Context(), r.scope, r.PathValue("appID"), f, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ImportJobsResponse(jobs, next))
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
