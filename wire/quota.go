package wire

import (
	"math"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// Quotas enforced while reading a request body.
//
// An UpdateEndpoint body of 7 MB can name hundreds of thousands of
// attributes, and decoding all of them before pinfold.EndpointUpdate.Validate
// or the store refuses the request costs many times the body in heap. The
// request decoders therefore check each attribute and metric as they read
// it and stop at the first one over a quota, with the message Validate or
// the store gives for it, so that what a request decodes stays within a
// small multiple of its body (see the api package's memory budget):
//
//   - names per endpoint, over Attributes, Metrics and User.UserAttributes
//     together: pinfold.MaxAttributeNamesInApp, the store's message (for
//     a batch too, without the item's number, as the store gives it). An app
//     has at most that many names, so an endpoint with more cannot be
//     stored; a name given with an empty list (a removal) counts too, since
//     an app cannot have more names than that to remove;
//   - a name's length: Validate's messages;
//   - values per attribute (pinfold.MaxAttributeValues) and a value's length
//     (pinfold.MaxAttributeValueLen): Validate's messages. Values beyond the
//     quota are read only to be counted, for the message.
//
// Validate still checks everything; these checks only come first.

// checkAttributeName checks name, a key of the map field, as Validate does.
func checkAttributeName(field, name string) error {
	if name != "" && len(name) <= pinfold.MaxAttributeNameLen {
		return nil // the common case, without counting runes
	}
	return pinfold.ValidateAttributeName(field, name)
}

// countName counts a name new to its map against the endpoint's quota of
// names, when the quotas apply. The name is checked once its map has it,
// so a name given twice counts once; its values were read already, but
// the quotas bound those.
func (r *reader) countName(isNew bool) error {
	if !r.quota || !isNew {
		return nil
	}
	r.names++
	if r.names > pinfold.MaxAttributeNamesInApp {
		return pinfold.Errorf(pinfold.EINVALID, pinfold.MsgAttributeNamesQuota)
	}
	return nil
}

// attributeValues reads the values of attribute name of map field as
// jsontok.Reader.StringList does, refusing a value longer than
// pinfold.MaxAttributeValueLen characters and more than
// pinfold.MaxAttributeValues values.
func (r *reader) attributeValues(field, name string) ([]string, error) {
	if err := r.OpenArray(); err != nil {
		return nil, err
	}
	r.ResetList()
	n := 0 // values, kept or only counted
	for i := 0; ; i++ {
		more, err := r.Element(i == 0)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		c, err := r.Peek()
		if err != nil {
			return nil, err
		}
		switch {
		case c == 'n':
			if err := r.Literal("null"); err != nil {
				return nil, err
			}
			continue
		case c != '"':
			return nil, jsontok.AtIndex(jsontok.TypeError("a string"), i)
		}
		n++
		if n > pinfold.MaxAttributeValues {
			if err := r.SkipString(); err != nil {
				return nil, err
			}
			continue
		}
		b, off, err := r.RawString()
		if err != nil {
			return nil, err
		}
		if len(b) > pinfold.MaxAttributeValueLen && utf8.RuneCount(b) > pinfold.MaxAttributeValueLen {
			return nil, pinfold.Errorf(pinfold.EINVALID, "A value of %s.%s is longer than %d characters", field, name, pinfold.MaxAttributeValueLen)
		}
		r.AddToList(r.ToString(b, off))
	}
	if n > pinfold.MaxAttributeValues {
		return nil, pinfold.Errorf(pinfold.EINVALID, "%s.%s has %d values: at most %d are allowed", field, name, n, pinfold.MaxAttributeValues)
	}
	return r.List(), nil
}

// restOfMap returns how many more entries an endpoint's attribute or metric
// map being read may get, counting the one just read: as many as are left
// in it, and with the quotas no more than the quota leaves (counting no
// further).
func (r *reader) restOfMap() int {
	limit := math.MaxInt
	if r.quota {
		limit = max(pinfold.MaxAttributeNamesInApp-r.names, 0)
	}
	return r.CountRest(true, limit) + 1
}
