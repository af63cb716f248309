package sigv4

import "fmt"

// Kind classifies a verification failure. Callers map kinds to their wire
// names: the Pinpoint API (API Gateway style, all 403) and the embedded S3
// endpoint use different names for the same condition.
//
//	Kind                        Pinpoint exception                   S3 code
//	MissingAuthenticationToken  MissingAuthenticationTokenException  AccessDenied
//	IncompleteSignature         IncompleteSignatureException         AuthorizationHeaderMalformed /
//	                                                                 AuthorizationQueryParametersError (presigned)
//	UnrecognizedClient          UnrecognizedClientException          InvalidAccessKeyId
//	InvalidSignature            InvalidSignatureException            SignatureDoesNotMatch
//	SignatureExpired            InvalidSignatureException            RequestTimeTooSkewed
//	RequestExpired              InvalidSignatureException            AccessDenied
//	ContentSHA256Mismatch       InvalidSignatureException            XAmzContentSHA256Mismatch (400)
//	InvalidContentSHA256        InvalidSignatureException            InvalidRequest / InvalidArgument (400)
type Kind string

// The kinds of verification failure.
const (
	// MissingAuthenticationToken: the request carries no Authorization
	// header and no presigned query parameters.
	MissingAuthenticationToken Kind = "MissingAuthenticationToken"
	// IncompleteSignature: the Authorization header or the presigned query
	// parameters are malformed or incomplete (missing Credential, Signature,
	// SignedHeaders, date; bad credential scope; scope date not the request
	// date; host not signed; bad X-Amz-Expires; both auth forms at once).
	IncompleteSignature Kind = "IncompleteSignature"
	// UnrecognizedClient: the access key ID is not known to Lookup.
	UnrecognizedClient Kind = "UnrecognizedClient"
	// InvalidSignature: the signature does not match the request, or a
	// signed header is missing from it.
	InvalidSignature Kind = "InvalidSignature"
	// SignatureExpired: the request time (X-Amz-Date or Date) is more than
	// MaxSkew away from the verifier's clock.
	SignatureExpired Kind = "SignatureExpired"
	// RequestExpired: a presigned URL used after X-Amz-Date + X-Amz-Expires,
	// or more than MaxSkew before its X-Amz-Date.
	RequestExpired Kind = "RequestExpired"
	// ContentSHA256Mismatch: the request is correctly signed but the body
	// the caller hashed is not the one the x-amz-content-sha256 header
	// (or X-Amz-Content-Sha256 query parameter) names.
	ContentSHA256Mismatch Kind = "ContentSHA256Mismatch"
	// InvalidContentSHA256: the x-amz-content-sha256 value is neither a
	// SHA-256 hex digest nor one of the documented special values, or it
	// is missing although the caller did not hash the body.
	InvalidContentSHA256 Kind = "InvalidContentSHA256"
)

// Error is a verification failure: a Kind for the caller's error mapping and
// a message worded as AWS words it, safe to return to the client.
type Error struct {
	Kind    Kind
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("sigv4: %s: %s", e.Kind, e.Message)
}

func errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Messages AWS uses, kept identical.
const (
	msgMissingToken     = "Missing Authentication Token"
	msgUnrecognized     = "The security token included in the request is invalid."
	msgInvalidSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgBothAuthForms   = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
	msgUnsupportedAlgo = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
	msgQueryParams     = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
		"X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgRequestExpired     = "Request has expired"
	msgRequestNotYetValid = "Request is not valid yet"
	msgMissingContentSHA  = "Missing required header for this request: x-amz-content-sha256"
	msgBadContentSHA      = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, " +
		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
	msgContentSHAMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
)
