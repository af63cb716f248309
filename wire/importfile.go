package wire

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// MaxImportLine is the longest JSON line an ImportReader reads, in bytes
// without its line end, and about the longest CSV record (line ends and
// blank lines before it included).
const MaxImportLine = 1 << 20

// importBufferSize is the ImportReader's read buffer.
const importBufferSize = 64 << 10

// ImportRecord is one row of an import file.
type ImportRecord struct {
	// Update is the row as an endpoint update, not validated (call
	// Update.Validate). Its ID is the row's Id or, when the row has none
	// but has an Address, DerivedEndpointID(Address); it stays "" for a
	// user-only row or a row with neither Id nor Address.
	Update pinfold.EndpointUpdate
	// Line is the row's line in the file, counted from 1 (for CSV, the
	// line its record starts on).
	Line int
	// UserOnly marks a row that names a user and no endpoint: it selects
	// that user's endpoints (for the segment an import defines) instead of
	// updating one. A CSV row is user-only when it has a User.UserId but no
	// Id, Address or ChannelType (its other cells stay in Update); a JSON
	// row when its only member is User with only a UserId.
	UserOnly bool
}

// RowError is a problem with one row of an import file: the row is skipped
// and the ImportReader stays usable.
type RowError struct {
	Line   int    // the row's line, counted from 1
	Reason string // what is wrong, naming the field or column
}

func (e *RowError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Reason }

// DerivedEndpointID returns the endpoint ID Pinpoint gives an imported row
// without an Id: the SHA-1 of address, base64-encoded with the standard
// alphabet and without '=' padding, then lowercased.
func DerivedEndpointID(address string) string {
	sum := sha1.Sum([]byte(address))
	var buf [27]byte // base64.RawStdEncoding.EncodedLen(sha1.Size)
	base64.RawStdEncoding.Encode(buf[:], sum[:])
	for i, c := range buf {
		if 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return string(buf[:])
}

// ImportReader reads the rows of one import file, in CSV or JSON format, as
// endpoint updates. A UTF-8 byte order mark at the start of the file is
// skipped. It is not safe for concurrent use.
//
// JSON files are newline-delimited objects, each an EndpointBatchItem (an
// EndpointRequest with Id), which is what Pinpoint's export lines are: the
// members of Codec.AppendEndpoint's line are read, except ApplicationId,
// CreationDate and CohortId, which are ignored, as are unknown members.
// Members are read as DecodeEndpointBatch reads an item (null is absent,
// keys match case-insensitively). Blank lines are skipped; CRLF line ends
// are accepted.
//
// CSV files (RFC 4180, read with encoding/csv) start with a header row
// naming each column: Id, Address, ChannelType, EffectiveDate,
// EndpointStatus, OptOut, RequestId, Location.Latitude,
// Location.Longitude, Location.PostalCode, Location.City,
// Location.Region, Location.Country, Demographic.Make, Demographic.Model,
// Demographic.ModelVersion, Demographic.Timezone, Demographic.AppVersion,
// Demographic.Platform, Demographic.PlatformVersion, Demographic.Locale,
// User.UserId, Attributes.<name>, User.UserAttributes.<name> and
// Metrics.<name>. Names match exactly or, failing that, case-insensitively
// (attribute names are kept as written). Repeating an Attributes or
// User.UserAttributes column gives the attribute one value per column, in
// column order; empty cells are absent. Cells are taken as they are (not
// trimmed); Metrics and Location coordinates are numbers as
// strconv.ParseFloat reads them, finite. A row of empty cells is skipped
// like a blank line. An unknown column makes the whole file unusable rather
// than drop its data silently.
//
// A CSV record that cannot be read (malformed quoting, or longer than about
// MaxImportLine: an unterminated quote, usually) is one bad row, the line it
// starts on, and reading goes on at the next line: the lines a broken quoted
// field took in are read again, each as a record of its own line (a record
// among them that does not end on its line is a bad row too), so that no row
// after a broken quote is lost or swallowed uncounted. Each byte of the file
// is parsed at most about twice.
type ImportReader struct {
	format  string
	src     *importSource
	br      *bufio.Reader
	err     error // sticky: io.EOF or a fatal error
	started bool

	// JSON
	line int
	long []byte // a line longer than the buffer
	dec  reader

	// CSV
	csv    *csv.Reader
	cols   []csvColumn
	groups []csvGroup // the attribute columns, by attribute
	nStr   int        // columns read into *string
	nAttr  int        // attribute columns
	nMet   int        // metric columns
	// Offsets are in the file, lines counted from 1. The CSV reader's
	// input starts at offset csvBase, which is on line lineBase+1.
	csvBase  int64
	lineBase int
	recStart int64 // offset of the record being read
	recLine  int   // the line recStart is on
	// recoverEnd ends the lines read again after a bad record: a record
	// starting before it must end on its own line.
	recoverEnd  int64
	lineLimited bool // the cap of the record being read is its line's end
}

// NewImportReader returns a reader of the rows of r, a file in format
// (pinfold.FormatCSV or pinfold.FormatJSON).
//
// Next returns the rows in order and io.EOF after the last. A problem with
// one row (malformed JSON or CSV quoting, a value of the wrong type such as
// a Metrics or Location.Latitude that is no number, invalid UTF-8, a JSON
// line longer than MaxImportLine, a CSV row with another number of fields
// than the header, a CSV record longer than about MaxImportLine) is a
// *RowError: count it and call Next again. Any other error is fatal and
// Next keeps returning it: an EINVALID *pinfold.Error for a format other
// than CSV or JSON or a CSV header that cannot be used (an unknown or empty
// column name, invalid UTF-8, malformed quoting, a column other than
// Attributes.* or User.UserAttributes.* given twice, a header longer than
// about MaxImportLine); the error of r, wrapped, when reading fails.
func NewImportReader(format string, r io.Reader) *ImportReader {
	src := &importSource{r: r, limit: -1, keep: format == pinfold.FormatCSV}
	return &ImportReader{format: format, src: src, br: bufio.NewReaderSize(src, importBufferSize)}
}

// Next returns the next row; see NewImportReader for its errors.
func (ir *ImportReader) Next() (ImportRecord, error) {
	if ir.err != nil {
		return ImportRecord{}, ir.err
	}
	if !ir.started {
		ir.started = true
		if err := ir.start(); err != nil {
			ir.err = err
			return ImportRecord{}, err
		}
	}
	var rec ImportRecord
	var err error
	if ir.format == pinfold.FormatCSV {
		rec, err = ir.nextCSV()
	} else {
		rec, err = ir.nextJSON()
	}
	if err != nil {
		if _, ok := err.(*RowError); !ok {
			ir.err = err
		}
		return ImportRecord{}, err
	}
	return rec, nil
}

// start checks the format and skips a byte order mark.
func (ir *ImportReader) start() error {
	if ir.format != pinfold.FormatCSV && ir.format != pinfold.FormatJSON {
		return pinfold.Errorf(pinfold.EINVALID, "Invalid import format %q: must be CSV or JSON", ir.format)
	}
	b, err := ir.br.Peek(3)
	switch {
	case err == nil || err == io.EOF:
	default:
		return fmt.Errorf("read import file: %w", err)
	}
	if string(b) == "\uFEFF" {
		ir.csvBase = 3
		_, _ = ir.br.Discard(3)
	}
	if ir.format == pinfold.FormatCSV {
		ir.newCSV()
		return ir.readHeader()
	}
	return nil
}

// newCSV starts a CSV reader on br, at file offset csvBase.
func (ir *ImportReader) newCSV() {
	ir.csv = csv.NewReader(ir.br) // uses br as it is: it is big enough
	ir.csv.FieldsPerRecord = -1
	ir.csv.ReuseRecord = true
}

// isBlank reports whether line holds only JSON whitespace.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func (ir *ImportReader) nextJSON() (ImportRecord, error) {
	for {
		line, tooLong, err := ir.readLine()
		if err != nil {
			return ImportRecord{}, err
		}
		ir.line++
		switch {
		case tooLong:
			return ImportRecord{}, &RowError{Line: ir.line, Reason: "line longer than " + strconv.Itoa(MaxImportLine) + " bytes"}
		case isBlank(line):
			continue
		case !utf8.Valid(line):
			return ImportRecord{}, &RowError{Line: ir.line, Reason: "invalid UTF-8"}
		}
		d := &ir.dec
		d.Reset(line)
		d.ShareAll()
		rec := ImportRecord{Line: ir.line}
		u := &rec.Update
		err = decodeEndpointUpdate(d, u, true)
		if err == nil {
			err = d.End()
		}
		d.Reset(nil) // the line is bufio's: keep no reference to it
		if err != nil {
			return ImportRecord{}, &RowError{Line: ir.line, Reason: rowReason(err)}
		}
		rec.UserOnly = u.ID == "" && u.Address == nil && u.ChannelType == nil && u.EndpointStatus == nil &&
			u.OptOut == nil && u.RequestID == nil && u.EffectiveDate == nil && u.Location == nil &&
			u.Demographic == nil && u.Attributes == nil && u.Metrics == nil &&
			u.User != nil && u.User.UserID != nil && *u.User.UserID != "" && u.User.UserAttributes == nil
		deriveID(&rec)
		return rec, nil
	}
}

// rowReason describes a reader error for a RowError.
func rowReason(err error) string {
	switch e := err.(type) {
	case *jsontok.SyntaxError:
		return "malformed JSON: " + e.Error()
	case *jsontok.FieldError:
		if e.Path == "" {
			return "invalid row: " + e.Msg
		}
		return "invalid value for field '" + e.Path + "': " + e.Msg
	}
	return err.Error()
}

// deriveID gives a row without Id the ID Pinpoint derives from its Address.
func deriveID(rec *ImportRecord) {
	u := &rec.Update
	if u.ID == "" && !rec.UserOnly && u.Address != nil && *u.Address != "" {
		u.ID = DerivedEndpointID(*u.Address)
	}
}

// readLine returns the next line without its line end (valid until the
// next read), whether it was longer than MaxImportLine (then its content
// is not returned), or io.EOF after the last line.
func (ir *ImportReader) readLine() (line []byte, tooLong bool, err error) {
	line, err = ir.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		ir.long = append(ir.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = ir.br.ReadSlice('\n')
			if !tooLong && len(ir.long)+len(line) <= MaxImportLine+2 {
				ir.long = append(ir.long, line...)
			} else {
				tooLong = true
			}
		}
		line = ir.long
	}
	switch {
	case err == io.EOF:
		if len(line) == 0 {
			return nil, false, io.EOF
		}
	case err != nil:
		return nil, false, fmt.Errorf("read import file: %w", err)
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	if tooLong || len(line) > MaxImportLine {
		return nil, true, nil
	}
	return line, false, nil
}

// csvKind is what a CSV column holds.
type csvKind uint8

// The CSV column kinds; the single-valued ones first, in csvNames' order.
const (
	csvID csvKind = iota
	csvAddress
	csvChannelType
	csvEffectiveDate
	csvEndpointStatus
	csvOptOut
	csvRequestID
	csvLatitude
	csvLongitude
	csvPostalCode
	csvCity
	csvRegion
	csvCountry
	csvMake
	csvModel
	csvModelVersion
	csvTimezone
	csvAppVersion
	csvPlatform
	csvPlatformVersion
	csvLocale
	csvUserID
	csvAttribute     // Attributes.<name>
	csvUserAttribute // User.UserAttributes.<name>
	csvMetric        // Metrics.<name>
)

// csvSingle is the number of single-valued kinds.
const csvSingle = csvAttribute

// csvColumn is one column of a CSV file.
type csvColumn struct {
	kind  csvKind
	name  string // the attribute or metric name
	title string // the header cell, for messages
}

// csvGroup is the columns of one attribute.
type csvGroup struct {
	user bool // a User.UserAttributes attribute
	name string
	cols []int
}

// csvSingleKind returns the kind of a single-valued column name.
func csvSingleKind(name string) (csvKind, bool) {
	names := [csvSingle]string{
		csvID: "Id", csvAddress: "Address", csvChannelType: "ChannelType", csvEffectiveDate: "EffectiveDate",
		csvEndpointStatus: "EndpointStatus", csvOptOut: "OptOut", csvRequestID: "RequestId",
		csvLatitude: "Location.Latitude", csvLongitude: "Location.Longitude", csvPostalCode: "Location.PostalCode",
		csvCity: "Location.City", csvRegion: "Location.Region", csvCountry: "Location.Country",
		csvMake: "Demographic.Make", csvModel: "Demographic.Model", csvModelVersion: "Demographic.ModelVersion",
		csvTimezone: "Demographic.Timezone", csvAppVersion: "Demographic.AppVersion", csvPlatform: "Demographic.Platform",
		csvPlatformVersion: "Demographic.PlatformVersion", csvLocale: "Demographic.Locale", csvUserID: "User.UserId",
	}
	for k, n := range names {
		if name == n {
			return csvKind(k), true
		}
	}
	for k, n := range names {
		if strings.EqualFold(name, n) {
			return csvKind(k), true
		}
	}
	return 0, false
}

// cutPrefixFold is strings.CutPrefix with the prefix matched
// case-insensitively.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// headerError is the fatal error of an unusable CSV header.
func headerError(format string, args ...any) error {
	return pinfold.Errorf(pinfold.EINVALID, "CSV header: "+format, args...)
}

// readHeader reads the header row and plans the columns. A file without
// one is empty (io.EOF).
func (ir *ImportReader) readHeader() error {
	ir.armCap()
	header, err := ir.csv.Read()
	if err != nil {
		if err == io.EOF {
			return err
		}
		return ir.csvFatal(err, "CSV header")
	}
	ir.recordRead(header)
	type attrKey struct {
		user bool
		name string
	}
	groupOf := map[attrKey]int{}
	seenKind := map[csvKind]bool{}
	seenMetric := map[string]bool{}
	repeated := func(title string) error {
		return headerError("column %q is repeated; only Attributes.* and User.UserAttributes.* columns may repeat", jsontok.Clip(title))
	}
	ir.cols = make([]csvColumn, len(header))
	for i, title := range header {
		col := csvColumn{title: title}
		if !utf8.ValidString(title) {
			return headerError("column %d is not valid UTF-8", i+1)
		}
		if title == "" {
			return headerError("column %d has no name", i+1)
		}
		var ok bool
		if col.kind, ok = csvSingleKind(title); ok {
			ir.cols[i] = col
			switch col.kind {
			case csvAddress, csvChannelType, csvEffectiveDate, csvEndpointStatus, csvOptOut, csvRequestID, csvUserID:
				ir.nStr++
			}
			if seenKind[col.kind] {
				return repeated(title)
			}
			seenKind[col.kind] = true
			continue
		}
		var group *attrKey
		if name, ok := cutPrefixFold(title, "Attributes."); ok {
			col.kind, col.name, group = csvAttribute, name, &attrKey{false, name}
		} else if name, ok := cutPrefixFold(title, "User.UserAttributes."); ok {
			col.kind, col.name, group = csvUserAttribute, name, &attrKey{true, name}
		} else if name, ok := cutPrefixFold(title, "Metrics."); ok {
			col.kind, col.name = csvMetric, name
			if seenMetric[name] {
				return repeated(title)
			}
			seenMetric[name] = true
			ir.nMet++
		} else {
			return headerError("unknown column %q (column %d)", jsontok.Clip(title), i+1)
		}
		if col.name == "" {
			return headerError("column %q has no attribute name", jsontok.Clip(title))
		}
		if group != nil {
			ir.nAttr++
			g, ok := groupOf[*group]
			if !ok {
				g = len(ir.groups)
				groupOf[*group] = g
				ir.groups = append(ir.groups, csvGroup{user: group.user, name: group.name})
			}
			ir.groups[g].cols = append(ir.groups[g].cols, i)
		}
		ir.cols[i] = col
	}
	return nil
}

// errRecordTooLong is what importSource returns past its limit.
var errRecordTooLong = errors.New("record too long")

// armCap lets the CSV reader read about MaxImportLine bytes past the end
// of the last record, no more; or, for a record starting before
// recoverEnd, up to the end of its line.
func (ir *ImportReader) armCap() {
	ir.recStart = ir.csvBase + ir.csv.InputOffset()
	ir.src.trim(ir.recStart)
	ir.src.limit = ir.recStart + MaxImportLine + 2
	ir.lineLimited = false
	if ir.recStart < ir.recoverEnd {
		// The end of the first line that is not empty (encoding/csv
		// skips empty lines).
		b := ir.src.kept(ir.recStart)
		off := 0
		for {
			i := bytes.IndexByte(b[off:], '\n')
			if i < 0 {
				return
			}
			off += i + 1
			if i > 1 || i == 1 && b[off-2] != '\r' {
				break
			}
		}
		ir.src.limit = ir.recStart + int64(off)
		ir.lineLimited = true
	}
}

// recordRead notes where the record just read ends: the next starts on
// the line after.
func (ir *ImportReader) recordRead(rec []string) {
	last := len(rec) - 1
	line, _ := ir.csv.FieldPos(last)
	// A quoted field holds one '\n' per line end it spans.
	ir.recLine = ir.lineBase + line + strings.Count(rec[last], "\n") + 1
}

// csvFatal turns an error of encoding/csv that ends the file into the
// error Next returns.
func (ir *ImportReader) csvFatal(err error, what string) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRecordTooLong):
		return pinfold.Errorf(pinfold.EINVALID, "%s at byte %d is longer than %d bytes (an unterminated quoted field?)",
			what, ir.recStart, MaxImportLine)
	case errors.As(err, &pe):
		return pinfold.Errorf(pinfold.EINVALID, "%s: %s", what, parseErrorReason(pe))
	}
	return fmt.Errorf("read import file: %w", err)
}

// parseErrorReason describes a CSV syntax error.
func parseErrorReason(pe *csv.ParseError) string {
	if pe.Line != pe.StartLine {
		return fmt.Sprintf("malformed CSV: %v at line %d, column %d", pe.Err, pe.Line, pe.Column)
	}
	return fmt.Sprintf("malformed CSV: %v at column %d", pe.Err, pe.Column)
}

func (ir *ImportReader) nextCSV() (ImportRecord, error) {
	for {
		ir.armCap()
		rec, err := ir.csv.Read()
		if err != nil {
			if err == io.EOF {
				return ImportRecord{}, err
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, errRecordTooLong) {
				return ImportRecord{}, ir.csvFatal(err, "CSV record")
			}
			return ImportRecord{}, ir.skipBadRecord(pe)
		}
		ir.recordRead(rec)
		line, _ := ir.csv.FieldPos(0)
		out, skip, err := ir.csvRow(rec, ir.lineBase+line)
		if err != nil || !skip {
			return out, err
		}
	}
}

// skipBadRecord makes the record that failed to parse (with pe, or past
// its cap when pe is nil) a bad row of the line it starts on, and sets the
// reader to go on at the next line. When the record took in more than its
// first line, the CSV reader starts again there, and the lines it had taken
// in are read again one by one (recoverEnd).
func (ir *ImportReader) skipBadRecord(pe *csv.ParseError) error {
	kept := ir.src.kept(ir.recStart) // from recStart to what was read
	line := ir.recLine
	if pe != nil {
		line = ir.lineBase + pe.StartLine
	} else {
		// The record starts on the first line that is not empty, as
		// encoding/csv skips empty lines.
		for b := kept; len(b) > 0 && (b[0] == '\n' || len(b) > 1 && b[0] == '\r' && b[1] == '\n'); line++ {
			b = b[bytes.IndexByte(b, '\n')+1:]
		}
	}
	var reason string
	switch {
	case pe != nil:
		at := *pe // with the lines of the file
		at.StartLine, at.Line = line, ir.lineBase+pe.Line
		reason = parseErrorReason(&at)
	case ir.lineLimited:
		reason = `malformed CSV: extraneous or missing " in quoted-field`
	default:
		reason = "record longer than " + strconv.Itoa(MaxImportLine) + " bytes (an unterminated quoted field?)"
	}
	rowErr := &RowError{Line: line, Reason: reason}

	// next is the offset of the line after the bad record's first.
	next := int64(-1)
	off := 0
	for l := ir.recLine; l <= line; l++ {
		i := bytes.IndexByte(kept[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		if l == line {
			next = ir.recStart + int64(off)
		}
	}
	consumed := ir.csvBase + ir.csv.InputOffset()
	if pe != nil && next == consumed {
		// encoding/csv stopped at the end of the bad line: go on with it.
		// (Not after errRecordTooLong: encoding/csv counted a line for
		// the read that failed.)
		ir.recLine = line + 1
		return rowErr
	}
	ir.src.limit = -1
	if next < 0 {
		// The bad line goes on past what was read: skip the rest of it.
		var err error
		if next, err = ir.src.skipLine(); err != nil && err != io.EOF {
			ir.err = fmt.Errorf("read import file: %w", err)
			return ir.err
		}
	} else {
		ir.src.rewind(next)
	}
	ir.recoverEnd = max(ir.recoverEnd, consumed)
	ir.br.Reset(ir.src)
	ir.newCSV()
	ir.csvBase, ir.lineBase, ir.recLine = next, line, line+1
	return rowErr
}

// csvRow turns a record into an ImportRecord; skip reports a record of
// empty cells.
func (ir *ImportReader) csvRow(rec []string, line int) (out ImportRecord, skip bool, err error) {
	empty := true
	for i, v := range rec {
		if v == "" {
			continue
		}
		empty = false
		if !utf8.ValidString(v) {
			title := ""
			if i < len(ir.cols) {
				title = ir.cols[i].title
			}
			return ImportRecord{}, false, &RowError{Line: line, Reason: fmt.Sprintf("column %q: invalid UTF-8", jsontok.Clip(title))}
		}
	}
	if empty {
		return ImportRecord{}, true, nil
	}
	if len(rec) != len(ir.cols) {
		return ImportRecord{}, false, &RowError{Line: line,
			Reason: fmt.Sprintf("row has %d fields, the header %d", len(rec), len(ir.cols))}
	}
	out.Line = line
	u := &out.Update
	// The row's *string and *float64 targets share one allocation each.
	var strs []string
	if ir.nStr > 0 {
		strs = make([]string, 0, ir.nStr)
	}
	sp := func(v string) *string {
		strs = append(strs, v)
		return &strs[len(strs)-1]
	}
	var floats *[2]float64
	loc := func() *pinfold.Location {
		if u.Location == nil {
			u.Location = new(pinfold.Location)
		}
		return u.Location
	}
	demo := func() *pinfold.Demographic {
		if u.Demographic == nil {
			u.Demographic = new(pinfold.Demographic)
		}
		return u.Demographic
	}
	for i, v := range rec {
		if v == "" {
			continue
		}
		c := &ir.cols[i]
		switch c.kind {
		case csvID:
			u.ID = v
		case csvAddress:
			u.Address = sp(v)
		case csvChannelType:
			u.ChannelType = sp(v)
		case csvEffectiveDate:
			u.EffectiveDate = sp(v)
		case csvEndpointStatus:
			u.EndpointStatus = sp(v)
		case csvOptOut:
			u.OptOut = sp(v)
		case csvRequestID:
			u.RequestID = sp(v)
		case csvLatitude, csvLongitude:
			f, ok := parseCSVNumber(v)
			if !ok {
				return ImportRecord{}, false, notANumber(line, c.title, v)
			}
			if floats == nil {
				floats = new([2]float64)
			}
			if c.kind == csvLatitude {
				floats[0] = f
				loc().Latitude = &floats[0]
			} else {
				floats[1] = f
				loc().Longitude = &floats[1]
			}
		case csvPostalCode:
			loc().PostalCode = v
		case csvCity:
			loc().City = v
		case csvRegion:
			loc().Region = v
		case csvCountry:
			loc().Country = v
		case csvMake:
			demo().Make = v
		case csvModel:
			demo().Model = v
		case csvModelVersion:
			demo().ModelVersion = v
		case csvTimezone:
			demo().Timezone = v
		case csvAppVersion:
			demo().AppVersion = v
		case csvPlatform:
			demo().Platform = v
		case csvPlatformVersion:
			demo().PlatformVersion = v
		case csvLocale:
			demo().Locale = v
		case csvUserID:
			if u.User == nil {
				u.User = new(pinfold.UserUpdate)
			}
			u.User.UserID = sp(v)
		case csvMetric:
			f, ok := parseCSVNumber(v)
			if !ok {
				return ImportRecord{}, false, notANumber(line, c.title, v)
			}
			if u.Metrics == nil {
				u.Metrics = make(map[string]float64, ir.nMet)
			}
			u.Metrics[c.name] = f
		}
	}
	if len(ir.groups) > 0 {
		ir.csvAttributes(rec, u)
	}
	out.UserOnly = u.User != nil && u.User.UserID != nil && u.ID == "" && u.Address == nil && u.ChannelType == nil
	deriveID(&out)
	return out, false, nil
}

// csvAttributes fills u's Attributes and User.UserAttributes from the
// attribute columns of rec; the value lists share one allocation.
func (ir *ImportReader) csvAttributes(rec []string, u *pinfold.EndpointUpdate) {
	var values []string
	for _, g := range ir.groups {
		n := 0
		for _, i := range g.cols {
			if rec[i] != "" {
				n++
			}
		}
		if n == 0 {
			continue
		}
		if values == nil {
			values = make([]string, 0, ir.nAttr)
		}
		start := len(values)
		for _, i := range g.cols {
			if rec[i] != "" {
				values = append(values, rec[i])
			}
		}
		list := values[start:len(values):len(values)]
		if g.user {
			if u.User == nil {
				u.User = new(pinfold.UserUpdate)
			}
			if u.User.UserAttributes == nil {
				u.User.UserAttributes = make(map[string][]string, 4)
			}
			u.User.UserAttributes[g.name] = list
		} else {
			if u.Attributes == nil {
				u.Attributes = make(map[string][]string, 4)
			}
			u.Attributes[g.name] = list
		}
	}
}

// parseCSVNumber reads a finite number as strconv.ParseFloat reads it.
func parseCSVNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func notANumber(line int, title, v string) error {
	return &RowError{Line: line, Reason: fmt.Sprintf("column %q: %q is not a number", jsontok.Clip(title), jsontok.Clip(v))}
}

// importSource passes reads of r through, counting offsets in the file.
// Past limit (no limit when negative) it fails with errRecordTooLong: that
// bounds the memory encoding/csv uses for one record. When keep is set it
// also keeps the bytes read from the start of the current record on
// (trim), so that the reader can go back to a line already read (rewind).
type importSource struct {
	r     io.Reader
	limit int64
	keep  bool
	pos   int64  // offset of the next byte Read returns
	end   int64  // bytes read from r
	from  int64  // offset of buf[0]
	buf   []byte // bytes [from, end) when keep is set
	err   error  // r's error, returned once the bytes before it are
}

// trimAt is how many bytes before the current record trim lets pile up
// before it drops them: about one read of the buffer, so that what is kept
// stays near the buffer's size plus the current record.
const trimAt = importBufferSize

func (s *importSource) Read(p []byte) (int, error) {
	if s.limit >= 0 {
		room := s.limit - s.pos
		if room <= 0 {
			return 0, errRecordTooLong
		}
		if int64(len(p)) > room {
			p = p[:room]
		}
	}
	if s.pos < s.end {
		n := copy(p, s.buf[s.pos-s.from:])
		s.pos += int64(n)
		return n, nil
	}
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if s.keep {
		s.buf = append(s.buf, p[:n]...)
	}
	s.pos += int64(n)
	s.end = s.pos
	s.err = err
	return n, err
}

// kept returns the bytes kept from offset off on.
func (s *importSource) kept(off int64) []byte { return s.buf[off-s.from:] }

// trim drops the kept bytes before off once there are many.
func (s *importSource) trim(off int64) {
	if d := off - s.from; s.keep && d >= trimAt {
		s.buf = s.buf[:copy(s.buf, s.buf[d:])]
		s.from = off
	}
}

// rewind makes Read go on at off, a kept offset.
func (s *importSource) rewind(off int64) { s.pos = off }

// skipLine drops the bytes up to the end of the line at end and returns
// the offset after it; at the end of the file it returns r's error.
func (s *importSource) skipLine() (int64, error) {
	s.pos, s.buf, s.from = s.end, s.buf[:0], s.end
	chunk := make([]byte, importBufferSize)
	for s.err == nil {
		n, err := s.r.Read(chunk)
		s.end += int64(n)
		s.err = err
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			s.from = s.end - int64(n) + int64(i) + 1
			s.pos = s.from
			s.buf = append(s.buf, chunk[i+1:n]...)
			return s.pos, nil
		}
	}
	s.pos, s.from = s.end, s.end
	return s.pos, s.err
}
