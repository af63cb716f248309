package pinfold

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// validEvent returns an event that passes Validate, with an attribute and a
// metric.
func validEvent() Event {
	return Event{
		ID:            "e-1",
		EndpointID:    "ep-1",
		EventType:     "_session.start",
		TimestampText: "2024-05-08T22:16:44.812Z",
		Session:       &EventSession{ID: "s-1", StartTimestamp: "2024-05-08T22:16:44.812Z"},
		Attributes:    map[string]string{"screen": "home"},
		Metrics:       map[string]float64{"score": 1.5},
	}
}

func TestEventValidate(t *testing.T) {
	keys := func(attrs, metrics int) func(*Event) {
		return func(e *Event) {
			e.Attributes, e.Metrics = map[string]string{}, map[string]float64{}
			for i := range attrs {
				e.Attributes[fmt.Sprintf("a%d", i)] = "v"
			}
			for i := range metrics {
				e.Metrics[fmt.Sprintf("m%d", i)] = float64(i)
			}
		}
	}
	tests := []struct {
		name   string
		change func(*Event)
		want   string // "" when valid, else a part of the message
	}{
		{"valid", func(*Event) {}, ""},
		{"no session", func(e *Event) { e.Session = nil }, ""},
		{"no attributes or metrics", func(e *Event) { e.Attributes, e.Metrics = nil, nil }, ""},
		{"date only", func(e *Event) { e.TimestampText = "2024-05-08" }, ""},
		{"offset", func(e *Event) { e.TimestampText = "2024-05-08T22:16:44+02:00" }, ""},
		{"40 keys", keys(25, 15), ""},
		{"key of 50", func(e *Event) { e.Attributes = map[string]string{strings.Repeat("k", 50): "v"} }, ""},
		{"value of 200", func(e *Event) { e.Attributes = map[string]string{"k": strings.Repeat("é", 200)} }, ""},
		{"empty value", func(e *Event) { e.Attributes = map[string]string{"k": ""} }, ""},

		{"missing type", func(e *Event) { e.EventType = "" }, "Missing EventType"},
		{"long type", func(e *Event) { e.EventType = strings.Repeat("t", MaxEventTypeLen+1) }, "EventType"},
		{"long ID", func(e *Event) { e.ID = strings.Repeat("i", MaxEventIDLen+1) }, "event Id"},
		{"NUL in type", func(e *Event) { e.EventType = "a\x00b" }, "EventType"},
		{"NUL in ID", func(e *Event) { e.ID = "a\x00b" }, "event Id"},
		{"bad UTF-8 type", func(e *Event) { e.EventType = "a\xffb" }, "EventType"},
		{"missing timestamp", func(e *Event) { e.TimestampText = "" }, "Missing Timestamp"},
		{"bad timestamp", func(e *Event) { e.TimestampText = "yesterday" }, `Invalid Timestamp "yesterday"`},
		{"epoch timestamp", func(e *Event) { e.TimestampText = "1715206604812" }, "Invalid Timestamp"},
		{"huge bad timestamp", func(e *Event) { e.TimestampText = strings.Repeat("x", 1000) }, "xxx..."},
		{"session without ID", func(e *Event) { e.Session.ID = "" }, "Missing Session.Id"},
		{"session without start", func(e *Event) { e.Session.StartTimestamp = "" }, "Missing Session.StartTimestamp"},
		{"long session stop", func(e *Event) { e.Session.StopTimestamp = strings.Repeat("s", MaxEventSessionFieldLen+1) }, "Session.StopTimestamp"},
		{"41 keys", keys(25, 16), "41 attribute and metric keys"},
		{"41 attributes", keys(41, 0), "41 attribute and metric keys"},
		{"empty attribute key", func(e *Event) { e.Attributes = map[string]string{"": "v"} }, "Attributes has an empty key"},
		{"long attribute key", func(e *Event) { e.Attributes = map[string]string{strings.Repeat("k", 51): "v"} }, "longer than 50"},
		{"long metric key", func(e *Event) { e.Metrics = map[string]float64{strings.Repeat("k", 51): 1} }, "Metrics key"},
		{"long value", func(e *Event) { e.Attributes = map[string]string{"k": strings.Repeat("v", 201)} }, "Attributes.k is longer than 200"},
		{"NaN metric", func(e *Event) { e.Metrics = map[string]float64{"m": math.NaN()} }, "not a finite number"},
		{"infinite metric", func(e *Event) { e.Metrics = map[string]float64{"m": math.Inf(-1)} }, "not a finite number"},
		{"too large", func(e *Event) { e.AppTitle = strings.Repeat("x", MaxEventBytes) }, "bytes: at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := validEvent()
			tc.change(&e)
			err := e.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				want, _ := ParseTime(e.TimestampText)
				if !e.Timestamp.Equal(want) || e.Timestamp.IsZero() {
					t.Errorf("Validate set Timestamp %v, want %v", e.Timestamp, want)
				}
				return
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.want) {
				t.Fatalf("Validate: got %v, want EINVALID containing %q", err, tc.want)
			}
			if len(ErrorMessage(err)) > 200 {
				t.Errorf("Validate: message of %d bytes", len(ErrorMessage(err)))
			}
			if !e.Timestamp.IsZero() {
				t.Errorf("Validate set Timestamp %v on an invalid event", e.Timestamp)
			}
		})
	}
}

func TestEventValidateTimestamp(t *testing.T) {
	e := validEvent()
	e.TimestampText = "2024-05-08T22:16:44.812345+02:00"
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 5, 8, 20, 16, 44, 812345000, time.UTC)
	if !e.Timestamp.Equal(want) || e.Timestamp.Location() != time.UTC {
		t.Errorf("Timestamp: got %v, want %v in UTC", e.Timestamp, want)
	}
}
