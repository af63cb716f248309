package messaging

import (
	"context"
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// SendMessages answers SendMessages: a message to each of req's Addresses
// (on the address's ChannelType) and Endpoints (on the endpoint's), with
// a result per address in Result and per endpoint in EndpointResult. A
// recipient that cannot be sent to (see the package's notes) fails alone;
// every message sent is stored in the app's outbox, with one event per
// email or SMS message.
//
// Errors fail the whole request: ENOTFOUND "Application not found" without
// the app, or "Template not found: ..." for a template the request names
// that does not exist; EINVALID for a request without recipients or with
// more than MaxRecipients, or a template that cannot be used.
func (s *Service) SendMessages(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.MessageRequest) (*shapes.MessageResponse, error) {
	n := len(req.Addresses) + len(req.Endpoints)
	if n == 0 {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Addresses or Endpoints are required")
	}
	if n > MaxRecipients {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Too many recipients: at most %d addresses and endpoints per request", MaxRecipients)
	}
	st, err := s.newSend(ctx, scope, appID, req.TraceId, req.Context, req.MessageConfiguration, req.TemplateConfiguration)
	if err != nil {
		return nil, err
	}
	resp := &shapes.MessageResponse{ApplicationId: appID, RequestId: &st.reqID}
	if len(req.Addresses) > 0 {
		resp.Result = make(map[string]shapes.MessageResult, len(req.Addresses))
	}
	for _, addr := range sortedKeys(req.Addresses) {
		ac := req.Addresses[addr]
		ct := pinfold.ChannelType(deref((*string)(ac.ChannelType)))
		var out outcome
		if !ct.Valid() {
			if ct == "" {
				out = failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "Missing ChannelType")
			} else {
				out = failed(shapes.DeliveryStatusPermanentFailure, http.StatusBadRequest, "Unsupported channel type %q", ct)
			}
		} else {
			r := &recipient{
				endpoint: &pinfold.Endpoint{AppID: appID, ChannelType: string(ct), Address: addr},
				channel:  ct,
				address:  addr,
				cfg: shapes.EndpointSendConfiguration{BodyOverride: ac.BodyOverride, Context: ac.Context,
					RawContent: ac.RawContent, Substitutions: ac.Substitutions, TitleOverride: ac.TitleOverride},
			}
			if out, err = st.deliver(ctx, r); err != nil {
				return nil, err
			}
			if err := st.flushIfFull(ctx); err != nil {
				return nil, err
			}
		}
		resp.Result[addr] = out.messageResult()
	}
	if len(req.Endpoints) > 0 {
		resp.EndpointResult = make(map[string]shapes.EndpointMessageResult, len(req.Endpoints))
	}
	ids := sortedKeys(req.Endpoints)
	for lo := 0; lo < len(ids); lo += EndpointChunk {
		chunk := ids[lo:min(lo+EndpointChunk, len(ids))]
		eps, err := s.Store.GetEndpoints(ctx, scope, appID, chunk)
		if err != nil {
			return nil, err
		}
		for _, id := range chunk {
			e := eps[id]
			r, out, ok := endpointRecipient(id, "", e, req.Endpoints[id])
			if ok {
				if out, err = st.deliver(ctx, r); err != nil {
					return nil, err
				}
				if err := st.flushIfFull(ctx); err != nil {
					return nil, err
				}
			}
			addr := ""
			if e != nil {
				addr = e.Address
			}
			resp.EndpointResult[id] = out.endpointResult(addr)
		}
	}
	if err := st.flush(ctx); err != nil {
		return nil, err
	}
	return resp, nil
}

// SendUsersMessages answers SendUsersMessages: a message to every endpoint
// of each of req's Users, each with the user's configuration, with a result
// per user and endpoint. A user without endpoints gets one result, under
// its own user ID: PERMANENT_FAILURE, 404 "User not found". Otherwise as
// SendMessages; MaxRecipients bounds the users.
func (s *Service) SendUsersMessages(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.SendUsersMessageRequest) (*shapes.SendUsersMessageResponse, error) {
	if len(req.Users) == 0 {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Users are required")
	}
	if len(req.Users) > MaxRecipients {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Too many recipients: at most %d users per request", MaxRecipients)
	}
	st, err := s.newSend(ctx, scope, appID, req.TraceId, req.Context, req.MessageConfiguration, req.TemplateConfiguration)
	if err != nil {
		return nil, err
	}
	resp := &shapes.SendUsersMessageResponse{ApplicationId: appID, RequestId: &st.reqID,
		Result: make(map[string]map[string]shapes.EndpointMessageResult, len(req.Users))}
	for _, user := range sortedKeys(req.Users) {
		eps, err := s.Store.GetUserEndpoints(ctx, scope, appID, user)
		if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
			eps, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		results := make(map[string]shapes.EndpointMessageResult, max(len(eps), 1))
		if len(eps) == 0 {
			results[user] = failed(shapes.DeliveryStatusPermanentFailure, http.StatusNotFound, "User not found").endpointResult("")
		}
		for _, e := range eps {
			r, out, ok := endpointRecipient(e.ID, user, e, req.Users[user])
			if ok {
				if out, err = st.deliver(ctx, r); err != nil {
					return nil, err
				}
				if err := st.flushIfFull(ctx); err != nil {
					return nil, err
				}
			}
			results[e.ID] = out.endpointResult(e.Address)
		}
		resp.Result[user] = results
	}
	if err := st.flush(ctx); err != nil {
		return nil, err
	}
	return resp, nil
}
