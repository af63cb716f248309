package pinfold

import (
	"errors"
	"fmt"
)

// Application error codes. The api package maps each to an HTTP status and an
// AWS exception name; anything that is not an *Error is an internal error.
const (
	EINVALID   = "invalid"   // BadRequestException, 400
	EFORBIDDEN = "forbidden" // ForbiddenException, 403
	ENOTFOUND  = "not_found" // NotFoundException, 404
	ECONFLICT  = "conflict"  // ConflictException, 409
	ETOOLARGE  = "too_large" // PayloadTooLargeException, 413
	ETHROTTLED = "throttled" // TooManyRequestsException, 429
	EINTERNAL  = "internal"  // InternalServerErrorException, 500
)

// Error is pinfold's application error: a code from the set above and a
// message safe to show to the caller.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("pinfold error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, "" for nil and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, "" for nil
// and a generic message for any other error (whose details are for the log).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal server error"
}

// Messages the real service uses, kept identical.
const (
	MsgAppNotFound      = "Application not found"
	MsgResourceNotFound = "Resource not found"
	// MsgAttributeNamesQuota: an app would have more than
	// MaxAttributeNamesInApp custom attribute and metric names.
	MsgAttributeNamesQuota = "Exceeded maximum number of custom attribute names per application: 250"
	// MsgUserEndpointsQuota: a user would have more than
	// MaxEndpointsPerUser endpoints.
	MsgUserEndpointsQuota = "Exceeded maximum endpoint per user count: 15"
)
