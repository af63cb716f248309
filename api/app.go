package api

import (
	"net/http"
	"strings"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

func (h *Handler) createApp(w http.ResponseWriter, r *request) error {
	var in shapes.CreateApplicationRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	app := &pinfold.App{ID: pinfold.NewID(), Scope: r.scope, Name: in.Name, Tags: in.Tags, CreatedAt: h.Now().UTC()}
	if err := h.Store.CreateApp(r.Context(), app); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusCreated, applicationResponse(app))
}

func (h *Handler) getApp(w http.ResponseWriter, r *request) error {
	app, err := h.Store.GetApp(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, applicationResponse(app))
}

func (h *Handler) getApps(w http.ResponseWriter, r *request) error {
	page, err := pageOf(r, "token")
	if err != nil {
		return err
	}
	apps, next, err := h.Store.ListApps(r.Context(), r.scope, page)
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, applicationsResponse(apps, next))
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *request) error {
	app, err := h.Store.DeleteApp(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, applicationResponse(app))
}

func (h *Handler) getAppSettings(w http.ResponseWriter, r *request) error {
	s, err := h.Store.GetAppSettings(r.Context(), r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, applicationSettingsResource(s))
}

func (h *Handler) updateAppSettings(w http.ResponseWriter, r *request) error {
	var in shapes.WriteApplicationSettingsRequest
	if err := decodeSettings(r.body, &in); err != nil {
		return err
	}
	ctx := r.Context()
	s, err := h.Store.GetAppSettings(ctx, r.scope, r.PathValue("appID"))
	if err != nil {
		return err
	}
	applySettings(&in, s)
	s.UpdatedAt = h.Now().UTC()
	if err := h.Store.PutAppSettings(ctx, r.scope, s); err != nil {
		return err
	}
	return writeShapeBody(w, http.StatusOK, applicationSettingsResource(s))
}

// taggable is the resource a taggable resource ARN names: an app (appID)
// or a message template (name and typ).
type taggable struct {
	appID string
	name  string
	typ   pinfold.TemplateType
}

// resourceOf returns the resource the request's resource ARN names:
// arn:aws:mobiletargeting:REGION:ACCOUNT:apps/ID or
// ...:templates/NAME/TYPE. An ARN of another account or region, or of a
// resource kind pinfold does not tag, is NotFoundException, as AWS answers
// for resources the caller cannot see; a string that is no ARN is
// BadRequestException.
func (h *Handler) resourceOf(r *request) (taggable, error) {
	arn := r.PathValue("resourceARN")
	prefix := "arn:aws:mobiletargeting:" + r.scope.Region + ":" + r.scope.Account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		if !strings.HasPrefix(arn, "arn:") {
			return taggable{}, pinfold.Errorf(pinfold.EINVALID, "Invalid resource ARN %q", arn)
		}
		return taggable{}, pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
	}
	if id, ok := strings.CutPrefix(rest, "apps/"); ok && pinfold.IsID(id) {
		return taggable{appID: id}, nil
	}
	if nt, ok := strings.CutPrefix(rest, "templates/"); ok {
		name, typ, ok := strings.Cut(nt, "/")
		if t := pinfold.TemplateType(typ); ok && pinfold.ValidTemplateName(name) && t.Valid() {
			return taggable{name: name, typ: t}, nil
		}
	}
	return taggable{}, pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
}

// updateTags sets and removes tags of the resource res.
func (h *Handler) updateTags(r *request, res taggable, set map[string]string, remove []string) error {
	if res.appID != "" {
		return h.Store.UpdateAppTags(r.Context(), r.scope, res.appID, set, remove)
	}
	return h.Store.UpdateTemplateTags(r.Context(), r.scope, res.name, res.typ, set, remove)
}

func (h *Handler) listTags(w http.ResponseWriter, r *request) error {
	res, err := h.resourceOf(r)
	if err != nil {
		return err
	}
	var tags map[string]string
	if res.appID != "" {
		app, err := h.Store.GetApp(r.Context(), r.scope, res.appID)
		if err != nil {
			return err
		}
		tags = app.Tags
	} else {
		t, err := h.Store.GetTemplate(r.Context(), r.scope, res.name, res.typ, 0)
		if err != nil {
			return err
		}
		tags = t.Tags
	}
	return writeShapeBody(w, http.StatusOK, tagsModel(tags))
}

func (h *Handler) tagResource(w http.ResponseWriter, r *request) error {
	res, err := h.resourceOf(r)
	if err != nil {
		return err
	}
	var in shapes.TagsModel
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if err := h.updateTags(r, res, in.Tags, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) untagResource(w http.ResponseWriter, r *request) error {
	res, err := h.resourceOf(r)
	if err != nil {
		return err
	}
	keys := r.URL.Query()["tagKeys"]
	if len(keys) == 0 {
		return pinfold.Errorf(pinfold.EINVALID, "Missing tagKeys")
	}
	if err := h.updateTags(r, res, nil, keys); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// applicationResponse returns app as an ApplicationResponse (CreateApp,
// GetApp, DeleteApp): tags {} when it has none, CreationDate left out when
// zero.
func applicationResponse(app *pinfold.App) *shapes.ApplicationResponse {
	out := &shapes.ApplicationResponse{Arn: app.ARN(), Id: app.ID, Name: app.Name, Tags: app.Tags}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if !app.CreatedAt.IsZero() {
		out.CreationDate = new(pinfold.FormatTime(app.CreatedAt))
	}
	return out
}

// applicationsResponse returns an ApplicationsResponse (GetApps): Item,
// always a list, and NextToken, left out when next is "".
func applicationsResponse(apps []*pinfold.App, next string) *shapes.ApplicationsResponse {
	out := &shapes.ApplicationsResponse{Item: make([]shapes.ApplicationResponse, len(apps))}
	for i, app := range apps {
		out.Item[i] = *applicationResponse(app)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out
}

// applicationSettingsResource returns s as an ApplicationSettingsResource
// (GetApplicationSettings, UpdateApplicationSettings). CampaignHook, Limits
// and QuietTime are {} when never set, as Pinpoint answers for a new app;
// JourneyLimits is left out then; LastModifiedDate is left out until the
// first update. CloudWatchMetricsEnabled and EventTaggingEnabled are not
// members of the resource shape, so they are stored but never returned.
func applicationSettingsResource(s *pinfold.AppSettings) *shapes.ApplicationSettingsResource {
	out := &shapes.ApplicationSettingsResource{ApplicationId: s.AppID, CampaignHook: &shapes.CampaignHook{},
		Limits: &shapes.CampaignLimits{}, QuietTime: &shapes.QuietTime{}}
	if h := s.CampaignHook; h != nil {
		out.CampaignHook = &shapes.CampaignHook{LambdaFunctionName: nonEmpty(h.LambdaFunctionName),
			Mode: (*shapes.Mode)(nonEmpty(h.Mode)), WebUrl: nonEmpty(h.WebURL)}
	}
	if !s.UpdatedAt.IsZero() {
		out.LastModifiedDate = new(pinfold.FormatTime(s.UpdatedAt))
	}
	if l := s.Limits; l != nil {
		out.Limits = &shapes.CampaignLimits{Daily: int32Ptr(l.Daily), MaximumDuration: int32Ptr(l.MaximumDuration),
			MessagesPerSecond: int32Ptr(l.MessagesPerSecond), Session: int32Ptr(l.Session), Total: int32Ptr(l.Total)}
	}
	if q := s.QuietTime; q != nil {
		out.QuietTime = &shapes.QuietTime{End: nonEmpty(q.End), Start: nonEmpty(q.Start)}
	}
	if jl := s.JourneyLimits; jl != nil {
		out.JourneyLimits = &shapes.ApplicationSettingsJourneyLimits{DailyCap: int32Ptr(jl.DailyCap), TotalCap: int32Ptr(jl.TotalCap)}
		if c := jl.TimeframeCap; c != nil {
			out.JourneyLimits.TimeframeCap = &shapes.JourneyTimeframeCap{Cap: int32Ptr(c.Cap), Days: int32Ptr(c.Days)}
		}
	}
	return out
}

// tagsModel returns tags as a TagsModel: {"tags":{...}}, the keys sorted,
// {} when there are none.
func tagsModel(tags map[string]string) *shapes.TagsModel {
	if tags == nil {
		tags = map[string]string{}
	}
	return &shapes.TagsModel{Tags: tags}
}

// decodeSettings decodes a WriteApplicationSettingsRequest body
// (UpdateApplicationSettings). Errors are EINVALID *pinfold.Error for a
// malformed body, a member of the wrong type, or a CampaignHook.Mode other
// than DELIVERY or FILTER (reported first when read before another error).
func decodeSettings(body []byte, in *shapes.WriteApplicationSettingsRequest) error {
	err := shapes.Decode(body, in)
	if h := in.CampaignHook; h != nil && h.Mode != nil {
		if m := *h.Mode; m != "" && m != shapes.ModeDelivery && m != shapes.ModeFilter {
			return pinfold.Errorf(pinfold.EINVALID, "Invalid value for field 'CampaignHook.Mode': expected DELIVERY or FILTER")
		}
	}
	return err
}

// applySettings replaces each member of s that in gives, as a whole (a
// CampaignHook given without WebUrl clears the web hook), and leaves the
// others. It does not touch s.UpdatedAt or s.AppID.
func applySettings(in *shapes.WriteApplicationSettingsRequest, s *pinfold.AppSettings) {
	if h := in.CampaignHook; h != nil {
		s.CampaignHook = &pinfold.CampaignHook{LambdaFunctionName: deref(h.LambdaFunctionName),
			Mode: deref((*string)(h.Mode)), WebURL: deref(h.WebUrl)}
	}
	if l := in.Limits; l != nil {
		s.Limits = &pinfold.CampaignLimits{Daily: intPtr(l.Daily), MaximumDuration: intPtr(l.MaximumDuration),
			MessagesPerSecond: intPtr(l.MessagesPerSecond), Total: intPtr(l.Total), Session: intPtr(l.Session)}
	}
	if q := in.QuietTime; q != nil {
		s.QuietTime = &pinfold.QuietTime{Start: deref(q.Start), End: deref(q.End)}
	}
	if j := in.JourneyLimits; j != nil {
		jl := &pinfold.JourneyLimits{DailyCap: intPtr(j.DailyCap), TotalCap: intPtr(j.TotalCap)}
		if c := j.TimeframeCap; c != nil {
			jl.TimeframeCap = &pinfold.JourneyTimeframeCap{Cap: intPtr(c.Cap), Days: intPtr(c.Days)}
		}
		s.JourneyLimits = jl
	}
	if in.CloudWatchMetricsEnabled != nil {
		s.CloudWatchMetricsEnabled = in.CloudWatchMetricsEnabled
	}
	if in.EventTaggingEnabled != nil {
		s.EventTaggingEnabled = in.EventTaggingEnabled
	}
}

// intPtr returns n as an *int, nil for nil.
func intPtr(n *int32) *int {
	if n == nil {
		return nil
	}
	return new(int(*n))
}

// int32Ptr returns n as an *int32, nil for nil. Settings values come from
// int32 members of the request shapes, so they fit.
func int32Ptr(n *int) *int32 {
	if n == nil {
		return nil
	}
	return new(int32(*n))
}

// nonEmpty returns &s, or nil for "" (a member left out).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
