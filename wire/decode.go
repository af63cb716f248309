package wire

import (
	"math"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// DecodeCreateApplication decodes a CreateApplicationRequest body and
// returns the app's name and tags (nil when none). Errors are EINVALID
// *pinfold.Error: "Missing Name" when Name is absent or empty, or a
// malformed body or wrong type naming the field.
func DecodeCreateApplication(body []byte) (name string, tags map[string]string, err error) {
	err = parse(body, true, func(r *reader) error {
		return r.Members([]string{"Name", "tags"}, func(f string) (err error) {
			switch f {
			case "Name":
				name, err = r.Str()
			case "tags":
				tags, err = decodeStringMap(r)
			}
			return err
		})
	})
	if err != nil {
		return "", nil, requestError(err)
	}
	if name == "" {
		return "", nil, pinfold.Errorf(pinfold.EINVALID, "Missing Name")
	}
	return name, tags, nil
}

// DecodeEndpointRequest decodes an EndpointRequest body (UpdateEndpoint)
// into the update of endpoint endpointID. Members the body does not name,
// or names with null, are left nil. It does not validate the update (see
// pinfold.EndpointUpdate.Validate) beyond the quotas it enforces as it reads
// (see checkAttributeName). Errors are EINVALID *pinfold.Error for a
// malformed body, a member of the wrong type, or the first attribute over
// a quota.
func DecodeEndpointRequest(body []byte, endpointID string) (pinfold.EndpointUpdate, error) {
	u := pinfold.EndpointUpdate{ID: endpointID}
	r, err := newReader(body, true)
	if err == nil {
		r.quota = true
		r.ShareAll()
		err = decodeEndpointUpdate(&r, &u, false)
	}
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return pinfold.EndpointUpdate{}, requestError(err)
	}
	return u, nil
}

// DecodeEndpointBatch decodes an EndpointBatchRequest body
// (UpdateEndpointsBatch) into one update per item of Item, in order; null
// items are skipped. It does not validate the updates beyond the quotas
// DecodeEndpointRequest enforces. Errors are EINVALID *pinfold.Error:
// "Missing Item", more than pinfold.MaxBatchItems items, a malformed body,
// a member of the wrong type, named by its path (Item[3].Metrics.score), or
// the first attribute over a quota, prefixed with its item as the api
// prefixes pinfold.EndpointUpdate.Validate's errors ("Item[3]: ..."), except
// that too many names is the store's message as it is.
func DecodeEndpointBatch(body []byte) ([]pinfold.EndpointUpdate, error) {
	items, err := decodeBatch(body)
	if err != nil {
		return nil, requestError(err)
	}
	if items == nil {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing Item")
	}
	return items, nil
}

// decodeBatch reads an EndpointBatchRequest; items is nil when it has no
// Item.
func decodeBatch(body []byte) (items []pinfold.EndpointUpdate, err error) {
	r, err := newReader(body, true)
	if err != nil {
		return nil, err
	}
	r.quota = true
	if err := r.OpenObject(); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		key, more, err := r.Member(first)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		if null, err := r.Null(); err != nil {
			return nil, err
		} else if null {
			continue
		}
		if jsontok.Field(key, "Item") == "Item" {
			if items, err = decodeBatchItems(&r); err != nil {
				return nil, jsontok.InField(err, "Item")
			}
		} else if err := r.Skip(); err != nil {
			return nil, err
		}
	}
	return items, r.End()
}

// tooManyItems is the error for a batch over the quota. It is a
// *pinfold.Error already: the path wrapping and requestError pass it on.
func tooManyItems() error {
	return pinfold.Errorf(pinfold.EINVALID, "Exceeded maximum number of items per batch: %d", pinfold.MaxBatchItems)
}

// decodeBatchItems reads the Item list; the result is non-nil even when the
// list is empty.
func decodeBatchItems(r *reader) ([]pinfold.EndpointUpdate, error) {
	if err := r.OpenArray(); err != nil {
		return nil, err
	}
	items := make([]pinfold.EndpointUpdate, 0, 16)
	for i := 0; ; i++ {
		more, err := r.Element(i == 0)
		if err != nil {
			return nil, err
		}
		if !more {
			return items, nil
		}
		if null, err := r.Null(); err != nil {
			return nil, err
		} else if null {
			continue
		}
		if len(items) == pinfold.MaxBatchItems {
			return nil, tooManyItems()
		}
		// Find the item's extent first (checking its syntax), then decode
		// it with its strings sharing one copy of it.
		if err := r.ShareNext(); err != nil {
			return nil, err
		}
		items = append(items, pinfold.EndpointUpdate{})
		if err := decodeEndpointUpdate(r, &items[len(items)-1], true); err != nil {
			if pe, ok := err.(*pinfold.Error); ok && pe.Message != pinfold.MsgAttributeNamesQuota {
				// A quota error Validate would give, numbered as the api
				// numbers Validate's; the store's quota error has no
				// number.
				return nil, pinfold.Errorf(pe.Code, "Item[%d]: %s", len(items)-1, pe.Message)
			}
			return nil, jsontok.AtIndex(err, i)
		}
	}
}

// decodeEndpointUpdate reads an EndpointRequest, or with withID an
// EndpointBatchItem, into u.
func decodeEndpointUpdate(r *reader, u *pinfold.EndpointUpdate, withID bool) error {
	r.names = 0
	return r.Members([]string{"Address", "Attributes", "ChannelType", "Demographic", "EffectiveDate",
		"EndpointStatus", "Location", "Metrics", "OptOut", "RequestId", "User", "Id"}, func(name string) (err error) {
		switch name {
		case "Address":
			u.Address, err = r.StrPtr()
		case "Attributes":
			u.Attributes, err = decodeAttributes(r, "Attributes")
		case "ChannelType":
			u.ChannelType, err = r.StrPtr()
		case "Demographic":
			u.Demographic, err = decodeDemographic(r)
		case "EffectiveDate":
			u.EffectiveDate, err = r.StrPtr()
		case "EndpointStatus":
			u.EndpointStatus, err = r.StrPtr()
		case "Location":
			u.Location, err = decodeLocation(r)
		case "Metrics":
			u.Metrics, err = decodeMetrics(r)
		case "OptOut":
			u.OptOut, err = r.StrPtr()
		case "RequestId":
			u.RequestID, err = r.StrPtr()
		case "User":
			u.User, err = decodeUserUpdate(r)
		case "Id":
			if withID {
				u.ID, err = r.Str()
			} else {
				err = r.Skip() // EndpointRequest has no Id: the path names the endpoint
			}
		}
		return err
	})
}

// decodeLocation reads an EndpointLocation.
func decodeLocation(r *reader) (*pinfold.Location, error) {
	l := new(pinfold.Location)
	err := r.Members([]string{"Latitude", "Longitude", "PostalCode", "City", "Region", "Country"}, func(name string) (err error) {
		switch name {
		case "Latitude":
			l.Latitude, err = r.FloatPtr()
		case "Longitude":
			l.Longitude, err = r.FloatPtr()
		case "PostalCode":
			l.PostalCode, err = r.Str()
		case "City":
			l.City, err = r.Str()
		case "Region":
			l.Region, err = r.Str()
		case "Country":
			l.Country, err = r.Str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// decodeDemographic reads an EndpointDemographic.
func decodeDemographic(r *reader) (*pinfold.Demographic, error) {
	d := new(pinfold.Demographic)
	err := r.Members([]string{"Make", "Model", "ModelVersion", "Timezone", "AppVersion", "Platform",
		"PlatformVersion", "Locale"}, func(name string) (err error) {
		switch name {
		case "Make":
			d.Make, err = r.Str()
		case "Model":
			d.Model, err = r.Str()
		case "ModelVersion":
			d.ModelVersion, err = r.Str()
		case "Timezone":
			d.Timezone, err = r.Str()
		case "AppVersion":
			d.AppVersion, err = r.Str()
		case "Platform":
			d.Platform, err = r.Str()
		case "PlatformVersion":
			d.PlatformVersion, err = r.Str()
		case "Locale":
			d.Locale, err = r.Str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// decodeUserUpdate reads an EndpointUser as an update.
func decodeUserUpdate(r *reader) (*pinfold.UserUpdate, error) {
	u := new(pinfold.UserUpdate)
	err := r.Members([]string{"UserId", "UserAttributes"}, func(name string) (err error) {
		switch name {
		case "UserId":
			u.UserID, err = r.StrPtr()
		case "UserAttributes":
			u.UserAttributes, err = decodeAttributes(r, "User.UserAttributes")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// decodeAttributes reads a MapOfListOf__string: nil for {}, a null value
// leaves its key out, null list elements are skipped, and an empty list is
// kept as a key with no values. field names the map in quota errors
// (Attributes, User.UserAttributes).
func decodeAttributes(r *reader, field string) (map[string][]string, error) {
	var m map[string][]string
	err := r.Entries(func(name string) error {
		var list []string
		var err error
		if r.quota {
			if err := checkAttributeName(field, name); err != nil {
				return err
			}
			list, err = r.attributeValues(field, name)
		} else {
			list, err = r.StringList()
		}
		if err != nil {
			return err
		}
		if m == nil {
			m = make(map[string][]string, 4)
		} else if len(m) == jsontok.BigCollection {
			m = jsontok.Grown(m, r.restOfMap())
		}
		n := len(m)
		m[name] = list
		return r.countName(len(m) > n)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// decodeMetrics reads a MapOf__double: nil for {}; a null value leaves its
// key out.
func decodeMetrics(r *reader) (map[string]float64, error) {
	var m map[string]float64
	err := r.Entries(func(name string) error {
		if r.quota {
			if err := checkAttributeName("Metrics", name); err != nil {
				return err
			}
		}
		f, err := r.Float()
		if err != nil {
			return err
		}
		if m == nil {
			m = make(map[string]float64, 4)
		} else if len(m) == jsontok.BigCollection {
			m = jsontok.Grown(m, r.restOfMap())
		}
		n := len(m)
		m[name] = f
		return r.countName(len(m) > n)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// decodeStringMap reads a MapOf__string: nil for {}; a null value leaves its
// key out.
func decodeStringMap(r *reader) (map[string]string, error) {
	var m map[string]string
	err := r.Entries(func(name string) error {
		v, err := r.Str()
		if err != nil {
			return err
		}
		if m == nil {
			m = make(map[string]string, 4)
		} else if len(m) == jsontok.BigCollection {
			m = jsontok.Grown(m, r.CountRest(true, math.MaxInt)+1)
		}
		m[name] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeTags decodes a TagsModel body (TagResource) and returns its tags,
// an empty non-nil map for "tags":{}. Errors are EINVALID *pinfold.Error:
// "Missing tags" when the member is absent, or a malformed body or a tag
// value that is not a string.
func DecodeTags(body []byte) (map[string]string, error) {
	var tags map[string]string
	seen := false
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"tags"}, func(string) (err error) {
			seen = true
			tags, err = decodeStringMap(r)
			return err
		})
	})
	if err != nil {
		return nil, requestError(err)
	}
	if !seen {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing tags")
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}

// DecodeUpdateAttributes decodes an UpdateAttributesRequest body
// (RemoveAttributes) and returns its Blacklist, nil when absent. Errors are
// EINVALID *pinfold.Error for a malformed body or a Blacklist that is not a
// list of strings.
func DecodeUpdateAttributes(body []byte) ([]string, error) {
	var names []string
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"Blacklist"}, func(string) (err error) {
			names, err = r.StringList()
			return err
		})
	})
	if err != nil {
		return nil, requestError(err)
	}
	return names, nil
}

// DecodeExportJobRequest decodes an ExportJobRequest body (CreateExportJob).
// It checks presence and types only; the caller validates the ARN, the URL
// and the segment. Errors are EINVALID *pinfold.Error: "Missing RoleArn" or
// "Missing S3UrlPrefix" when absent or empty, a SegmentVersion that is not
// an integer of at least 1, or a malformed body.
func DecodeExportJobRequest(body []byte) (pinfold.ExportDefinition, error) {
	var def pinfold.ExportDefinition
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"RoleArn", "S3UrlPrefix", "SegmentId", "SegmentVersion"}, func(f string) (err error) {
			switch f {
			case "RoleArn":
				def.RoleARN, err = r.Str()
			case "S3UrlPrefix":
				def.S3URLPrefix, err = r.Str()
			case "SegmentId":
				def.SegmentID, err = r.Str()
			case "SegmentVersion":
				if def.SegmentVersion, err = r.Int(); err == nil && def.SegmentVersion < 1 {
					err = &jsontok.FieldError{Msg: "must be at least 1"}
				}
			}
			return err
		})
	})
	if err != nil {
		return pinfold.ExportDefinition{}, requestError(err)
	}
	if def.RoleARN == "" {
		return pinfold.ExportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Missing RoleArn")
	}
	if def.S3URLPrefix == "" {
		return pinfold.ExportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Missing S3UrlPrefix")
	}
	return def, nil
}
