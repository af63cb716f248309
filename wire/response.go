package wire

import (
	"github.com/pinfold/pinfold/internal/jsontok"
)

// MessageBody returns a MessageBody body, {"Message":...,"RequestID":...},
// both members always present: the answer of UpdateEndpoint and
// UpdateEndpointsBatch ("Accepted") and the body of every AWS error.
func MessageBody(message, requestID string) []byte {
	o := jsontok.Open(make([]byte, 0, 64+len(message)))
	o.Key("Message")
	o.B = jsontok.AppendString(o.B, message)
	o.Key("RequestID")
	o.B = jsontok.AppendString(o.B, requestID)
	return o.Close()
}

// appendList writes the list responses (EndpointsResponse, EventsResponse,
// SegmentsResponse): Item, always a
// list of item's encodings, and NextToken, left out when next is "". size
// is a guess of one item's encoded length.
func appendList[T any](items []T, next string, size int, item func([]byte, T) []byte) []byte {
	o := jsontok.Open(make([]byte, 0, 64+len(items)*size))
	o.Key("Item")
	o.B = append(o.B, '[')
	for i, it := range items {
		if i > 0 {
			o.B = append(o.B, ',')
		}
		o.B = item(o.B, it)
	}
	o.B = append(o.B, ']')
	o.Str("NextToken", next)
	return o.Close()
}
