package storetest

import (
	"encoding/json"
	"fmt"

	"github.com/pinfold/pinfold"
)

// JSONCodec is a small pinfold.EndpointCodec for tests of stores:
// encoding/json of a private struct with every field of pinfold.Endpoint.
// It keeps strings verbatim, as the suite needs (see Run). Stores are tested
// with it where the wire codec is not wanted; it is not Pinpoint's format.
type JSONCodec struct{}

// jsonEndpoint is the encoded shape; its JSON keys are the Go field names.
type jsonEndpoint pinfold.Endpoint

// AppendEndpoint appends the JSON of e to dst. It panics when e cannot be
// encoded (a NaN or infinite metric), which a test codec may.
func (JSONCodec) AppendEndpoint(dst []byte, e *pinfold.Endpoint) []byte {
	b, err := json.Marshal((*jsonEndpoint)(e))
	if err != nil {
		panic(fmt.Sprintf("storetest: encode endpoint %s: %v", e.ID, err))
	}
	return append(dst, b...)
}

// DecodeEndpoint decodes data, as written by AppendEndpoint, into e.
func (JSONCodec) DecodeEndpoint(data []byte, e *pinfold.Endpoint) error {
	*e = pinfold.Endpoint{}
	if err := json.Unmarshal(data, (*jsonEndpoint)(e)); err != nil {
		return fmt.Errorf("decode endpoint: %w", err)
	}
	return nil
}
