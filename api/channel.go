package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// Channels: GetXChannel, UpdateXChannel and DeleteXChannel for the ten
// channel types, and GetChannels.
//
// An update's body is the type's XChannelRequest shape. Its members other
// than Enabled are kept in Channel.Settings as a JSON object of strings,
// credentials included; an update merges: members given replace the stored
// ones, members left out keep them (so `update-apns-channel` with only
// Enabled keeps the certificate), as UpdateApplicationSettings patches.
// Enabled left out keeps the stored value, and is true on creation.
// Credentials are never returned: responses say what is configured
// (HasCredential, HasTokenKey, HasFcmServiceCredentials,
// DefaultAuthenticationMethod) as AWS's do.
//
// The merge reads the stored channel and then puts the merged one: two
// concurrent updates of one channel, one of them leaving out a member the
// other gives, can lose that member (each still gets its own Version).

// channelSettings are a channel's stored request members, by model name.
type channelSettings map[string]string

// has reports whether the member is stored and not empty.
func (s channelSettings) has(member string) bool { return s[member] != "" }

// channelKind is what differs between the channel types.
type channelKind struct {
	typ pinfold.ChannelType
	// request returns a new value of the type's request shape.
	request func() shapes.Shape
	// check validates the merged settings (the model's required members
	// are checked by shapes.Decode); it may normalize them.
	check func(s channelSettings) error
	// hasCredential is the response's HasCredential: nil for types
	// without credentials.
	hasCredential func(s channelSettings) *bool
	// response returns the type's response shape for the channel.
	response func(base shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any
}

// channelKinds returns the kind of each channel type.
func channelKinds() map[pinfold.ChannelType]channelKind {
	apns := func(t pinfold.ChannelType, request func() shapes.Shape, conv func(shapes.APNSChannelResponse) any) channelKind {
		return channelKind{typ: t, request: request, check: checkAPNS,
			hasCredential: func(s channelSettings) *bool { return new(s.has("Certificate") || s.has("TokenKey")) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				return conv(apnsResponse(b, c, s))
			}}
	}
	kinds := []channelKind{
		{typ: pinfold.ChannelADM, request: func() shapes.Shape { return new(shapes.ADMChannelRequest) },
			hasCredential: func(s channelSettings) *bool { return new(s.has("ClientId") || s.has("ClientSecret")) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				return &shapes.ADMChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
					Enabled: b.Enabled, HasCredential: b.HasCredential, Id: b.Id, IsArchived: b.IsArchived,
					LastModifiedBy: b.LastModifiedBy, LastModifiedDate: b.LastModifiedDate,
					Platform: string(c.Type), Version: b.Version}
			}},
		apns(pinfold.ChannelAPNS, func() shapes.Shape { return new(shapes.APNSChannelRequest) },
			func(r shapes.APNSChannelResponse) any { return &r }),
		apns(pinfold.ChannelAPNSSandbox, func() shapes.Shape { return new(shapes.APNSSandboxChannelRequest) },
			func(r shapes.APNSChannelResponse) any { return new(shapes.APNSSandboxChannelResponse(r)) }),
		apns(pinfold.ChannelAPNSVoip, func() shapes.Shape { return new(shapes.APNSVoipChannelRequest) },
			func(r shapes.APNSChannelResponse) any { return new(shapes.APNSVoipChannelResponse(r)) }),
		apns(pinfold.ChannelAPNSVoipSandbox, func() shapes.Shape { return new(shapes.APNSVoipSandboxChannelRequest) },
			func(r shapes.APNSChannelResponse) any { return new(shapes.APNSVoipSandboxChannelResponse(r)) }),
		{typ: pinfold.ChannelBaidu, request: func() shapes.Shape { return new(shapes.BaiduChannelRequest) },
			hasCredential: func(s channelSettings) *bool { return new(s.has("ApiKey") || s.has("SecretKey")) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				// Credential is required in the model but is the API key:
				// written empty, never the key.
				return &shapes.BaiduChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
					Credential: "", Enabled: b.Enabled, HasCredential: b.HasCredential, Id: b.Id,
					IsArchived: b.IsArchived, LastModifiedBy: b.LastModifiedBy, LastModifiedDate: b.LastModifiedDate,
					Platform: string(c.Type), Version: b.Version}
			}},
		{typ: pinfold.ChannelEmail, request: func() shapes.Shape { return new(shapes.EmailChannelRequest) },
			check: checkEmail,
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				return &shapes.EmailChannelResponse{ApplicationId: b.ApplicationId,
					ConfigurationSet: optionalString(s["ConfigurationSet"]), CreationDate: b.CreationDate,
					Enabled: b.Enabled, FromAddress: optionalString(s["FromAddress"]), Id: b.Id,
					Identity: optionalString(s["Identity"]), IsArchived: b.IsArchived,
					LastModifiedBy: b.LastModifiedBy, LastModifiedDate: b.LastModifiedDate,
					MessagesPerSecond:           new(int32(emailMessagesPerSecond)),
					OrchestrationSendingRoleArn: optionalString(s["OrchestrationSendingRoleArn"]),
					Platform:                    string(c.Type), RoleArn: optionalString(s["RoleArn"]), Version: b.Version}
			}},
		{typ: pinfold.ChannelGCM, request: func() shapes.Shape { return new(shapes.GCMChannelRequest) },
			check:         checkGCM,
			hasCredential: func(s channelSettings) *bool { return new(s.has("ApiKey") || s.has("ServiceJson")) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				method := s["DefaultAuthenticationMethod"]
				if method == "" {
					method = "KEY" // the model's default
				}
				return &shapes.GCMChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
					DefaultAuthenticationMethod: &method, Enabled: b.Enabled, HasCredential: b.HasCredential,
					HasFcmServiceCredentials: new(s.has("ServiceJson")), Id: b.Id, IsArchived: b.IsArchived,
					LastModifiedBy: b.LastModifiedBy, LastModifiedDate: b.LastModifiedDate,
					Platform: string(c.Type), Version: b.Version}
			}},
		{typ: pinfold.ChannelSMS, request: func() shapes.Shape { return new(shapes.SMSChannelRequest) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				return &shapes.SMSChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
					Enabled: b.Enabled, Id: b.Id, IsArchived: b.IsArchived, LastModifiedBy: b.LastModifiedBy,
					LastModifiedDate: b.LastModifiedDate, Platform: string(c.Type),
					PromotionalMessagesPerSecond: new(int32(smsMessagesPerSecond)),
					SenderId:                     optionalString(s["SenderId"]), ShortCode: optionalString(s["ShortCode"]),
					TransactionalMessagesPerSecond: new(int32(smsMessagesPerSecond)), Version: b.Version}
			}},
		{typ: pinfold.ChannelVoice, request: func() shapes.Shape { return new(shapes.VoiceChannelRequest) },
			response: func(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) any {
				return &shapes.VoiceChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
					Enabled: b.Enabled, Id: b.Id, IsArchived: b.IsArchived, LastModifiedBy: b.LastModifiedBy,
					LastModifiedDate: b.LastModifiedDate, Platform: string(c.Type), Version: b.Version}
			}},
	}
	m := make(map[pinfold.ChannelType]channelKind, len(kinds))
	for _, k := range kinds {
		m[k.typ] = k
	}
	return m
}

// The sending rates channel responses report: AWS's published examples show
// 1 email per second (an SES sandbox account) and 20 SMS per second of each
// kind. pinfold sends nothing; these only fill the members.
const (
	emailMessagesPerSecond = 1
	smsMessagesPerSecond   = 20
)

// apnsResponse is the response of the four APNs channel types, whose
// response shapes have the same members.
func apnsResponse(b shapes.ChannelResponse, c *pinfold.Channel, s channelSettings) shapes.APNSChannelResponse {
	method := s["DefaultAuthenticationMethod"]
	switch {
	case method != "":
	case s.has("Certificate"):
		method = "CERTIFICATE"
	case s.has("TokenKey"):
		method = "TOKEN"
	}
	return shapes.APNSChannelResponse{ApplicationId: b.ApplicationId, CreationDate: b.CreationDate,
		DefaultAuthenticationMethod: optionalString(method), Enabled: b.Enabled, HasCredential: b.HasCredential,
		HasTokenKey: new(s.has("TokenKey")), Id: b.Id, IsArchived: b.IsArchived, LastModifiedBy: b.LastModifiedBy,
		LastModifiedDate: b.LastModifiedDate, Platform: string(c.Type), Version: b.Version}
}

// checkAPNS accepts DefaultAuthenticationMethod "certificate" or "key"
// (the model's words) or "token", in any case, and keeps it as AWS reports
// it: CERTIFICATE or TOKEN.
func checkAPNS(s channelSettings) error {
	switch m := s["DefaultAuthenticationMethod"]; strings.ToUpper(m) {
	case "":
	case "CERTIFICATE":
		s["DefaultAuthenticationMethod"] = "CERTIFICATE"
	case "KEY", "TOKEN":
		s["DefaultAuthenticationMethod"] = "TOKEN"
	default:
		return pinfold.Errorf(pinfold.EINVALID,
			"Invalid DefaultAuthenticationMethod %q: must be CERTIFICATE or TOKEN (key)", m)
	}
	return nil
}

// checkGCM accepts DefaultAuthenticationMethod TOKEN or KEY (any case,
// kept in capitals); TOKEN needs the service JSON.
func checkGCM(s channelSettings) error {
	switch m := s["DefaultAuthenticationMethod"]; strings.ToUpper(m) {
	case "":
	case "KEY":
		s["DefaultAuthenticationMethod"] = "KEY"
	case "TOKEN":
		s["DefaultAuthenticationMethod"] = "TOKEN"
		if !s.has("ServiceJson") {
			return pinfold.Errorf(pinfold.EINVALID, "DefaultAuthenticationMethod TOKEN requires ServiceJson")
		}
	default:
		return pinfold.Errorf(pinfold.EINVALID, "Invalid DefaultAuthenticationMethod %q: must be TOKEN or KEY", m)
	}
	return nil
}

// checkEmail checks the email channel's role ARNs, when given.
func checkEmail(s channelSettings) error {
	for _, member := range []string{"RoleArn", "OrchestrationSendingRoleArn"} {
		if v := s[member]; v != "" && !pinfold.ValidRoleARN(v) {
			return pinfold.Errorf(pinfold.EINVALID,
				"Invalid %s %q: must be an IAM role ARN (arn:aws:iam::123456789012:role/name)", member, v)
		}
	}
	return nil
}

// base returns the members every channel response has.
func (k channelKind) base(c *pinfold.Channel, s channelSettings) shapes.ChannelResponse {
	b := shapes.ChannelResponse{
		ApplicationId:    new(c.AppID),
		CreationDate:     new(pinfold.FormatTime(c.CreatedAt)),
		Enabled:          new(c.Enabled),
		Id:               new(c.Type.Path()),
		IsArchived:       new(false),
		LastModifiedBy:   optionalString(c.LastModifiedBy),
		LastModifiedDate: new(pinfold.FormatTime(c.UpdatedAt)),
		Version:          new(int32(c.Version)),
	}
	if k.hasCredential != nil {
		b.HasCredential = k.hasCredential(s)
	}
	return b
}

// settingsOf reads a stored channel's settings.
func settingsOf(c *pinfold.Channel) (channelSettings, error) {
	s := channelSettings{}
	if len(c.Settings) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(c.Settings, &s); err != nil {
		return nil, fmt.Errorf("read %s channel settings: %w", c.Type, err)
	}
	return s, nil
}

// writeChannel writes the type's response for c.
func (k channelKind) writeChannel(w http.ResponseWriter, c *pinfold.Channel) error {
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, k.response(k.base(c, s), c, s))
}

// getChannel answers GetXChannel for t.
func (h *Handler) getChannel(t pinfold.ChannelType) opFunc {
	k := channelKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		c, err := h.Store.GetChannel(r.Context(), r.scope, r.PathValue("appID"), t)
		if err != nil {
			return err
		}
		return k.writeChannel(w, c)
	}
}

// deleteChannel answers DeleteXChannel for t with the deleted channel.
func (h *Handler) deleteChannel(t pinfold.ChannelType) opFunc {
	k := channelKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		c, err := h.Store.DeleteChannel(r.Context(), r.scope, r.PathValue("appID"), t)
		if err != nil {
			return err
		}
		return k.writeChannel(w, c)
	}
}

// updateChannel answers UpdateXChannel for t: it creates the channel or
// merges the request into it (see the top of this file).
func (h *Handler) updateChannel(t pinfold.ChannelType) opFunc {
	k := channelKinds()[t]
	return func(w http.ResponseWriter, r *request) error {
		in := k.request()
		if err := shapes.Decode(r.body, in); err != nil {
			return err
		}
		// The request's members as JSON: strings, and Enabled.
		b, err := shapes.Encode(in)
		if err != nil {
			return err
		}
		var given map[string]any
		if err := json.Unmarshal(b, &given); err != nil {
			return fmt.Errorf("read %s channel request: %w", t, err)
		}
		// Read, merge, and write back only if nobody else wrote meanwhile
		// (SwapChannel); a concurrent update makes this one start over.
		var stored *pinfold.Channel
		for attempt := 0; ; attempt++ {
			stored, err = h.mergeChannel(r, k, t, given)
			if pinfold.ErrorCode(err) != pinfold.ECONFLICT || attempt == maxChannelSwaps-1 {
				break
			}
		}
		if err != nil {
			return err
		}
		return k.writeChannel(w, stored)
	}
}

// maxChannelSwaps bounds the attempts of one channel update that others keep
// overtaking; the last conflict reaches the client as ConflictException.
const maxChannelSwaps = 10

// mergeChannel reads the channel, merges the request's members given into
// it and stores it with SwapChannel, which fails with ECONFLICT when the
// channel changed since it was read.
func (h *Handler) mergeChannel(r *request, k channelKind, t pinfold.ChannelType, given map[string]any) (*pinfold.Channel, error) {
	ctx, appID := r.Context(), r.PathValue("appID")
	c := &pinfold.Channel{AppID: appID, Scope: r.scope, Type: t, Enabled: true,
		UpdatedAt: h.Now().UTC(), LastModifiedBy: callerARN(r.scope)}
	s := channelSettings{}
	version := 0
	old, err := h.Store.GetChannel(ctx, r.scope, appID, t)
	switch {
	case err == nil:
		c.Enabled, version = old.Enabled, old.Version
		if s, err = settingsOf(old); err != nil {
			return nil, err
		}
	case pinfold.ErrorCode(err) == pinfold.ENOTFOUND && pinfold.ErrorMessage(err) == pinfold.MsgResourceNotFound:
	default:
		return nil, err
	}
	for member, v := range given {
		switch v := v.(type) {
		case bool:
			c.Enabled = v
		case string:
			s[member] = v
		default:
			return nil, fmt.Errorf("%s channel request member %s: unexpected %T", t, member, v)
		}
	}
	if k.check != nil {
		if err := k.check(s); err != nil {
			return nil, err
		}
	}
	if c.Settings, err = json.Marshal(s); err != nil {
		return nil, err
	}
	return h.Store.SwapChannel(ctx, c, version)
}

// getChannels answers GetChannels: each configured channel by type, with
// the members every channel response has.
func (h *Handler) getChannels(w http.ResponseWriter, r *request) error {
	list, err := h.Store.ListChannels(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	kinds := channelKinds()
	out := &shapes.ChannelsResponse{Channels: make(map[string]shapes.ChannelResponse, len(list))}
	for _, c := range list {
		s, err := settingsOf(c)
		if err != nil {
			return err
		}
		out.Channels[string(c.Type)] = kinds[c.Type].base(c, s)
	}
	return writeShapeBody(w, http.StatusOK, out)
}
