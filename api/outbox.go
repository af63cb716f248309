package api

import (
	"net/http"
	"strings"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// messagesPattern is the route of pinfold's outbox API, outside Pinpoint's
// namespace, signed as Pinpoint's requests are (docs/messaging.md).
const messagesPattern = "/_pinfold/apps/{appID}/messages"

// messageFilter reads the filters of the outbox API: address, channel
// (a channel type, in any case), message-id, endpoint-id and user-id.
// EINVALID for a channel that is not one of pinfold.ChannelType's.
func messageFilter(r *request) (pinfold.MessageFilter, error) {
	q := r.URL.Query()
	f := pinfold.MessageFilter{Address: q.Get("address"), MessageID: q.Get("message-id"),
		EndpointID: q.Get("endpoint-id"), UserID: q.Get("user-id")}
	if s := q.Get("channel"); s != "" {
		f.Channel = pinfold.ChannelType(strings.ToUpper(s))
		if !f.Channel.Valid() {
			return f, pinfold.Errorf(pinfold.EINVALID, "Invalid channel %q: must be one of ADM, APNS, APNS_SANDBOX, "+
				"APNS_VOIP, APNS_VOIP_SANDBOX, BAIDU, EMAIL, GCM, SMS, VOICE", s)
		}
	}
	return f, nil
}

// listMessages answers GET /_pinfold/apps/{id}/messages: a page of the
// app's outbox, newest first, filtered by messageFilter's parameters,
// paged by page-size (default pinfold.DefaultPageSize, at most
// pinfold.MaxPageSize: larger values are lowered) and next-token. Errors:
// EINVALID for a bad channel, page-size or token, ENOTFOUND for an app
// outside the caller's scope.
func (h *Handler) listMessages(w http.ResponseWriter, r *request) error {
	f, err := messageFilter(r)
	if err != nil {
		return err
	}
	page, err := pageOf(r, "next-token")
	if err != nil {
		return err
	}
	msgs, next, err := h.Store.ListMessages(r.Context(), r.scope, r.PathValue("appID"), f, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.MessagesPage(msgs, next))
}

// deleteMessages answers DELETE /_pinfold/apps/{id}/messages: it removes
// the app's messages (those matching messageFilter's parameters when
// given) and answers {"Deleted":n}. Errors: EINVALID for a bad channel,
// ENOTFOUND for an app outside the caller's scope.
func (h *Handler) deleteMessages(w http.ResponseWriter, r *request) error {
	f, err := messageFilter(r)
	if err != nil {
		return err
	}
	n, err := h.Store.DeleteMessages(r.Context(), r.scope, r.PathValue("appID"), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.MessagesDeleted(n))
}
