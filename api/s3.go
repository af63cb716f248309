package api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/pinfold/pinfold/sigv4"
)

// s3SignatureErrors maps sigv4 failure kinds to S3's error codes.
var s3SignatureErrors = map[sigv4.Kind]string{
	sigv4.MissingAuthenticationToken: "AccessDenied",
	sigv4.IncompleteSignature:        "AuthorizationHeaderMalformed",
	sigv4.UnrecognizedClient:         "InvalidAccessKeyId",
	sigv4.InvalidSignature:           "SignatureDoesNotMatch",
	sigv4.SignatureExpired:           "RequestTimeTooSkewed",
	sigv4.RequestExpired:             "AccessDenied",
	sigv4.ContentSHA256Mismatch:      "XAmzContentSHA256Mismatch",
	sigv4.InvalidContentSHA256:       "InvalidArgument",
}

// writeS3Error writes an authentication failure of the embedded S3 endpoint
// as S3's XML error document.
func writeS3Error(w http.ResponseWriter, requestID string, err error) int {
	code, msg, status := "InternalError", "We encountered an internal error. Please try again.", http.StatusInternalServerError
	var sigErr *sigv4.Error
	if errors.As(err, &sigErr) {
		code, msg, status = s3SignatureErrors[sigErr.Kind], sigErr.Message, http.StatusForbidden
		if code == "" {
			code = "AccessDenied"
		}
		if code == "AuthorizationHeaderMalformed" || code == "XAmzContentSHA256Mismatch" || code == "InvalidArgument" {
			status = http.StatusBadRequest
		}
	}
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
	}{Code: code, Message: msg, RequestID: requestID})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", requestID)
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(body)
	return status
}
