package api

import (
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// PhoneValidator answers PhoneNumberValidate from offline numbering data
// (package phone).
type PhoneValidator interface {
	// ValidatePhoneNumber tells what is known of number, read in the region
	// isoCountryCode (ISO 3166-1 alpha-2, may be empty) when it carries no
	// country calling code.
	ValidatePhoneNumber(number, isoCountryCode string) *shapes.NumberValidateResponse
}

// phoneNumberValidate answers PhoneNumberValidate: the body is a
// NumberValidateRequest (the operation's payload), PhoneNumber required;
// the answer is the NumberValidateResponse itself. Nothing is stored, and
// the request names no app.
func (h *Handler) phoneNumberValidate(w http.ResponseWriter, r *request) error {
	if h.Phone == nil {
		return notImplementedError{"PhoneNumberValidate"}
	}
	var in shapes.NumberValidateRequest
	if err := shapes.Decode(r.body, &in); err != nil {
		return err
	}
	if in.PhoneNumber == nil || *in.PhoneNumber == "" {
		return pinfold.Errorf(pinfold.EINVALID, "Missing PhoneNumber")
	}
	var iso string
	if in.IsoCountryCode != nil {
		iso = *in.IsoCountryCode
	}
	return writeShapeBody(w, http.StatusOK, h.Phone.ValidatePhoneNumber(*in.PhoneNumber, iso))
}
