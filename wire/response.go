package wire

import (
	"github.com/pinfold/pinfold"
)

// AppendApplicationResponse appends app as an ApplicationResponse: Arn, Id,
// Name, tags ({} when it has none) and CreationDate (left out when zero).
func AppendApplicationResponse(dst []byte, app *pinfold.App) []byte {
	o := open(dst)
	o.str("Arn", app.ARN())
	o.str("Id", app.ID)
	o.str("Name", app.Name)
	o.key("tags")
	o.b = appendStringMap(o.b, app.Tags)
	if !app.CreatedAt.IsZero() {
		o.str("CreationDate", pinfold.FormatTime(app.CreatedAt))
	}
	return o.close()
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
	o := open(make([]byte, 0, 64+len(message)))
	o.key("Message")
	o.b = appendString(o.b, message)
	o.key("RequestID")
	o.b = appendString(o.b, requestID)
	return o.close()
}

// AttributesResource returns an AttributesResource body (RemoveAttributes):
// ApplicationId, AttributeType (the attribute-type of the request) and
// Attributes, the names removed, always a list.
func AttributesResource(appID, attributeType string, names []string) []byte {
	o := open(make([]byte, 0, 128))
	o.key("ApplicationId")
	o.b = appendString(o.b, appID)
	o.key("AttributeType")
	o.b = appendString(o.b, attributeType)
	o.key("Attributes")
	o.b = appendStringList(o.b, names)
	return o.close()
}

// TagsModel returns a TagsModel body, {"tags":{...}} with the keys sorted
// ({} when there are none): the answer of ListTagsForResource.
func TagsModel(tags map[string]string) []byte {
	o := open(make([]byte, 0, 64))
	o.key("tags")
	o.b = appendStringMap(o.b, tags)
	return o.close()
}

// AppendExportJobResponse appends job, an export job, as an
// ExportJobResponse. Its members are in the model's (alphabetical) order;
// the counters come from job.Counters() and are always present, as in
// Pinpoint's answers; CompletionDate is left out until the job is finished;
// Failures is left out while there are none (Pinpoint's answers leave it
// out); Definition's SegmentId and SegmentVersion are left out when not
// given; Type is EXPORT.
func AppendExportJobResponse(dst []byte, job *pinfold.Job) []byte {
	return appendJobResponse(dst, job, pinfold.JobExport, func(d *object) {
		if def := job.Export; def != nil {
			d.str("RoleArn", def.RoleARN)
			d.str("S3UrlPrefix", def.S3URLPrefix)
			d.str("SegmentId", def.SegmentID)
			if def.SegmentVersion != 0 {
				d.int("SegmentVersion", int64(def.SegmentVersion))
			}
		}
	})
}

// appendJobResponse appends the members ExportJobResponse and
// ImportJobResponse share, in the model's order, with definition writing
// the members of Definition.
func appendJobResponse(dst []byte, job *pinfold.Job, typ pinfold.JobType, definition func(d *object)) []byte {
	totalPieces, completedPieces, failedPieces, totalProcessed, totalFailures := job.Counters()
	o := open(dst)
	o.str("ApplicationId", job.AppID)
	o.int("CompletedPieces", int64(completedPieces))
	if job.Status.Finished() && !job.CompletedAt.IsZero() {
		o.str("CompletionDate", pinfold.FormatTime(job.CompletedAt))
	}
	o.str("CreationDate", pinfold.FormatTime(job.CreatedAt))
	o.key("Definition")
	d := open(o.b)
	definition(&d)
	o.b = d.close()
	o.int("FailedPieces", int64(failedPieces))
	if len(job.Failures) > 0 {
		o.key("Failures")
		o.b = appendStringList(o.b, job.Failures)
	}
	o.str("Id", job.ID)
	o.str("JobStatus", string(job.Status))
	o.int("TotalFailures", totalFailures)
	o.int("TotalPieces", int64(totalPieces))
	o.int("TotalProcessed", totalProcessed)
	o.str("Type", string(typ))
	return o.close()
}

// appendList writes the list responses (ApplicationsResponse,
// SegmentsResponse, ExportJobsResponse, ImportJobsResponse): Item, always a
// list of item's encodings, and NextToken, left out when next is "". size
// is a guess of one item's encoded length.
func appendList[T any](items []T, next string, size int, item func([]byte, T) []byte) []byte {
	o := open(make([]byte, 0, 64+len(items)*size))
	o.key("Item")
	o.b = append(o.b, '[')
	for i, it := range items {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = item(o.b, it)
	}
	o.b = append(o.b, ']')
	o.str("NextToken", next)
	return o.close()
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
