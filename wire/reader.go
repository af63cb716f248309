package wire

import (
	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// reader is the JSON reader the decoders read with, plus what they need to
// know of Pinpoint while they read.
type reader struct {
	jsontok.Reader

	// quota makes the endpoint decoders enforce Pinpoint's endpoint quotas
	// as they read (request bodies; see quota.go). names counts the
	// attribute and metric names of the endpoint being read.
	quota bool
	names int
}

// newReader returns a reader over data (see jsontok.NewReader).
func newReader(data []byte, absentOK bool) (reader, error) {
	jr, err := jsontok.NewReader(data, absentOK)
	return reader{Reader: jr}, err
}

// parse runs fn over the single JSON value in data (see newReader) and
// checks that nothing but whitespace follows it.
func parse(data []byte, absentOK bool, fn func(r *reader) error) error {
	r, err := newReader(data, absentOK)
	if err != nil {
		return err
	}
	if err := fn(&r); err != nil {
		return err
	}
	return r.End()
}

// requestError turns a reader error into the EINVALID *pinfold.Error a
// request decoder returns.
func requestError(err error) error {
	switch e := err.(type) {
	case *jsontok.SyntaxError:
		return pinfold.Errorf(pinfold.EINVALID, "Malformed request body: %s", e.Error())
	case *jsontok.FieldError:
		if e.Path == "" {
			return pinfold.Errorf(pinfold.EINVALID, "Invalid request body: %s", e.Msg)
		}
		return pinfold.Errorf(pinfold.EINVALID, "Invalid value for field '%s': %s", e.Path, e.Msg)
	}
	return err
}
