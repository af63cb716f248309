package wire

import (
	"github.com/pinfold/pinfold"
)

// SettingsPatch is a decoded WriteApplicationSettingsRequest
// (UpdateApplicationSettings): the members the request gave, nil for the
// others.
type SettingsPatch struct {
	CampaignHook             *pinfold.CampaignHook
	Limits                   *pinfold.CampaignLimits
	QuietTime                *pinfold.QuietTime
	JourneyLimits            *pinfold.JourneyLimits
	CloudWatchMetricsEnabled *bool
	EventTaggingEnabled      *bool
}

// Apply replaces each member of s that p gives, as a whole (a CampaignHook
// given without WebUrl clears the web hook), and leaves the others. s takes
// over p's pointers. It does not touch s.UpdatedAt or s.AppID.
func (p SettingsPatch) Apply(s *pinfold.AppSettings) {
	if p.CampaignHook != nil {
		s.CampaignHook = p.CampaignHook
	}
	if p.Limits != nil {
		s.Limits = p.Limits
	}
	if p.QuietTime != nil {
		s.QuietTime = p.QuietTime
	}
	if p.JourneyLimits != nil {
		s.JourneyLimits = p.JourneyLimits
	}
	if p.CloudWatchMetricsEnabled != nil {
		s.CloudWatchMetricsEnabled = p.CloudWatchMetricsEnabled
	}
	if p.EventTaggingEnabled != nil {
		s.EventTaggingEnabled = p.EventTaggingEnabled
	}
}

// DecodeWriteApplicationSettings decodes a WriteApplicationSettingsRequest
// body. Errors are EINVALID *pinfold.Error for a malformed body, a member of
// the wrong type, or a CampaignHook.Mode other than DELIVERY or FILTER.
func DecodeWriteApplicationSettings(body []byte) (SettingsPatch, error) {
	var p SettingsPatch
	err := parse(body, true, func(r *reader) error {
		return r.members([]string{"CampaignHook", "CloudWatchMetricsEnabled", "EventTaggingEnabled", "Limits",
			"QuietTime", "JourneyLimits"}, func(f string) (err error) {
			switch f {
			case "CampaignHook":
				p.CampaignHook, err = decodeCampaignHook(r)
			case "CloudWatchMetricsEnabled":
				p.CloudWatchMetricsEnabled, err = r.boolPtr()
			case "EventTaggingEnabled":
				p.EventTaggingEnabled, err = r.boolPtr()
			case "Limits":
				p.Limits, err = decodeCampaignLimits(r)
			case "QuietTime":
				p.QuietTime, err = decodeQuietTime(r)
			case "JourneyLimits":
				p.JourneyLimits, err = decodeJourneyLimits(r)
			}
			return err
		})
	})
	if err != nil {
		return SettingsPatch{}, requestError(err)
	}
	return p, nil
}

// boolPtr reads a boolean into a new pointer.
func (r *reader) boolPtr() (*bool, error) {
	b, err := r.boolean()
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func decodeCampaignHook(r *reader) (*pinfold.CampaignHook, error) {
	h := new(pinfold.CampaignHook)
	err := r.members([]string{"LambdaFunctionName", "Mode", "WebUrl"}, func(name string) (err error) {
		switch name {
		case "LambdaFunctionName":
			h.LambdaFunctionName, err = r.str()
		case "Mode":
			if h.Mode, err = r.str(); err == nil && h.Mode != "" && h.Mode != "DELIVERY" && h.Mode != "FILTER" {
				err = &fieldError{msg: "expected DELIVERY or FILTER"}
			}
		case "WebUrl":
			h.WebURL, err = r.str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

func decodeCampaignLimits(r *reader) (*pinfold.CampaignLimits, error) {
	l := new(pinfold.CampaignLimits)
	err := r.members([]string{"Daily", "MaximumDuration", "MessagesPerSecond", "Total", "Session"}, func(name string) (err error) {
		switch name {
		case "Daily":
			l.Daily, err = r.intPtr()
		case "MaximumDuration":
			l.MaximumDuration, err = r.intPtr()
		case "MessagesPerSecond":
			l.MessagesPerSecond, err = r.intPtr()
		case "Total":
			l.Total, err = r.intPtr()
		case "Session":
			l.Session, err = r.intPtr()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func decodeQuietTime(r *reader) (*pinfold.QuietTime, error) {
	q := new(pinfold.QuietTime)
	err := r.members([]string{"Start", "End"}, func(name string) (err error) {
		switch name {
		case "Start":
			q.Start, err = r.str()
		case "End":
			q.End, err = r.str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

func decodeJourneyLimits(r *reader) (*pinfold.JourneyLimits, error) {
	j := new(pinfold.JourneyLimits)
	err := r.members([]string{"DailyCap", "TimeframeCap", "TotalCap"}, func(name string) (err error) {
		switch name {
		case "DailyCap":
			j.DailyCap, err = r.intPtr()
		case "TotalCap":
			j.TotalCap, err = r.intPtr()
		case "TimeframeCap":
			c := new(pinfold.JourneyTimeframeCap)
			err = r.members([]string{"Cap", "Days"}, func(name string) (err error) {
				switch name {
				case "Cap":
					c.Cap, err = r.intPtr()
				case "Days":
					c.Days, err = r.intPtr()
				}
				return err
			})
			j.TimeframeCap = c
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// ApplicationSettingsResource returns s as an ApplicationSettingsResource
// body (GetApplicationSettings, UpdateApplicationSettings). CampaignHook,
// Limits and QuietTime are {} when never set, as Pinpoint answers for a new
// app; JourneyLimits is left out then; LastModifiedDate is left out until
// the first update. CloudWatchMetricsEnabled and EventTaggingEnabled are not
// members of the resource shape, so they are stored but never returned.
func ApplicationSettingsResource(s *pinfold.AppSettings) []byte {
	o := open(make([]byte, 0, 256))
	o.str("ApplicationId", s.AppID)
	o.key("CampaignHook")
	h := open(o.b)
	if s.CampaignHook != nil {
		h.str("LambdaFunctionName", s.CampaignHook.LambdaFunctionName)
		h.str("Mode", s.CampaignHook.Mode)
		h.str("WebUrl", s.CampaignHook.WebURL)
	}
	o.b = h.close()
	if !s.UpdatedAt.IsZero() {
		o.str("LastModifiedDate", pinfold.FormatTime(s.UpdatedAt))
	}
	o.key("Limits")
	l := open(o.b)
	if s.Limits != nil {
		l.intPtr("Daily", s.Limits.Daily)
		l.intPtr("MaximumDuration", s.Limits.MaximumDuration)
		l.intPtr("MessagesPerSecond", s.Limits.MessagesPerSecond)
		l.intPtr("Session", s.Limits.Session)
		l.intPtr("Total", s.Limits.Total)
	}
	o.b = l.close()
	o.key("QuietTime")
	q := open(o.b)
	if s.QuietTime != nil {
		q.str("End", s.QuietTime.End)
		q.str("Start", s.QuietTime.Start)
	}
	o.b = q.close()
	if jl := s.JourneyLimits; jl != nil {
		o.key("JourneyLimits")
		j := open(o.b)
		j.intPtr("DailyCap", jl.DailyCap)
		if c := jl.TimeframeCap; c != nil {
			j.key("TimeframeCap")
			t := open(j.b)
			t.intPtr("Cap", c.Cap)
			t.intPtr("Days", c.Days)
			j.b = t.close()
		}
		j.intPtr("TotalCap", jl.TotalCap)
		o.b = j.close()
	}
	return o.close()
}
