package wire

import (
	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// AppendApplicationResponse appends app as an ApplicationResponse: Arn, Id,
// Name, tags ({} when it has none) and CreationDate (left out when zero).
func AppendApplicationResponse(dst []byte, app *pinfold.App) []byte {
	o := jsontok.Open(dst)
	o.Str("Arn", app.ARN())
	o.Str("Id", app.ID)
	o.Str("Name", app.Name)
	o.Key("tags")
	o.B = jsontok.AppendStringMap(o.B, app.Tags)
	if !app.CreatedAt.IsZero() {
		o.Str("CreationDate", pinfold.FormatTime(app.CreatedAt))
	}
	return o.Close()
}

// ApplicationResponse returns app as an ApplicationResponse body
// (CreateApp, GetApp, DeleteApp).
func ApplicationResponse(app *pinfold.App) []byte {
	return AppendApplicationResponse(make([]byte, 0, 256), app)
}

// ApplicationsResponse returns an ApplicationsResponse body (GetApps): Item,
// always a list, and NextToken, left out when next is "".
func ApplicationsResponse(apps []*pinfold.App, next string) []byte {
	return appendList(apps, next, 256, AppendApplicationResponse)
}

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

// appendList writes the list responses (ApplicationsResponse,
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
