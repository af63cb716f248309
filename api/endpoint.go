package api

import (
	"net/http"
	"sync"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
	"github.com/pinfold/pinfold/wire/shapes"
)

func (h *Handler) updateEndpoint(w http.ResponseWriter, r *request) error {
	u, err := wire.DecodeEndpointRequest(r.body, r.PathValue("endpointID"))
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := h.Store.UpsertEndpoints(r.Context(), r.scope, r.PathValue("appID"), []pinfold.EndpointUpdate{u}, h.Now()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.MessageBody("Accepted", r.id))
}

func (h *Handler) updateEndpointsBatch(w http.ResponseWriter, r *request) error {
	us, err := wire.DecodeEndpointBatch(r.body)
	if err != nil {
		return err
	}
	for i := range us {
		if err := us[i].Validate(); err != nil {
			return pinfold.Errorf(pinfold.ErrorCode(err), "Item[%d]: %s", i, pinfold.ErrorMessage(err))
		}
	}
	if err := h.Store.UpsertEndpoints(r.Context(), r.scope, r.PathValue("appID"), us, h.Now()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.MessageBody("Accepted", r.id))
}

// getEndpoint answers from the stored line, which is the export line of
// wire.Codec: the response is that line with CohortId added, so it is not
// decoded and encoded again.
func (h *Handler) getEndpoint(w http.ResponseWriter, r *request) error {
	appID, endpointID := r.PathValue("appID"), r.PathValue("endpointID")
	bufs := endpointBufs.Get().(*[2][]byte)
	defer endpointBufs.Put(bufs)
	line, err := h.Store.GetEndpointLine(r.Context(), r.scope, appID, endpointID, bufs[0][:0])
	bufs[0] = line
	if err != nil {
		return err
	}
	body, err := wire.AppendEndpointResponseLine(bufs[1][:0], line, appID, endpointID)
	bufs[1] = body
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// endpointBufs holds the two buffers of a GetEndpoint, the stored line and
// the response, which are garbage once the response is written: GetEndpoint
// is the hottest read, and each of its allocations brings the next garbage
// collection nearer. Endpoints are at most pinfold.MaxEndpointBytes, so a
// pooled buffer stays small.
var endpointBufs = sync.Pool{New: func() any { return &[2][]byte{make([]byte, 0, 2048), make([]byte, 0, 2048)} }}

func (h *Handler) deleteEndpoint(w http.ResponseWriter, r *request) error {
	e, err := h.Store.DeleteEndpoint(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("endpointID"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.EndpointResponse(e))
}

func (h *Handler) getUserEndpoints(w http.ResponseWriter, r *request) error {
	es, err := h.Store.GetUserEndpoints(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("userID"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.EndpointsResponse(es))
}

func (h *Handler) deleteUserEndpoints(w http.ResponseWriter, r *request) error {
	es, err := h.Store.DeleteUserEndpoints(r.Context(), r.scope, r.PathValue("appID"), r.PathValue("userID"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.EndpointsResponse(es))
}

func (h *Handler) removeAttributes(w http.ResponseWriter, r *request) error {
	kind := pinfold.AttributeKind(r.PathValue("attributeType"))
	switch kind {
	case pinfold.EndpointCustomAttributes, pinfold.EndpointMetricAttributes, pinfold.EndpointUserAttributes:
	default:
		return pinfold.Errorf(pinfold.EINVALID, "Invalid attribute-type %q: must be endpoint-custom-attributes, endpoint-metric-attributes or endpoint-user-attributes", kind)
	}
	var in shapes.UpdateAttributesRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	appID := r.PathValue("appID")
	removed, err := h.Store.RemoveAttributes(r.Context(), r.scope, appID, kind, in.Blacklist)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, attributesResource(appID, kind, removed))
}

// attributesResource returns an AttributesResource (RemoveAttributes):
// ApplicationId, AttributeType (the request's attribute-type) and
// Attributes, the names removed, always a list.
func attributesResource(appID string, kind pinfold.AttributeKind, removed []string) *shapes.AttributesResource {
	if removed == nil {
		removed = []string{}
	}
	return &shapes.AttributesResource{ApplicationId: appID, AttributeType: string(kind), Attributes: removed}
}
