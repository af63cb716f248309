package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The endpoints the benchmarks write: realistic mobile-app audience records
// of about 730 bytes of JSON each, derived deterministically from their
// index so the ingest, the export and the reference all see the same data.

// location, demographic and user are the nested parts of an endpoint, with
// the members in the order of Pinpoint's export lines.
type location struct {
	Latitude   float64 `json:"Latitude"`
	Longitude  float64 `json:"Longitude"`
	PostalCode string  `json:"PostalCode,omitempty"`
	City       string  `json:"City,omitempty"`
	Region     string  `json:"Region,omitempty"`
	Country    string  `json:"Country,omitempty"`
}

type demographic struct {
	Make            string `json:"Make,omitempty"`
	Model           string `json:"Model,omitempty"`
	ModelVersion    string `json:"ModelVersion,omitempty"`
	Timezone        string `json:"Timezone,omitempty"`
	AppVersion      string `json:"AppVersion,omitempty"`
	Platform        string `json:"Platform,omitempty"`
	PlatformVersion string `json:"PlatformVersion,omitempty"`
	Locale          string `json:"Locale,omitempty"`
}

type user struct {
	UserId         string              `json:"UserId,omitempty"`
	UserAttributes map[string][]string `json:"UserAttributes,omitempty"`
}

// batchItem is one EndpointBatchItem of an UpdateEndpointsBatch request.
type batchItem struct {
	ChannelType    string              `json:"ChannelType"`
	Address        string              `json:"Address"`
	EndpointStatus string              `json:"EndpointStatus,omitempty"`
	OptOut         string              `json:"OptOut,omitempty"`
	RequestId      string              `json:"RequestId,omitempty"`
	Location       *location           `json:"Location,omitempty"`
	Demographic    *demographic        `json:"Demographic,omitempty"`
	EffectiveDate  string              `json:"EffectiveDate,omitempty"`
	Attributes     map[string][]string `json:"Attributes,omitempty"`
	Metrics        map[string]float64  `json:"Metrics,omitempty"`
	User           *user               `json:"User,omitempty"`
	Id             string              `json:"Id"`
}

// exportLine is an endpoint as one line of a Pinpoint export file: the
// GetEndpoint fields without CohortId, in the observed key order.
type exportLine struct {
	ChannelType    string              `json:"ChannelType"`
	Address        string              `json:"Address"`
	EndpointStatus string              `json:"EndpointStatus"`
	OptOut         string              `json:"OptOut"`
	RequestId      string              `json:"RequestId,omitempty"`
	Location       *location           `json:"Location,omitempty"`
	Demographic    *demographic        `json:"Demographic,omitempty"`
	EffectiveDate  string              `json:"EffectiveDate"`
	Attributes     map[string][]string `json:"Attributes,omitempty"`
	Metrics        map[string]float64  `json:"Metrics,omitempty"`
	User           user                `json:"User"`
	ApplicationId  string              `json:"ApplicationId"`
	Id             string              `json:"Id"`
	CreationDate   string              `json:"CreationDate"`
}

// mix is splitmix64's finaliser: a bijection of uint64, so distinct inputs
// give distinct outputs (and distinct IDs).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hex16(x uint64) string {
	s := strconv.FormatUint(x, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

var (
	benchCities = [...]struct {
		city, region, country, postal, tz string
		lat, lon                          float64
	}{
		{"Seattle", "WA", "US", "98101", "America/Los_Angeles", 47.6062, -122.3321},
		{"Austin", "TX", "US", "78701", "America/Chicago", 30.2672, -97.7431},
		{"New York", "NY", "US", "10001", "America/New_York", 40.7128, -74.006},
		{"London", "England", "GB", "EC1A 1BB", "Europe/London", 51.5074, -0.1278},
		{"Berlin", "Berlin", "DE", "10115", "Europe/Berlin", 52.52, 13.405},
		{"São Paulo", "SP", "BR", "01000-000", "America/Sao_Paulo", -23.5505, -46.6333},
		{"Tokyo", "Tokyo", "JP", "100-0001", "Asia/Tokyo", 35.6762, 139.6503},
		{"Sydney", "NSW", "AU", "2000", "Australia/Sydney", -33.8688, 151.2093},
	}
	benchDevices = [...]struct{ make, model, modelVersion, platform, platformVersion, channel string }{
		{"Apple", "iPhone", "iPhone15,2", "iOS", "17.4.1", "APNS"},
		{"Apple", "iPhone", "iPhone14,5", "iOS", "16.7.8", "APNS"},
		{"Google", "Pixel 8", "shiba", "Android", "14", "GCM"},
		{"Samsung", "Galaxy S23", "SM-S911B", "Android", "14", "GCM"},
		{"Xiaomi", "Redmi Note 12", "23021RAA2Y", "Android", "13", "GCM"},
	}
	benchPlans     = [...]string{"free", "basic", "pro", "enterprise"}
	benchInterests = [...]string{"sports", "music", "travel", "cooking", "gaming", "finance", "fashion", "news"}
)

// benchEpoch is the fixed instant the generated dates count from.
var benchEpoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// endpointID returns the ID of endpoint i: distinct for distinct i.
func endpointID(i int) string { return "ep-" + hex16(mix(uint64(i))) }

// newBatchItem returns endpoint i as an UpdateEndpointsBatch item: every
// field of a mobile push endpoint, a user with a UserId unique to the
// endpoint, custom attributes and metrics drawn from a small fixed set of
// names (well under the 250-names-per-app quota).
func newBatchItem(i int) batchItem {
	r := mix(uint64(i) ^ 0x5bd1e995)
	city := benchCities[r%uint64(len(benchCities))]
	dev := benchDevices[(r>>8)%uint64(len(benchDevices))]
	channel := dev.channel
	var addr string
	switch {
	case (r>>5)%10 < 4:
		// An email endpoint of the same user.
		channel = "EMAIL"
		addr = [...]string{"alex", "sam", "jordan", "taylor", "maria", "kenji"}[(r>>4)%6] + "." + hex16(mix(r + 1))[:8] + "@example.com"
	case channel == "APNS":
		addr = hex16(mix(r+1)) + hex16(mix(r+2)) + hex16(mix(r+3)) + hex16(mix(r+4)) // 64 hex, an APNs device token
	default:
		// An FCM registration token: instance ID, ':' and a 140-char token.
		addr = "d" + hex16(mix(r + 1))[:10] + ":APA91b"
		for k := uint64(0); len(addr) < 152; k++ {
			addr += hex16(mix(r + 10 + k))
		}
		addr = addr[:152]
	}
	interests := []string{benchInterests[(r>>16)%8], benchInterests[(r>>20)%8]}
	if interests[0] == interests[1] {
		interests = interests[:1]
	}
	effective := benchEpoch.Add(time.Duration(r%(90*24*3600)) * time.Second).Format("2006-01-02T15:04:05.000Z")
	signup := benchEpoch.Add(-time.Duration((r>>24)%(700*24*3600)) * time.Second).Format("2006-01-02")
	return batchItem{
		ChannelType:    channel,
		Address:        addr,
		EndpointStatus: "ACTIVE",
		OptOut:         [...]string{"NONE", "NONE", "NONE", "ALL"}[(r>>28)%4],
		Location: &location{
			Latitude:   float64(int64(city.lat*10000)+int64(r>>32)%1000) / 10000,
			Longitude:  float64(int64(city.lon*10000)-int64(r>>40)%1000) / 10000,
			PostalCode: city.postal,
			City:       city.city,
			Region:     city.region,
			Country:    city.country,
		},
		Demographic: &demographic{
			Make:            dev.make,
			Model:           dev.model,
			ModelVersion:    dev.modelVersion,
			Timezone:        city.tz,
			AppVersion:      fmt.Sprintf("4.%d.%d", (r>>44)%12, (r>>48)%10),
			Platform:        dev.platform,
			PlatformVersion: dev.platformVersion,
		},
		EffectiveDate: effective,
		Attributes: map[string][]string{
			"Plan":       {benchPlans[(r>>56)%4]},
			"Interests":  interests,
			"SignupDate": {signup},
		},
		Metrics: map[string]float64{
			"Sessions":      float64(r % 500),
			"LifetimeSpend": float64(r%100000) / 100,
		},
		User: &user{
			UserId: "user-" + hex16(mix(uint64(i)+1<<62)),
			UserAttributes: map[string][]string{
				"Tier": {[...]string{"bronze", "silver", "gold"}[(r>>36)%3]},
			},
		},
		Id: endpointID(i),
	}
}

// newExportLine returns endpoint i as pinfold would export it from app.
func newExportLine(app string, i int) exportLine {
	b := newBatchItem(i)
	return exportLine{
		ChannelType:    b.ChannelType,
		Address:        b.Address,
		EndpointStatus: b.EndpointStatus,
		OptOut:         b.OptOut,
		RequestId:      b.RequestId,
		Location:       b.Location,
		Demographic:    b.Demographic,
		EffectiveDate:  b.EffectiveDate,
		Attributes:     b.Attributes,
		Metrics:        b.Metrics,
		User:           *b.User,
		ApplicationId:  app,
		Id:             b.Id,
		CreationDate:   b.EffectiveDate,
	}
}

// batchBody returns the UpdateEndpointsBatch body of endpoints [from, to).
func batchBody(from, to int) []byte {
	items := make([]batchItem, 0, to-from)
	for i := from; i < to; i++ {
		items = append(items, newBatchItem(i))
	}
	b, err := json.Marshal(struct {
		Item []batchItem `json:"Item"`
	}{items})
	if err != nil {
		panic(err) // plain structs of strings, floats and maps always marshal
	}
	return b
}

// typicalEndpoint returns the index of the first generated endpoint whose
// batch item is 720 to 740 bytes of JSON, the size of an average one.
func typicalEndpoint() int {
	for i := 0; ; i++ {
		b, _ := json.Marshal(newBatchItem(i))
		if len(b) >= 720 && len(b) <= 740 {
			return i
		}
	}
}

// avgItemBytes returns the average size of the first 1,000 generated
// endpoints as UpdateEndpointsBatch items.
func avgItemBytes() int {
	total := 0
	for i := range 1000 {
		b, _ := json.Marshal(newBatchItem(i))
		total += len(b)
	}
	return total / 1000
}
