package wire

import (
	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// DecodeImportJobRequest decodes an ImportJobRequest body (CreateImportJob):
// DefineSegment, ExternalId, Format, RegisterEndpoints, RoleArn, S3Url,
// SegmentId and SegmentName. The booleans are nil when absent or null.
//
// It checks presence and types, and Format's enumeration (CSV or JSON,
// exactly); the caller validates the ARN, the URL and the segment. The
// model's required members are Format, RoleArn and S3Url. Errors are
// EINVALID *pinfold.Error: "Missing Format", "Missing RoleArn" or
// "Missing S3Url" when absent or empty, "Invalid value for field 'Format':
// expected CSV or JSON", a member of the wrong type, or a malformed body.
func DecodeImportJobRequest(body []byte) (pinfold.ImportDefinition, error) {
	var def pinfold.ImportDefinition
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"DefineSegment", "ExternalId", "Format", "RegisterEndpoints", "RoleArn", "S3Url",
			"SegmentId", "SegmentName"}, func(f string) (err error) {
			switch f {
			case "DefineSegment":
				def.DefineSegment, err = r.BoolPtr()
			case "ExternalId":
				def.ExternalID, err = r.Str()
			case "Format":
				if def.Format, err = r.Str(); err == nil && def.Format != "" &&
					def.Format != pinfold.FormatCSV && def.Format != pinfold.FormatJSON {
					err = &jsontok.FieldError{Msg: "expected CSV or JSON"}
				}
			case "RegisterEndpoints":
				def.RegisterEndpoints, err = r.BoolPtr()
			case "RoleArn":
				def.RoleARN, err = r.Str()
			case "S3Url":
				def.S3URL, err = r.Str()
			case "SegmentId":
				def.SegmentID, err = r.Str()
			case "SegmentName":
				def.SegmentName, err = r.Str()
			}
			return err
		})
	})
	switch {
	case err != nil:
		return pinfold.ImportDefinition{}, requestError(err)
	case def.Format == "":
		return pinfold.ImportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Missing Format")
	case def.RoleARN == "":
		return pinfold.ImportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Missing RoleArn")
	case def.S3URL == "":
		return pinfold.ImportDefinition{}, pinfold.Errorf(pinfold.EINVALID, "Missing S3Url")
	}
	return def, nil
}

// appendSegmentImport writes a SegmentImportResource: ChannelCounts (keys
// sorted, {} when there are none), ExternalId, Format, RoleArn, S3Url and
// Size, all always written (all but ChannelCounts are required).
func appendSegmentImport(dst []byte, imp *pinfold.SegmentImportDefinition) []byte {
	o := jsontok.Open(dst)
	o.Key("ChannelCounts")
	var buf [16]jsontok.Entry[int]
	c := jsontok.Open(o.B)
	for _, e := range jsontok.SortedEntries(buf[:], imp.ChannelCounts) {
		c.Int(e.K, int64(e.V))
	}
	o.B = c.Close()
	for _, m := range [...]struct{ k, v string }{
		{"ExternalId", imp.ExternalID}, {"Format", imp.Format}, {"RoleArn", imp.RoleARN}, {"S3Url", imp.S3URL},
	} {
		o.Key(m.k)
		o.B = jsontok.AppendString(o.B, m.v)
	}
	o.Int("Size", int64(imp.Size))
	return o.Close()
}
