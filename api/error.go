package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sigv4"
)

// exception is how one error code appears on the wire.
type exception struct {
	status int
	name   string
}

// exceptions is the one table from application error codes to Pinpoint's
// HTTP statuses and exception names.
var exceptions = map[string]exception{
	pinfold.EINVALID:   {http.StatusBadRequest, "BadRequestException"},
	pinfold.EFORBIDDEN: {http.StatusForbidden, "ForbiddenException"},
	pinfold.ENOTFOUND:  {http.StatusNotFound, "NotFoundException"},
	pinfold.ECONFLICT:  {http.StatusConflict, "ConflictException"},
	pinfold.ETOOLARGE:  {http.StatusRequestEntityTooLarge, "PayloadTooLargeException"},
	pinfold.ETHROTTLED: {http.StatusTooManyRequests, "TooManyRequestsException"},
	pinfold.EINTERNAL:  {http.StatusInternalServerError, "InternalServerErrorException"},
}

// msgInternal is the message of an internal error whose details are only
// for the log.
const msgInternal = "Internal server error"

// methodNotAllowedError is returned for a known path with a method it lacks.
type methodNotAllowedError struct{}

func (methodNotAllowedError) Error() string { return "method not allowed" }

// notImplementedError is returned for an operation of the model that
// pinfold does not answer yet: 501 NotImplementedException, a code no client
// takes for a missing resource.
type notImplementedError struct{ op string }

func (e notImplementedError) Error() string { return "pinfold does not implement " + e.op + " yet" }

// signatureExceptions maps sigv4 failure kinds to the names AWS's Pinpoint
// endpoint (fronted by API Gateway) uses. All are 403.
var signatureExceptions = map[sigv4.Kind]string{
	sigv4.MissingAuthenticationToken: "MissingAuthenticationTokenException",
	sigv4.IncompleteSignature:        "IncompleteSignatureException",
	sigv4.UnrecognizedClient:         "UnrecognizedClientException",
	sigv4.InvalidSignature:           "InvalidSignatureException",
	sigv4.SignatureExpired:           "InvalidSignatureException",
	sigv4.RequestExpired:             "InvalidSignatureException",
	sigv4.ContentSHA256Mismatch:      "InvalidSignatureException",
	sigv4.InvalidContentSHA256:       "InvalidSignatureException",
}

// writeError writes err as Pinpoint's error envelope: the x-amzn-ErrorType
// header, the request ID header (already set) and a JSON body with Message
// and RequestID. Errors that are not application errors are logged and
// reported as a generic internal error.
func writeError(w http.ResponseWriter, log *slog.Logger, requestID string, err error) int {
	status, name, msg := http.StatusInternalServerError, "InternalServerErrorException", pinfold.ErrorMessage(err)
	var sigErr *sigv4.Error
	switch {
	case errors.As(err, &sigErr):
		status, name, msg = http.StatusForbidden, signatureExceptions[sigErr.Kind], sigErr.Message
		if name == "" {
			name = "AccessDeniedException"
		}
	case errors.As(err, new(methodNotAllowedError)):
		status, name, msg = http.StatusMethodNotAllowed, "MethodNotAllowedException", "Method not allowed"
	case errors.As(err, new(notImplementedError)):
		status, name, msg = http.StatusNotImplemented, "NotImplementedException", err.Error()
	default:
		code := pinfold.ErrorCode(err)
		if code == pinfold.EINTERNAL {
			log.Error("internal error", "request_id", requestID, "err", err)
		}
		e, ok := exceptions[code]
		if !ok {
			// A code outside the table is a programming error: report
			// it as internal rather than write status 0.
			log.Error("internal error", "request_id", requestID, "err", err)
			e, msg = exceptions[pinfold.EINTERNAL], msgInternal
		}
		status, name = e.status, e.name
	}
	body, _ := json.Marshal(struct {
		Message   string `json:"Message"`
		RequestID string `json:"RequestID"`
	}{msg, requestID})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", name)
	w.WriteHeader(status)
	w.Write(body)
	return status
}
