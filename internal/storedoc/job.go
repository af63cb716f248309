package storedoc

import (
	"encoding/json"
	"fmt"

	"github.com/pinfold/pinfold"
)

// Job is the stored JSON of the parts of pinfold.Job without a column
// of their own: the stores' private shape, not a wire shape.
// Fields added after the first schema are absent from older rows and read
// as zero values.
type Job struct {
	Export         *exportData `json:"export,omitempty"`
	Import         *importData `json:"import,omitempty"`
	Snapshot       int64       `json:"snapshot,omitempty"`
	SegmentVersion int         `json:"segment_version,omitempty"`
	SegmentID      string      `json:"segment_id,omitempty"`
	Pieces         []pieceData `json:"pieces,omitempty"`
	Failures       []string    `json:"failures,omitempty"`
	CompletedAt    int64       `json:"completed_at,omitempty"` // Unix ms
}

type exportData struct {
	RoleARN        string `json:"role_arn"`
	S3URLPrefix    string `json:"s3_url_prefix"`
	SegmentID      string `json:"segment_id,omitempty"`
	SegmentVersion int    `json:"segment_version,omitempty"`
}

// importData keeps DefineSegment and RegisterEndpoints as pointers: a
// false that was given stays apart from one that was not.
type importData struct {
	Format            string `json:"format,omitempty"`
	RoleARN           string `json:"role_arn,omitempty"`
	S3URL             string `json:"s3_url,omitempty"`
	DefineSegment     *bool  `json:"define_segment,omitempty"`
	RegisterEndpoints *bool  `json:"register_endpoints,omitempty"`
	SegmentID         string `json:"segment_id,omitempty"`
	SegmentName       string `json:"segment_name,omitempty"`
	ExternalID        string `json:"external_id,omitempty"`
}

type pieceData struct {
	Index     int    `json:"index"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Key       string `json:"key,omitempty"`
	Count     int64  `json:"count"`
	Status    string `json:"status"`
	Processed int64  `json:"processed,omitempty"`
	Failed    int64  `json:"failed,omitempty"`
	Node      string `json:"node,omitempty"`
	Rows      int64  `json:"rows,omitempty"`
}

// EncodeJob returns the columns of j that change besides its status:
// segment_id, which ListJobs filters on, and data. The job's segment is
// Export.SegmentID for an export and SegmentID for an import (the segment
// it adds to, which an import that defines its segment learns while it
// runs: UpdateJob stores the column again).
func EncodeJob(j *pinfold.Job) (segmentID string, data []byte, err error) {
	d := Job{
		Snapshot:       j.Snapshot,
		SegmentVersion: j.SegmentVersion,
		SegmentID:      j.SegmentID,
		Failures:       j.Failures,
		CompletedAt:    toMillis(j.CompletedAt),
	}
	if x := j.Export; x != nil {
		d.Export = &exportData{x.RoleARN, x.S3URLPrefix, x.SegmentID, x.SegmentVersion}
	}
	if x := j.Import; x != nil {
		d.Import = &importData{x.Format, x.RoleARN, x.S3URL, x.DefineSegment, x.RegisterEndpoints,
			x.SegmentID, x.SegmentName, x.ExternalID}
	}
	switch {
	case j.Type == pinfold.JobImport:
		segmentID = j.SegmentID
	case j.Export != nil:
		segmentID = j.Export.SegmentID
	}
	if len(j.Pieces) > 0 {
		d.Pieces = make([]pieceData, len(j.Pieces))
		for i, p := range j.Pieces {
			d.Pieces[i] = pieceData{p.Index, p.From, p.To, p.Key, p.Count, string(p.Status), p.Processed, p.Failed, p.Node, p.Rows}
		}
	}
	data, err = json.Marshal(&d)
	return segmentID, data, err
}

// DecodeJob fills in j's fields kept in data, a document EncodeJob made.
func DecodeJob(j *pinfold.Job, data []byte) error {
	var d Job
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("decode job %s: %w", j.ID, err)
	}
	j.Snapshot, j.Failures, j.CompletedAt = d.Snapshot, d.Failures, fromMillis(d.CompletedAt)
	j.SegmentVersion, j.SegmentID = d.SegmentVersion, d.SegmentID
	if x := d.Export; x != nil {
		j.Export = &pinfold.ExportDefinition{RoleARN: x.RoleARN, S3URLPrefix: x.S3URLPrefix,
			SegmentID: x.SegmentID, SegmentVersion: x.SegmentVersion}
	}
	if x := d.Import; x != nil {
		j.Import = &pinfold.ImportDefinition{Format: x.Format, RoleARN: x.RoleARN, S3URL: x.S3URL,
			DefineSegment: x.DefineSegment, RegisterEndpoints: x.RegisterEndpoints, SegmentID: x.SegmentID,
			SegmentName: x.SegmentName, ExternalID: x.ExternalID}
	}
	if len(d.Pieces) > 0 {
		j.Pieces = make([]pinfold.JobPiece, len(d.Pieces))
		for i, p := range d.Pieces {
			j.Pieces[i] = pinfold.JobPiece{Index: p.Index, From: p.From, To: p.To, Key: p.Key, Count: p.Count,
				Status: pinfold.PieceStatus(p.Status), Processed: p.Processed, Failed: p.Failed, Node: p.Node, Rows: p.Rows}
		}
	}
	return nil
}
