package storedoc

import (
	"time"

	"github.com/pinfold/pinfold"
)

// Settings is the stored JSON of pinfold.AppSettings: the stores' own
// shape, so renaming a domain field cannot silently drop stored settings.
type Settings struct {
	CampaignHook             *hookData    `json:"campaign_hook,omitempty"`
	Limits                   *limitsData  `json:"limits,omitempty"`
	QuietTime                *quietData   `json:"quiet_time,omitempty"`
	JourneyLimits            *journeyData `json:"journey_limits,omitempty"`
	CloudWatchMetricsEnabled *bool        `json:"cloudwatch_metrics_enabled,omitempty"`
	EventTaggingEnabled      *bool        `json:"event_tagging_enabled,omitempty"`
	UpdatedAt                int64        `json:"updated_at,omitempty"` // Unix ms
}

type hookData struct {
	LambdaFunctionName string `json:"lambda_function_name,omitempty"`
	Mode               string `json:"mode,omitempty"`
	WebURL             string `json:"web_url,omitempty"`
}

type limitsData struct {
	Daily             *int `json:"daily,omitempty"`
	MaximumDuration   *int `json:"maximum_duration,omitempty"`
	MessagesPerSecond *int `json:"messages_per_second,omitempty"`
	Total             *int `json:"total,omitempty"`
	Session           *int `json:"session,omitempty"`
}

type quietData struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type journeyData struct {
	DailyCap     *int           `json:"daily_cap,omitempty"`
	TotalCap     *int           `json:"total_cap,omitempty"`
	TimeframeCap *timeframeData `json:"timeframe_cap,omitempty"`
}

type timeframeData struct {
	Cap  *int `json:"cap,omitempty"`
	Days *int `json:"days,omitempty"`
}

func SettingsOf(in *pinfold.AppSettings) *Settings {
	d := &Settings{
		CloudWatchMetricsEnabled: in.CloudWatchMetricsEnabled,
		EventTaggingEnabled:      in.EventTaggingEnabled,
		UpdatedAt:                toMillis(in.UpdatedAt),
	}
	if h := in.CampaignHook; h != nil {
		d.CampaignHook = &hookData{h.LambdaFunctionName, h.Mode, h.WebURL}
	}
	if l := in.Limits; l != nil {
		d.Limits = &limitsData{l.Daily, l.MaximumDuration, l.MessagesPerSecond, l.Total, l.Session}
	}
	if q := in.QuietTime; q != nil {
		d.QuietTime = &quietData{q.Start, q.End}
	}
	if j := in.JourneyLimits; j != nil {
		d.JourneyLimits = &journeyData{DailyCap: j.DailyCap, TotalCap: j.TotalCap}
		if t := j.TimeframeCap; t != nil {
			d.JourneyLimits.TimeframeCap = &timeframeData{t.Cap, t.Days}
		}
	}
	return d
}

func (d *Settings) To(out *pinfold.AppSettings) {
	out.CloudWatchMetricsEnabled = d.CloudWatchMetricsEnabled
	out.EventTaggingEnabled = d.EventTaggingEnabled
	out.UpdatedAt = fromMillis(d.UpdatedAt)
	if h := d.CampaignHook; h != nil {
		out.CampaignHook = &pinfold.CampaignHook{LambdaFunctionName: h.LambdaFunctionName, Mode: h.Mode, WebURL: h.WebURL}
	}
	if l := d.Limits; l != nil {
		out.Limits = &pinfold.CampaignLimits{Daily: l.Daily, MaximumDuration: l.MaximumDuration,
			MessagesPerSecond: l.MessagesPerSecond, Total: l.Total, Session: l.Session}
	}
	if q := d.QuietTime; q != nil {
		out.QuietTime = &pinfold.QuietTime{Start: q.Start, End: q.End}
	}
	if j := d.JourneyLimits; j != nil {
		out.JourneyLimits = &pinfold.JourneyLimits{DailyCap: j.DailyCap, TotalCap: j.TotalCap}
		if t := j.TimeframeCap; t != nil {
			out.JourneyLimits.TimeframeCap = &pinfold.JourneyTimeframeCap{Cap: t.Cap, Days: t.Days}
		}
	}
}

// Times in documents are Unix milliseconds, 0 for the zero time, as the
// stores' columns keep them.

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
