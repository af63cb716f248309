package api

import (
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// callerARN names who made a change, for LastUpdatedBy and LastModifiedBy:
// pinfold's access keys belong to accounts, not IAM users, so the caller is
// the account's root user, arn:aws:iam::ACCOUNT:root.
func callerARN(scope pinfold.Scope) string {
	return "arn:aws:iam::" + scope.Account + ":root"
}

// putEventStream answers PutEventStream: the body is a WriteEventStream
// (DestinationStreamArn, RoleArn, both required), checked by
// EventStream.Validate; the app's stream is created or replaced. pinfold
// keeps the stream and returns it; it sends nothing to the destination.
func (h *Handler) putEventStream(w http.ResponseWriter, r *request) error {
	var in shapes.WriteEventStream
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	es := &pinfold.EventStream{
		AppID:                r.PathValue("appID"),
		Scope:                r.scope,
		DestinationStreamARN: in.DestinationStreamArn,
		RoleARN:              in.RoleArn,
		LastModifiedDate:     h.Now().UTC(),
		LastUpdatedBy:        callerARN(r.scope),
	}
	if err := es.Validate(); err != nil {
		return err
	}
	stored, err := h.Store.PutEventStream(r.Context(), es)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, eventStreamResponse(stored))
}

func (h *Handler) getEventStream(w http.ResponseWriter, r *request) error {
	es, err := h.Store.GetEventStream(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, eventStreamResponse(es))
}

func (h *Handler) deleteEventStream(w http.ResponseWriter, r *request) error {
	es, err := h.Store.DeleteEventStream(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, eventStreamResponse(es))
}

// eventStreamResponse is the model's EventStream for es: ExternalId
// (deprecated) and LastUpdatedBy only when set.
func eventStreamResponse(es *pinfold.EventStream) *shapes.EventStream {
	out := &shapes.EventStream{
		ApplicationId:        es.AppID,
		DestinationStreamArn: es.DestinationStreamARN,
		RoleArn:              es.RoleARN,
		ExternalId:           optionalString(es.ExternalID),
		LastUpdatedBy:        optionalString(es.LastUpdatedBy),
	}
	if !es.LastModifiedDate.IsZero() {
		out.LastModifiedDate = new(pinfold.FormatTime(es.LastModifiedDate))
	}
	return out
}

// optionalString returns a pointer to s, or nil when s is empty (an optional
// member left out).
func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeShapeBody writes v, a generated response shape, as the JSON body.
func writeShapeBody(w http.ResponseWriter, status int, v any) error {
	b, err := shapes.Encode(v)
	if err != nil {
		return err
	}
	return writeJSON(w, status, b)
}
