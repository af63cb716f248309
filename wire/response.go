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

// AttributesResource returns an AttributesResource body (RemoveAttributes):
// ApplicationId, AttributeType (the attribute-type of the request) and
// Attributes, the names removed, always a list.
func AttributesResource(appID, attributeType string, names []string) []byte {
	o := jsontok.Open(make([]byte, 0, 128))
	o.Key("ApplicationId")
	o.B = jsontok.AppendString(o.B, appID)
	o.Key("AttributeType")
	o.B = jsontok.AppendString(o.B, attributeType)
	o.Key("Attributes")
	o.B = jsontok.AppendStringList(o.B, names)
	return o.Close()
}

// TagsModel returns a TagsModel body, {"tags":{...}} with the keys sorted
// ({} when there are none): the answer of ListTagsForResource.
func TagsModel(tags map[string]string) []byte {
	o := jsontok.Open(make([]byte, 0, 64))
	o.Key("tags")
	o.B = jsontok.AppendStringMap(o.B, tags)
	return o.Close()
}

// AppendExportJobResponse appends job, an export job, as an
// ExportJobResponse. Its members are in the model's (alphabetical) order;
// the counters come from job.Counters() and are always present, as in
// Pinpoint's answers; CompletionDate is left out until the job is finished;
// Failures is left out while there are none (Pinpoint's answers leave it
// out); Definition's SegmentId and SegmentVersion are left out when not
// given; Type is EXPORT.
func AppendExportJobResponse(dst []byte, job *pinfold.Job) []byte {
	return appendJobResponse(dst, job, pinfold.JobExport, func(d *jsontok.Object) {
		if def := job.Export; def != nil {
			d.Str("RoleArn", def.RoleARN)
			d.Str("S3UrlPrefix", def.S3URLPrefix)
			d.Str("SegmentId", def.SegmentID)
			if def.SegmentVersion != 0 {
				d.Int("SegmentVersion", int64(def.SegmentVersion))
			}
		}
	})
}

// appendJobResponse appends the members ExportJobResponse and
// ImportJobResponse share, in the model's order, with definition writing
// the members of Definition.
func appendJobResponse(dst []byte, job *pinfold.Job, typ pinfold.JobType, definition func(d *jsontok.Object)) []byte {
	totalPieces, completedPieces, failedPieces, totalProcessed, totalFailures := job.Counters()
	o := jsontok.Open(dst)
	o.Str("ApplicationId", job.AppID)
	o.Int("CompletedPieces", int64(completedPieces))
	if job.Status.Finished() && !job.CompletedAt.IsZero() {
		o.Str("CompletionDate", pinfold.FormatTime(job.CompletedAt))
	}
	o.Str("CreationDate", pinfold.FormatTime(job.CreatedAt))
	o.Key("Definition")
	d := jsontok.Open(o.B)
	definition(&d)
	o.B = d.Close()
	o.Int("FailedPieces", int64(failedPieces))
	if len(job.Failures) > 0 {
		o.Key("Failures")
		o.B = jsontok.AppendStringList(o.B, job.Failures)
	}
	o.Str("Id", job.ID)
	o.Str("JobStatus", string(job.Status))
	o.Int("TotalFailures", totalFailures)
	o.Int("TotalPieces", int64(totalPieces))
	o.Int("TotalProcessed", totalProcessed)
	o.Str("Type", string(typ))
	return o.Close()
}

// appendList writes the list responses (ApplicationsResponse,
// SegmentsResponse, ExportJobsResponse, ImportJobsResponse): Item, always a
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

// ExportJobResponse returns job as an ExportJobResponse body
// (CreateExportJob, GetExportJob); see AppendExportJobResponse.
func ExportJobResponse(job *pinfold.Job) []byte {
	return AppendExportJobResponse(make([]byte, 0, 512), job)
}

// ExportJobsResponse returns an ExportJobsResponse body (GetExportJobs):
// Item, always a list, and NextToken, left out when next is "".
func ExportJobsResponse(jobs []*pinfold.Job, next string) []byte {
	return appendList(jobs, next, 512, AppendExportJobResponse)
}
