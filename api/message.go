package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
	"github.com/pinfold/pinfold/wire/shapes"
)

// isMessageSend reports whether r is a SendMessages or SendUsersMessages
// request, charged messageCharge per byte: their recipients' Substitutions
// maps decode to up to about 20 times their JSON.
func isMessageSend(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodPost && strings.HasPrefix(p, "/v1/apps/") && strings.Count(p, "/") == 4 &&
		(strings.HasSuffix(p, "/messages") || strings.HasSuffix(p, "/users-messages"))
}

// checkRecipients counts the entries of body's top-level members named
// (Addresses and Endpoints, or Users) before the body is decoded, so that
// a request with too many recipients is refused before it allocates them
// (a recipient decodes to about 40 times its JSON): EINVALID when there
// are more than pinfold.MaxMessageRecipients. A body that is not an object
// of objects is left for the decoder to report.
func checkRecipients(body []byte, what string, members ...string) error {
	r, err := jsontok.NewReader(body, true)
	if err != nil || r.OpenObject() != nil {
		return nil
	}
	n := 0
	for first := true; ; first = false {
		key, more, err := r.Member(first)
		if err != nil || !more {
			return nil
		}
		if jsontok.Field(key, members...) == "" {
			if r.Skip() != nil {
				return nil
			}
			continue
		}
		if null, err := r.Null(); err != nil {
			return nil
		} else if null {
			continue
		}
		if r.OpenObject() != nil {
			return nil
		}
		for f := true; ; f = false {
			_, more, err := r.Member(f)
			if err != nil {
				return nil
			}
			if !more {
				break
			}
			if n++; n > pinfold.MaxMessageRecipients {
				return pinfold.Errorf(pinfold.EINVALID, "Too many recipients: at most %d %s per request", pinfold.MaxMessageRecipients, what)
			}
			if r.Skip() != nil {
				return nil
			}
		}
	}
}

// Messages sends direct messages and one-time passwords
// (messaging.Service). Its methods get the request's ID in their context
// (pinfold.RequestIDFrom) and return *pinfold.Error for what fails the
// whole request.
type Messages interface {
	SendMessages(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.MessageRequest) (*shapes.MessageResponse, error)
	SendUsersMessages(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.SendUsersMessageRequest) (*shapes.SendUsersMessageResponse, error)
	SendOTP(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.SendOTPMessageRequestParameters) (*shapes.MessageResponse, error)
	VerifyOTP(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.VerifyOTPMessageRequestParameters) (*shapes.VerificationResponse, error)
}

// messagesContext is r's context with its request ID, for Messages.
func (r *request) messagesContext() context.Context {
	return pinfold.WithRequestID(r.Context(), r.id)
}

// sendMessages answers SendMessages: the body is a MessageRequest, the
// answer a MessageResponse with a result per address and endpoint.
func (h *Handler) sendMessages(w http.ResponseWriter, r *request) error {
	if err := checkRecipients(r.body, "addresses and endpoints", "Addresses", "Endpoints"); err != nil {
		return err
	}
	var in shapes.MessageRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if h.Messages == nil {
		return notImplementedError{"SendMessages"}
	}
	out, err := h.Messages.SendMessages(r.messagesContext(), r.scope, r.PathValue("appID"), &in)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, out)
}

// sendUsersMessages answers SendUsersMessages: the body is a
// SendUsersMessageRequest, the answer a result per user and endpoint.
func (h *Handler) sendUsersMessages(w http.ResponseWriter, r *request) error {
	if err := checkRecipients(r.body, "users", "Users"); err != nil {
		return err
	}
	var in shapes.SendUsersMessageRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if h.Messages == nil {
		return notImplementedError{"SendUsersMessages"}
	}
	out, err := h.Messages.SendUsersMessages(r.messagesContext(), r.scope, r.PathValue("appID"), &in)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, out)
}

// sendOTPMessage answers SendOTPMessage with a MessageResponse whose
// Result is keyed by the DestinationIdentity.
func (h *Handler) sendOTPMessage(w http.ResponseWriter, r *request) error {
	var in shapes.SendOTPMessageRequestParameters
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if h.Messages == nil {
		return notImplementedError{"SendOTPMessage"}
	}
	out, err := h.Messages.SendOTP(r.messagesContext(), r.scope, r.PathValue("appID"), &in)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, out)
}

// verifyOTPMessage answers VerifyOTPMessage with a VerificationResponse.
func (h *Handler) verifyOTPMessage(w http.ResponseWriter, r *request) error {
	var in shapes.VerifyOTPMessageRequestParameters
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if h.Messages == nil {
		return notImplementedError{"VerifyOTPMessage"}
	}
	out, err := h.Messages.VerifyOTP(r.messagesContext(), r.scope, r.PathValue("appID"), &in)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, out)
}
