package api

import (
	"net/http"
	"strconv"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// checkDefinition validates a segment definition and resolves its source
// segments. A missing source is the caller's mistake: BadRequestException.
func (h *Handler) checkDefinition(r *request, appID, segmentID string, def pinfold.SegmentDefinition) error {
	if err := def.Validate(); err != nil {
		return err
	}
	resolve := pinfold.StoreResolver{Store: h.Store, Scope: r.scope, AppID: appID}
	err := pinfold.CheckSources(r.Context(), segmentID, def, resolve)
	if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
		return pinfold.Errorf(pinfold.EINVALID, "%s", pinfold.ErrorMessage(err))
	}
	return err
}

func (h *Handler) createSegment(w http.ResponseWriter, r *request) error {
	ws, err := wire.DecodeWriteSegmentRequest(r.body)
	if err != nil {
		return err
	}
	if ws.Name == nil || *ws.Name == "" {
		return pinfold.Errorf(pinfold.EINVALID, "Missing Name")
	}
	appID := r.PathValue("appID")
	seg := &pinfold.Segment{ID: pinfold.NewID(), AppID: appID, Scope: r.scope, Name: *ws.Name,
		Type: pinfold.SegmentDimensional, Tags: ws.Tags, Def: ws.Def, CreatedAt: h.Now().UTC()}
	if _, err := h.Store.GetApp(r.Context(), r.scope, appID); err != nil {
		return err
	}
	if err := h.checkDefinition(r, appID, seg.ID, seg.Def); err != nil {
		return err
	}
	if err := h.Store.CreateSegment(r.Context(), seg); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusCreated, segmentResponse(seg))
}

func (h *Handler) getSegment(w http.ResponseWriter, r *request) error {
	seg, err := h.Store.GetSegment(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"), 0)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentResponse(seg))
}

func (h *Handler) getSegments(w http.ResponseWriter, r *request) error {
	page, err := pageOf(r, "token")
	if err != nil {
		return err
	}
	segs, next, err := h.Store.ListSegments(r.Context(), r.scope, r.PathValue("appID"), page)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentsResponse(segs, next))
}

// updateSegment makes the segment's next version: a definition given
// replaces the old one, Name and tags given replace theirs, and what the
// request leaves out is kept.
func (h *Handler) updateSegment(w http.ResponseWriter, r *request) error {
	ws, err := wire.DecodeWriteSegmentRequest(r.body)
	if err != nil {
		return err
	}
	appID, id := r.PathValue("appID"), r.PathValue("segmentID")
	seg, err := h.Store.GetSegment(r.Context(), r.scope, appID, id, 0)
	if err != nil {
		return err
	}
	if seg.Type != pinfold.SegmentDimensional {
		return pinfold.Errorf(pinfold.EINVALID, "Only dimensional segments can be updated")
	}
	if ws.Name != nil {
		if *ws.Name == "" {
			return pinfold.Errorf(pinfold.EINVALID, "Name must not be empty")
		}
		seg.Name = *ws.Name
	}
	if ws.Tags != nil {
		seg.Tags = ws.Tags
	}
	if ws.HasDefinition() {
		seg.Def = ws.Def
	}
	if err := h.checkDefinition(r, appID, id, seg.Def); err != nil {
		return err
	}
	seg.UpdatedAt = h.Now().UTC()
	seg, err = h.Store.UpdateSegment(r.Context(), seg)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentResponse(seg))
}

func (h *Handler) deleteSegment(w http.ResponseWriter, r *request) error {
	seg, err := h.Store.DeleteSegment(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentResponse(seg))
}

func (h *Handler) getSegmentVersion(w http.ResponseWriter, r *request) error {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid version %q: must be a positive integer", r.PathValue("version"))
	}
	seg, err := h.Store.GetSegment(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"), v)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentResponse(seg))
}

func (h *Handler) getSegmentVersions(w http.ResponseWriter, r *request) error {
	page, err := pageOf(r, "token")
	if err != nil {
		return err
	}
	segs, next, err := h.Store.ListSegmentVersions(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("segmentID"), page)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, segmentsResponse(segs, next))
}
