package storedoc

import (
	"encoding/json"
	"fmt"

	"github.com/pinfold/pinfold"
)

// Event is the stored JSON of the parts of pinfold.Event without a
// column of their own: the stores' private shape, not a wire shape. Fields added later are absent from older rows and
// read as zero values.
type Event struct {
	Timestamp        string             `json:"timestamp,omitempty"` // TimestampText
	Session          *session           `json:"session,omitempty"`
	AppPackageName   string             `json:"app_package_name,omitempty"`
	AppTitle         string             `json:"app_title,omitempty"`
	AppVersionCode   string             `json:"app_version_code,omitempty"`
	ClientSdkVersion string             `json:"client_sdk_version,omitempty"`
	SdkName          string             `json:"sdk_name,omitempty"`
	Attributes       map[string]string  `json:"attributes,omitempty"`
	Metrics          map[string]float64 `json:"metrics,omitempty"`
}

type session struct {
	ID       string `json:"id"`
	Start    string `json:"start,omitempty"`
	Stop     string `json:"stop,omitempty"`
	Duration *int64 `json:"duration,omitempty"`
}

// EncodeEvent returns the stored JSON of e's fields without a column of
// their own.
func EncodeEvent(e *pinfold.Event) ([]byte, error) {
	d := Event{
		Timestamp:        e.TimestampText,
		AppPackageName:   e.AppPackageName,
		AppTitle:         e.AppTitle,
		AppVersionCode:   e.AppVersionCode,
		ClientSdkVersion: e.ClientSdkVersion,
		SdkName:          e.SdkName,
		Attributes:       e.Attributes,
		Metrics:          e.Metrics,
	}
	if s := e.Session; s != nil {
		d.Session = &session{s.ID, s.StartTimestamp, s.StopTimestamp, s.Duration}
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("encode event %q: %w", e.ID, err)
	}
	return b, nil
}

// DecodeEvent fills in e's fields kept in data, a document EncodeEvent made.
func DecodeEvent(e *pinfold.Event, data []byte) error {
	var d Event
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("decode event %q: %w", e.ID, err)
	}
	e.TimestampText, e.AppPackageName, e.AppTitle = d.Timestamp, d.AppPackageName, d.AppTitle
	e.AppVersionCode, e.ClientSdkVersion, e.SdkName = d.AppVersionCode, d.ClientSdkVersion, d.SdkName
	e.Attributes, e.Metrics = d.Attributes, d.Metrics
	if s := d.Session; s != nil {
		e.Session = &pinfold.EventSession{ID: s.ID, StartTimestamp: s.Start, StopTimestamp: s.Stop, Duration: s.Duration}
	}
	return nil
}
