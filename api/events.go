package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// eventsPattern is the route of pinfold's events read API, outside
// Pinpoint's namespace (docs/events.md).
const eventsPattern = "/_pinfold/apps/{appID}/events"

// isPutEvents reports whether r is a PutEvents request, whose body has
// Pinpoint's events quota (pinfold.MaxEventsRequestBytes) rather than
// MaxBodyBytes.
func isPutEvents(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/apps/") &&
		strings.HasSuffix(r.URL.Path, "/events") && strings.Count(r.URL.Path, "/") == 4
}

// putEvents answers PutEvents: each batch item's endpoint is upserted as
// UpdateEndpoint would (all of the request's good endpoints in one store
// call, each alone when the store refuses them together), and each valid
// event is recorded (in one store call). Every endpoint and event gets its
// own result, 202 or 400 with the reason, so that one bad item fails alone.
// Errors for the whole request: the body (see wire.DecodeEvents) and the
// store's, such as ENOTFOUND for an app outside the caller's scope.
func (h *Handler) putEvents(w http.ResponseWriter, r *request) error {
	items, err := wire.DecodeEvents(r.body)
	if err != nil {
		return err
	}
	results := make([]wire.EventsResult, len(items))
	ups := make([]pinfold.EndpointUpdate, 0, len(items))
	upAt := make([]int, 0, len(items)) // index in results of each of ups
	var events []pinfold.Event
	for i := range items {
		it, res := &items[i], &results[i]
		res.EndpointID = it.EndpointID
		res.Endpoint = it.EndpointErr
		if res.Endpoint == nil {
			res.Endpoint = it.Endpoint.Validate()
		}
		if res.Endpoint == nil {
			ups = append(ups, it.Endpoint)
			upAt = append(upAt, i)
		}
		// An event is of its item's endpoint, whatever becomes of the
		// endpoint's update, but needs an ID an endpoint could have.
		idErr := (&pinfold.EndpointUpdate{ID: it.EndpointID}).Validate()
		res.Events = make([]wire.EventResult, len(it.Events))
		for j := range it.Events {
			e := &it.Events[j]
			err := it.EventErrs[j]
			if err == nil {
				err = idErr
			}
			if err == nil {
				err = e.Validate()
			}
			res.Events[j] = wire.EventResult{ID: e.ID, Err: err}
			if err == nil {
				if events == nil {
					events = make([]pinfold.Event, 0, pinfold.MaxEventsPerRequest)
				}
				events = append(events, *e)
			}
		}
	}
	appID := r.PathValue("appID")
	if len(ups) > 0 {
		if err := h.upsertEach(r.Context(), r.scope, appID, ups, upAt, results, h.Now()); err != nil {
			return err
		}
	}
	// Also the app check when there is nothing to record.
	if err := h.Store.RecordEvents(r.Context(), r.scope, appID, events); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.EventsResponse(results))
}

// upsertEach upserts ups in one store call or, when the store refuses them
// together (EINVALID: a quota such as endpoints per user), each half alone,
// recursively, as imports do; a single refused update is the failure of its
// item (results[at[i]]). Other store errors are returned.
func (h *Handler) upsertEach(ctx context.Context, scope pinfold.Scope, appID string, ups []pinfold.EndpointUpdate,
	at []int, results []wire.EventsResult, now time.Time) error {
	err := h.Store.UpsertEndpoints(ctx, scope, appID, ups, now)
	switch {
	case err == nil:
		return nil
	case pinfold.ErrorCode(err) != pinfold.EINVALID:
		return err
	case len(ups) == 1:
		results[at[0]].Endpoint = err
		return nil
	}
	half := len(ups) / 2
	if err := h.upsertEach(ctx, scope, appID, ups[:half], at[:half], results, now); err != nil {
		return err
	}
	return h.upsertEach(ctx, scope, appID, ups[half:], at[half:], results, now)
}

// eventFilter reads the filters of the events read API: endpoint-id and
// event-type.
func eventFilter(r *request) pinfold.EventFilter {
	q := r.URL.Query()
	return pinfold.EventFilter{EndpointID: q.Get("endpoint-id"), EventType: q.Get("event-type")}
}

// listEvents answers GET /_pinfold/apps/{id}/events: a page of the app's
// recorded events, newest first, filtered by endpoint-id and event-type,
// paged by page-size (default pinfold.DefaultPageSize, at most
// pinfold.MaxPageSize) and next-token. Errors: EINVALID for a bad
// page-size or token, ENOTFOUND for an app outside the caller's scope.
func (h *Handler) listEvents(w http.ResponseWriter, r *request) error {
	page, err := pageOf(r, "next-token")
	if err != nil {
		return err
	}
	events, next, err := h.Store.ListEvents(r.Context(), r.scope, r.PathValue("appID"), eventFilter(r), page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.EventsPage(events, next))
}

// deleteEvents answers DELETE /_pinfold/apps/{id}/events: it removes the
// app's recorded events (those matching endpoint-id and event-type when
// given) and answers {"Deleted":n}. Errors: ENOTFOUND for an app outside
// the caller's scope.
func (h *Handler) deleteEvents(w http.ResponseWriter, r *request) error {
	n, err := h.Store.DeleteEvents(r.Context(), r.scope, r.PathValue("appID"), eventFilter(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.EventsDeleted(n))
}
