package messaging

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// One-time password limits (Pinpoint's developer guide, send-validate-otp)
// and pinfold's defaults where the guide gives none.
const (
	MinOTPCodeLength     = 5
	MaxOTPCodeLength     = 8
	DefaultOTPCodeLength = 6
	MinOTPValidity       = 5 // minutes
	MaxOTPValidity       = 60
	DefaultOTPValidity   = 15
	MaxOTPAttempts       = 5
	DefaultOTPAttempts   = 3
	MaxOTPBrandNameLen   = 20
	MaxOTPReferenceIDLen = 48
	MaxOTPOriginationLen = 1024 // pinfold's choice
	otpChannel           = "SMS"
)

// HashOTP is how codes are kept: the SHA-256 of the code, hex.
func HashOTP(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// newCode returns a random code of n digits.
func newCode(n int) (string, error) {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			return "", err
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b), nil
}

func intOr(p *int32, def int) int {
	if p == nil {
		return def
	}
	return int(*p)
}

// validateOTP checks a SendOTPMessage request and returns its code
// length, validity in minutes and attempts.
func validateOTP(req *shapes.SendOTPMessageRequestParameters) (length, validity, attempts int, err error) {
	length = intOr(req.CodeLength, DefaultOTPCodeLength)
	validity = intOr(req.ValidityPeriod, DefaultOTPValidity)
	attempts = intOr(req.AllowedAttempts, DefaultOTPAttempts)
	bad := func(format string, args ...any) (int, int, int, error) {
		return 0, 0, 0, pinfold.Errorf(pinfold.EINVALID, format, args...)
	}
	switch {
	case req.Channel != otpChannel:
		return bad("Invalid Channel %q: must be SMS", req.Channel)
	case req.BrandName == "" || utf8.RuneCountInString(req.BrandName) > MaxOTPBrandNameLen:
		return bad("Invalid BrandName: 1 to %d characters", MaxOTPBrandNameLen)
	case req.ReferenceId == "" || utf8.RuneCountInString(req.ReferenceId) > MaxOTPReferenceIDLen:
		return bad("Invalid ReferenceId: 1 to %d characters", MaxOTPReferenceIDLen)
	case !ValidPhone(req.DestinationIdentity):
		return bad("Invalid DestinationIdentity: must be a phone number in E.164 format")
	case req.OriginationIdentity == "" || utf8.RuneCountInString(req.OriginationIdentity) > MaxOTPOriginationLen:
		return bad("Invalid OriginationIdentity")
	case length < MinOTPCodeLength || length > MaxOTPCodeLength:
		return bad("Invalid CodeLength %d: must be %d to %d", length, MinOTPCodeLength, MaxOTPCodeLength)
	case validity < MinOTPValidity || validity > MaxOTPValidity:
		return bad("Invalid ValidityPeriod %d: must be %d to %d minutes", validity, MinOTPValidity, MaxOTPValidity)
	case attempts < 1 || attempts > MaxOTPAttempts:
		return bad("Invalid AllowedAttempts %d: must be 1 to %d", attempts, MaxOTPAttempts)
	}
	return length, validity, attempts, nil
}

// SendOTP answers SendOTPMessage: a random numeric code of CodeLength
// digits is sent through the app's SMS channel as "This is your One Time
// Password: CODE from BRAND" (the message, with its plaintext code, goes to
// the outbox), and its hash is kept for VerifyOTP for ValidityPeriod
// minutes and AllowedAttempts tries, replacing any code of the same
// ReferenceId and DestinationIdentity. The result is keyed by
// DestinationIdentity, as SendMessages' Result; a send that fails (no SMS
// channel, or disabled) keeps no code.
//
// Errors: EINVALID for a request out of the documented limits; ENOTFOUND
// "Application not found".
func (s *Service) SendOTP(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.SendOTPMessageRequestParameters) (*shapes.MessageResponse, error) {
	length, validity, attempts, err := validateOTP(req)
	if err != nil {
		return nil, err
	}
	st, err := s.newSend(ctx, scope, appID, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	code, err := newCode(length)
	if err != nil {
		return nil, err
	}
	body := "This is your One Time Password: " + code + " from " + req.BrandName
	st.contents[pinfold.ChannelSMS] = &content{
		Body: body, From: req.OriginationIdentity, raw: true,
		settings: otpSettings(req),
	}
	r := &recipient{
		endpoint: &pinfold.Endpoint{AppID: appID, ChannelType: string(pinfold.ChannelSMS), Address: req.DestinationIdentity},
		channel:  pinfold.ChannelSMS,
		address:  req.DestinationIdentity,
	}
	out, err := st.deliver(ctx, r)
	if err != nil {
		return nil, err
	}
	if out.status == shapes.DeliveryStatusSuccessful {
		now := s.now().UTC()
		otp := &pinfold.OTP{
			AppID: appID, Scope: scope,
			ReferenceID: req.ReferenceId, Destination: req.DestinationIdentity,
			CodeHash: HashOTP(code), AttemptsLeft: attempts,
			ExpiresAt: now.Add(time.Duration(validity) * time.Minute), CreatedAt: now,
		}
		if err := s.Store.PutOTP(ctx, otp); err != nil {
			return nil, err
		}
	}
	if err := st.flush(ctx); err != nil {
		return nil, err
	}
	return &shapes.MessageResponse{
		ApplicationId: appID,
		RequestId:     &st.reqID,
		Result:        map[string]shapes.MessageResult{req.DestinationIdentity: out.messageResult()},
	}, nil
}

// otpSettings are the request's members kept in the message's Details.
func otpSettings(req *shapes.SendOTPMessageRequestParameters) map[string]any {
	m := map[string]any{"MessageType": "TRANSACTIONAL", "ReferenceId": req.ReferenceId, "BrandName": req.BrandName}
	for k, v := range map[string]*string{"Language": req.Language, "EntityId": req.EntityId, "TemplateId": req.TemplateId} {
		if v != nil {
			m[k] = *v
		}
	}
	return m
}

// VerifyOTP answers VerifyOTPMessage: Valid is true when the app has a code
// for ReferenceId and DestinationIdentity equal to Otp, unexpired and with
// attempts left; it is then used up. A wrong code uses up one attempt.
// Errors: EINVALID for a missing member; ENOTFOUND "Application not found".
func (s *Service) VerifyOTP(ctx context.Context, scope pinfold.Scope, appID string, req *shapes.VerifyOTPMessageRequestParameters) (*shapes.VerificationResponse, error) {
	switch {
	case req.ReferenceId == "":
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing ReferenceId")
	case req.DestinationIdentity == "":
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing DestinationIdentity")
	case req.Otp == "":
		return nil, pinfold.Errorf(pinfold.EINVALID, "Missing Otp")
	}
	ok, err := s.Store.CheckOTP(ctx, scope, appID, req.ReferenceId, req.DestinationIdentity, HashOTP(req.Otp), s.now())
	if err != nil {
		return nil, err
	}
	return &shapes.VerificationResponse{Valid: &ok}, nil
}
