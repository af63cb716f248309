package wire

import (
	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
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
		return r.Members([]string{"CampaignHook", "CloudWatchMetricsEnabled", "EventTaggingEnabled", "Limits",
			"QuietTime", "JourneyLimits"}, func(f string) (err error) {
			switch f {
			case "CampaignHook":
				p.CampaignHook, err = decodeCampaignHook(r)
			case "CloudWatchMetricsEnabled":
				p.CloudWatchMetricsEnabled, err = r.BoolPtr()
			case "EventTaggingEnabled":
				p.EventTaggingEnabled, err = r.BoolPtr()
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

func decodeCampaignHook(r *reader) (*pinfold.CampaignHook, error) {
	h := new(pinfold.CampaignHook)
	err := r.Members([]string{"LambdaFunctionName", "Mode", "WebUrl"}, func(name string) (err error) {
		switch name {
		case "LambdaFunctionName":
			h.LambdaFunctionName, err = r.Str()
		case "Mode":
			if h.Mode, err = r.Str(); err == nil && h.Mode != "" && h.Mode != "DELIVERY" && h.Mode != "FILTER" {
				err = &jsontok.FieldError{Msg: "expected DELIVERY or FILTER"}
			}
		case "WebUrl":
			h.WebURL, err = r.Str()
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
	err := r.Members([]string{"Daily", "MaximumDuration", "MessagesPerSecond", "Total", "Session"}, func(name string) (err error) {
		switch name {
		case "Daily":
			l.Daily, err = r.IntPtr()
		case "MaximumDuration":
			l.MaximumDuration, err = r.IntPtr()
		case "MessagesPerSecond":
			l.MessagesPerSecond, err = r.IntPtr()
		case "Total":
			l.Total, err = r.IntPtr()
		case "Session":
			l.Session, err = r.IntPtr()
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
	err := r.Members([]string{"Start", "End"}, func(name string) (err error) {
		switch name {
		case "Start":
			q.Start, err = r.Str()
		case "End":
			q.End, err = r.Str()
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
	err := r.Members([]string{"DailyCap", "TimeframeCap", "TotalCap"}, func(name string) (err error) {
		switch name {
		case "DailyCap":
			j.DailyCap, err = r.IntPtr()
		case "TotalCap":
			j.TotalCap, err = r.IntPtr()
		case "TimeframeCap":
			c := new(pinfold.JourneyTimeframeCap)
			err = r.Members([]string{"Cap", "Days"}, func(name string) (err error) {
				switch name {
				case "Cap":
					c.Cap, err = r.IntPtr()
				case "Days":
					c.Days, err = r.IntPtr()
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
