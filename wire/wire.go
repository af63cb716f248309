// Package wire holds Amazon Pinpoint's JSON shapes (botocore model
// pinpoint 2016-12-01, protocol rest-json) and the conversions between them
// and the domain types of package pinfold. The api package decodes request
// bodies and encodes responses with it; stores keep endpoints in the form
// Codec writes, which is the line Pinpoint's export jobs write, so an export
// and GetEndpoint cannot drift apart.
//
// # Decoding requests
//
// The Decode functions take a request body (the bare payload structure) and
// return domain values. They are strict about types and lenient about keys,
// as AWS is: a member of the wrong type is an EINVALID *pinfold.Error naming
// the member's path ("Invalid value for field 'Item[3].Metrics.score':
// expected a number"), malformed JSON is EINVALID "Malformed request body:
// ..." (the syntax encoding/json accepts, no more and no less), unknown keys
// are ignored, keys match the model's member names exactly or, failing
// that, case-insensitively (as encoding/json matches), and an explicit null
// is the same as an absent member (a null list element or map value is
// skipped). An empty body or a bare null is read as {}. Integers
// (__integer) accept any number with an integral value in the 32-bit range.
// Decoders check presence and types; value rules (enumerations, lengths,
// ARNs) are the caller's, through pinfold's Validate functions, except the
// few noted on each function.
//
// # Encoding responses
//
// The response functions return the bare payload structure as compact JSON,
// with strings escaped as encoding/json escapes them without HTML escaping,
// dates as pinfold.FormatTime strings and map keys sorted. Which empty
// members are left out is documented on each function.
//
// The package uses no reflection: it reads and writes JSON by hand, because
// UpdateEndpointsBatch decoding and endpoint encoding are on the hot path of
// imports, exports and batch updates.
package wire
