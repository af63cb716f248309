package wire

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/pinfold/pinfold"
)

// importItem is what one call of Next gave: a record, or a row error's
// message.
type importItem struct {
	Rec    ImportRecord
	RowErr string
}

// readImport reads a whole file and returns the rows and row errors in
// order and the error that ended the file (nil for io.EOF).
func readImport(t testing.TB, format, input string) ([]importItem, error) {
	t.Helper()
	ir := NewImportReader(format, strings.NewReader(input))
	var items []importItem
	for n := 0; ; n++ {
		if n > len(input)+1 { // each row takes at least one byte
			t.Fatalf("no end after %d calls of Next", n)
		}
		rec, err := ir.Next()
		var re *RowError
		switch {
		case err == nil:
			items = append(items, importItem{Rec: rec})
		case errors.As(err, &re):
			items = append(items, importItem{RowErr: re.Error()})
		case err == io.EOF:
			return items, nil
		default:
			if _, again := ir.Next(); again != err {
				t.Errorf("Next after the fatal error %v returned %v", err, again)
			}
			return items, err
		}
	}
}

// row is the item for a record.
func row(line int, u pinfold.EndpointUpdate) importItem {
	return importItem{Rec: ImportRecord{Line: line, Update: u}}
}

// userRow is the item for a user-only record.
func userRow(line int, u pinfold.EndpointUpdate) importItem {
	return importItem{Rec: ImportRecord{Line: line, Update: u, UserOnly: true}}
}

func rowErr(line int, reason string) importItem {
	return importItem{RowErr: (&RowError{Line: line, Reason: reason}).Error()}
}

func checkImport(t *testing.T, format, input string, want []importItem, wantErr string) {
	t.Helper()
	got, err := readImport(t, format, input)
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("fatal error %v, want none", err)
	case wantErr != "":
		var pe *pinfold.Error
		if !errors.As(err, &pe) || pe.Code != pinfold.EINVALID || pe.Message != wantErr {
			t.Errorf("fatal error %v, want EINVALID %q", err, wantErr)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
}

func TestDerivedEndpointID(t *testing.T) {
	t.Parallel()
	// Computed with Python's hashlib and base64, outside Go.
	if got, want := DerivedEndpointID("user@example.com"), "y6cqvpjhoks3zidbcadojxsy4vc"; got != want {
		t.Errorf("DerivedEndpointID(user@example.com) = %q, want %q", got, want)
	}
	for _, addr := range []string{"user@example.com", "+12065550100", "", "é日🎉", strings.Repeat("x", 1000)} {
		sum := sha1.Sum([]byte(addr))
		want := strings.ToLower(strings.TrimRight(base64.StdEncoding.EncodeToString(sum[:]), "="))
		if got := DerivedEndpointID(addr); got != want {
			t.Errorf("DerivedEndpointID(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestImportJSON(t *testing.T) {
	t.Parallel()
	long := `{"Id":"long","Address":"` + strings.Repeat("a", MaxImportLine) + `"}`
	fits := `{"Id":"fits","Address":"` + strings.Repeat("b", MaxImportLine-len(`{"Id":"fits","Address":""}`)) + `"}`
	tests := []struct {
		name    string
		input   string
		want    []importItem
		wantErr string
	}{
		{"empty file", "", nil, ""},
		{"every member", `{"ChannelType":"APNS","Address":"a1","EndpointStatus":"INACTIVE","OptOut":"ALL","RequestId":"r",` +
			`"Location":{"Latitude":47.5,"Longitude":-122.25,"PostalCode":"98101","City":"Seattle","Region":"WA","Country":"USA"},` +
			`"Demographic":{"Make":"Apple","Model":"iPhone","ModelVersion":"15,2","Timezone":"UTC","AppVersion":"4.1","Platform":"ios","PlatformVersion":"17","Locale":"en_US"},` +
			`"EffectiveDate":"2024-03-18T09:30:00.000Z","Attributes":{"Plan":["gold","x"],"Empty":[]},"Metrics":{"score":75.0},` +
			`"User":{"UserId":"u1","UserAttributes":{"Tier":["a"]}},"ApplicationId":"app","Id":"e1","CreationDate":"2024-01-01T00:00:00.000Z","CohortId":"7"}`,
			[]importItem{row(1, pinfold.EndpointUpdate{ID: "e1", ChannelType: ptr("APNS"), Address: ptr("a1"), EndpointStatus: ptr("INACTIVE"),
				OptOut: ptr("ALL"), RequestID: ptr("r"), EffectiveDate: ptr("2024-03-18T09:30:00.000Z"),
				Location: &pinfold.Location{Latitude: ptr(47.5), Longitude: ptr(-122.25), PostalCode: "98101", City: "Seattle", Region: "WA", Country: "USA"},
				Demographic: &pinfold.Demographic{Make: "Apple", Model: "iPhone", ModelVersion: "15,2", Timezone: "UTC", AppVersion: "4.1",
					Platform: "ios", PlatformVersion: "17", Locale: "en_US"},
				Attributes: map[string][]string{"Plan": {"gold", "x"}, "Empty": {}}, Metrics: map[string]float64{"score": 75},
				User: &pinfold.UserUpdate{UserID: ptr("u1"), UserAttributes: map[string][]string{"Tier": {"a"}}}})}, ""},
		{"ignored members of any type, nulls, case", `{"id":"e1","ADDRESS":"a","ApplicationId":5,"CreationDate":[],"CohortId":{},"Other":null,"OptOut":null}`,
			[]importItem{row(1, pinfold.EndpointUpdate{ID: "e1", Address: ptr("a")})}, ""},
		{"blank lines, CRLF, no final newline, BOM", "\uFEFF\n  \t\r\n{\"Id\":\"a\"}\r\n\n{\"Id\":\"b\"}\n \n{\"Id\":\"c\"}",
			[]importItem{row(3, pinfold.EndpointUpdate{ID: "a"}), row(5, pinfold.EndpointUpdate{ID: "b"}), row(7, pinfold.EndpointUpdate{ID: "c"})}, ""},
		{"derived IDs", `{"Address":"user@example.com","ChannelType":"EMAIL"}` + "\n" + `{"Id":"","Address":"+12065550100"}` + "\n" +
			`{"ChannelType":"SMS"}` + "\n" + `{"Address":""}`,
			[]importItem{
				row(1, pinfold.EndpointUpdate{ID: "y6cqvpjhoks3zidbcadojxsy4vc", Address: ptr("user@example.com"), ChannelType: ptr("EMAIL")}),
				row(2, pinfold.EndpointUpdate{ID: "emwmnwmnzqzey0xxhdbvyh4dqdi", Address: ptr("+12065550100")}),
				row(3, pinfold.EndpointUpdate{ChannelType: ptr("SMS")}), // no Id, no Address: Validate says Missing Id
				row(4, pinfold.EndpointUpdate{Address: ptr("")}),
			}, ""},
		{"user-only rows", `{"User":{"UserId":"u1"}}` + "\n" + `{"User":{"UserId":"u2","UserAttributes":null},"ApplicationId":"x","Id":null}` + "\n" +
			`{"User":{"UserId":"u3"},"Attributes":{"a":["b"]}}` + "\n" + `{"User":{"UserId":"u4","UserAttributes":{"t":["v"]}}}` + "\n" +
			`{"User":{"UserId":""}}` + "\n" + `{"User":{"UserId":"u6"},"Address":"x"}`,
			[]importItem{
				userRow(1, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u1")}}),
				userRow(2, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u2")}}),
				row(3, pinfold.EndpointUpdate{Attributes: map[string][]string{"a": {"b"}}, User: &pinfold.UserUpdate{UserID: ptr("u3")}}),
				row(4, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u4"), UserAttributes: map[string][]string{"t": {"v"}}}}),
				row(5, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("")}}),
				row(6, pinfold.EndpointUpdate{ID: DerivedEndpointID("x"), Address: ptr("x"), User: &pinfold.UserUpdate{UserID: ptr("u6")}}),
			}, ""},
		{"bad rows, each with its line, and the reader goes on", strings.Join([]string{
			`{"Id":"ok1"}`,
			`{"Id":"e","Metrics":{"score":"high"}}`,
			`{"Id":"e","Location":{"Latitude":"north"}}`,
			`{"Id":7}`,
			`{"Id":"e","Attributes":{"a":"b"}}`,
			`{"Id":"e","User":{"UserAttributes":{"t":[1]}}}`,
			`{"Id":"e",}`,
			`{"Id":"e"`,
			`{"Id":"e"} {"Id":"f"}`,
			`[{"Id":"e"}]`,
			`null`,
			"{\"Id\":\"e\",\"Address\":\"\xff\"}",
			`{"Metrics":{"m":1e999}}`,
			`{"Id":"ok2"}`,
		}, "\n"), []importItem{
			row(1, pinfold.EndpointUpdate{ID: "ok1"}),
			rowErr(2, "invalid value for field 'Metrics.score': expected a number"),
			rowErr(3, "invalid value for field 'Location.Latitude': expected a number"),
			rowErr(4, "invalid value for field 'Id': expected a string"),
			rowErr(5, "invalid value for field 'Attributes.a': expected a list"),
			rowErr(6, "invalid value for field 'User.UserAttributes.t[0]': expected a string"),
			rowErr(7, "malformed JSON: invalid character '}' looking for beginning of object key string (offset 10)"),
			rowErr(8, "malformed JSON: unexpected end of JSON (offset 9)"),
			rowErr(9, "malformed JSON: invalid character '{' after top-level value (offset 11)"),
			rowErr(10, "invalid row: expected an object"),
			rowErr(11, "invalid row: expected an object"),
			rowErr(12, "invalid UTF-8"),
			rowErr(13, "invalid value for field 'Metrics.m': number 1e999 is out of range"),
			row(14, pinfold.EndpointUpdate{ID: "ok2"}),
		}, ""},
		{"line length limit", fits + "\n" + long + "\r\n" + long + `{"Id":"x"}` + "\n" + `{"Id":"after"}` + "\n" + long,
			[]importItem{
				row(1, pinfold.EndpointUpdate{ID: "fits", Address: ptr(strings.Repeat("b", MaxImportLine-len(`{"Id":"fits","Address":""}`)))}),
				rowErr(2, "line longer than 1048576 bytes"),
				rowErr(3, "line longer than 1048576 bytes"),
				row(4, pinfold.EndpointUpdate{ID: "after"}),
				rowErr(5, "line longer than 1048576 bytes"),
			}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkImport(t, pinfold.FormatJSON, tt.input, tt.want, tt.wantErr)
		})
	}
}

func TestImportCSV(t *testing.T) {
	t.Parallel()
	everyColumn := "Id,Address,ChannelType,EffectiveDate,EndpointStatus,OptOut,RequestId," +
		"Location.Latitude,Location.Longitude,Location.PostalCode,Location.City,Location.Region,Location.Country," +
		"Demographic.Make,Demographic.Model,Demographic.ModelVersion,Demographic.Timezone,Demographic.AppVersion," +
		"Demographic.Platform,Demographic.PlatformVersion,Demographic.Locale,User.UserId,User.UserAttributes.Tier," +
		"Attributes.Plan,Metrics.score,Metrics.spend\n"
	tests := []struct {
		name    string
		input   string
		want    []importItem
		wantErr string
	}{
		{"empty file", "", nil, ""},
		{"header only", "Id,Address\n", nil, ""},
		{"every column", everyColumn +
			"e1,a@b.c,EMAIL,2024-03-18T09:30:00.000Z,ACTIVE,NONE,r1,47.5,-122.25,98101,Seattle,WA,USA,Apple,iPhone,\"15,2\",UTC,4.1,ios,17,en_US,u1,gold,premium,75,1.5e3\n" +
			"e2,,,,,,,,,,,,,,,,,,,,,,,,,\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "e1", Address: ptr("a@b.c"), ChannelType: ptr("EMAIL"), EffectiveDate: ptr("2024-03-18T09:30:00.000Z"),
					EndpointStatus: ptr("ACTIVE"), OptOut: ptr("NONE"), RequestID: ptr("r1"),
					Location: &pinfold.Location{Latitude: ptr(47.5), Longitude: ptr(-122.25), PostalCode: "98101", City: "Seattle", Region: "WA", Country: "USA"},
					Demographic: &pinfold.Demographic{Make: "Apple", Model: "iPhone", ModelVersion: "15,2", Timezone: "UTC", AppVersion: "4.1",
						Platform: "ios", PlatformVersion: "17", Locale: "en_US"},
					Attributes: map[string][]string{"Plan": {"premium"}}, Metrics: map[string]float64{"score": 75, "spend": 1500},
					User: &pinfold.UserUpdate{UserID: ptr("u1"), UserAttributes: map[string][]string{"Tier": {"gold"}}}}),
				row(3, pinfold.EndpointUpdate{ID: "e2"}),
			}, ""},
		{"only some location and demographic cells", "Id,Location.Country,Demographic.Platform,Location.Latitude\ne1,USA,,\ne2,,android,0\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "e1", Location: &pinfold.Location{Country: "USA"}}),
				row(3, pinfold.EndpointUpdate{ID: "e2", Location: &pinfold.Location{Latitude: ptr(0.0)}, Demographic: &pinfold.Demographic{Platform: "android"}}),
			}, ""},
		{"repeated columns are multi-valued", "Id,Attributes.Interests,User.UserAttributes.Tags,Attributes.Interests,Attributes.Interests,User.UserAttributes.Tags\n" +
			"e1,cooking,a,hiking,,b\ne2,,,,photo,\ne3,,,,,\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "e1", Attributes: map[string][]string{"Interests": {"cooking", "hiking"}},
					User: &pinfold.UserUpdate{UserAttributes: map[string][]string{"Tags": {"a", "b"}}}}),
				row(3, pinfold.EndpointUpdate{ID: "e2", Attributes: map[string][]string{"Interests": {"photo"}}}),
				row(4, pinfold.EndpointUpdate{ID: "e3"}),
			}, ""},
		{"names match case-insensitively, attribute names kept", "\uFEFFid,ADDRESS,attributes.Plan,user.userattributes.Tier,METRICS.Score,location.latitude\n" +
			"e1,a,p,t,1,2\n",
			[]importItem{row(2, pinfold.EndpointUpdate{ID: "e1", Address: ptr("a"), Attributes: map[string][]string{"Plan": {"p"}},
				User: &pinfold.UserUpdate{UserAttributes: map[string][]string{"Tier": {"t"}}}, Metrics: map[string]float64{"Score": 1},
				Location: &pinfold.Location{Latitude: ptr(2.0)}})}, ""},
		{"quoting", "Id,Address,Attributes.Note\n" +
			"\"e1\",\"a,b\",\"say \"\"hi\"\"\"\n" +
			"e2,\"multi\nline\r\naddress\",x\n" +
			"e3,\"\",\"\"\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "e1", Address: ptr("a,b"), Attributes: map[string][]string{"Note": {`say "hi"`}}}),
				row(3, pinfold.EndpointUpdate{ID: "e2", Address: ptr("multi\nline\naddress"), Attributes: map[string][]string{"Note": {"x"}}}),
				row(6, pinfold.EndpointUpdate{ID: "e3"}),
			}, ""},
		{"blank lines, empty rows, CRLF", "\r\nId,Address\r\n\r\ne1,a\r\n,\r\n\ne2,b", []importItem{
			row(4, pinfold.EndpointUpdate{ID: "e1", Address: ptr("a")}),
			row(7, pinfold.EndpointUpdate{ID: "e2", Address: ptr("b")}),
		}, ""},
		{"derived IDs", "Address,ChannelType,Id\nuser@example.com,EMAIL,\n+12065550100,SMS,given\n,SMS,\n", []importItem{
			row(2, pinfold.EndpointUpdate{ID: "y6cqvpjhoks3zidbcadojxsy4vc", Address: ptr("user@example.com"), ChannelType: ptr("EMAIL")}),
			row(3, pinfold.EndpointUpdate{ID: "given", Address: ptr("+12065550100"), ChannelType: ptr("SMS")}),
			row(4, pinfold.EndpointUpdate{ChannelType: ptr("SMS")}),
		}, ""},
		{"user IDs only", "User.UserId\nu1\nu2\n", []importItem{
			userRow(2, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u1")}}),
			userRow(3, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u2")}}),
		}, ""},
		{"user-only rows among endpoints", "Id,Address,ChannelType,User.UserId,Attributes.a\ne1,x,SMS,u1,\n,,,u2,\n,,,u3,v\n,y,,u4,\n,,SMS,u5,\n", []importItem{
			row(2, pinfold.EndpointUpdate{ID: "e1", Address: ptr("x"), ChannelType: ptr("SMS"), User: &pinfold.UserUpdate{UserID: ptr("u1")}}),
			userRow(3, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u2")}}),
			userRow(4, pinfold.EndpointUpdate{User: &pinfold.UserUpdate{UserID: ptr("u3")}, Attributes: map[string][]string{"a": {"v"}}}),
			row(5, pinfold.EndpointUpdate{ID: DerivedEndpointID("y"), Address: ptr("y"), User: &pinfold.UserUpdate{UserID: ptr("u4")}}),
			row(6, pinfold.EndpointUpdate{ChannelType: ptr("SMS"), User: &pinfold.UserUpdate{UserID: ptr("u5")}}),
		}, ""},
		{"bad rows, each with its line, and the reader goes on", "Id,Metrics.score,Location.Latitude,Location.Longitude\n" +
			"ok1,1,2,3\n" +
			"e,high,,\n" +
			"e,,north,\n" +
			"e,,,NaN\n" +
			"e,Inf,,\n" +
			"e,1e999,,\n" +
			"e,1,2\n" +
			"e,1,2,3,4\n" +
			"e\xff,,,\n" +
			"e,a\"b,,\n" +
			"\"e\"x,,,\n" +
			"\"e,\n\"x\"y,,\n" +
			"ok2,0x1p-2,-0,+5\n" +
			"e,\"unterminated,,\n" +
			"ok3,,,\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "ok1", Metrics: map[string]float64{"score": 1}, Location: &pinfold.Location{Latitude: ptr(2.0), Longitude: ptr(3.0)}}),
				rowErr(3, `column "Metrics.score": "high" is not a number`),
				rowErr(4, `column "Location.Latitude": "north" is not a number`),
				rowErr(5, `column "Location.Longitude": "NaN" is not a number`),
				rowErr(6, `column "Metrics.score": "Inf" is not a number`),
				rowErr(7, `column "Metrics.score": "1e999" is not a number`),
				rowErr(8, "row has 3 fields, the header 4"),
				rowErr(9, "row has 5 fields, the header 4"),
				rowErr(10, `column "Id": invalid UTF-8`),
				rowErr(11, `malformed CSV: bare " in non-quoted-field at column 4`),
				rowErr(12, `malformed CSV: extraneous or missing " in quoted-field at column 3`),
				rowErr(13, `malformed CSV: extraneous or missing " in quoted-field at line 14, column 1`),
				// The line a broken quote took in is read again.
				rowErr(14, `malformed CSV: extraneous or missing " in quoted-field at column 3`),
				row(15, pinfold.EndpointUpdate{ID: "ok2", Metrics: map[string]float64{"score": 0.25}, Location: &pinfold.Location{Latitude: ptr(0.0), Longitude: ptr(5.0)}}),
				// An unterminated quote fails its line alone.
				rowErr(16, `malformed CSV: extraneous or missing " in quoted-field at line 17, column 8`),
				row(17, pinfold.EndpointUpdate{ID: "ok3"}),
			}, ""},
		{"unknown column", "Id,Address,Foo\ne1,a,b\n", nil, `CSV header: unknown column "Foo" (column 3)`},
		{"columns of the JSON line only", "Id,ApplicationId\n", nil, `CSV header: unknown column "ApplicationId" (column 2)`},
		{"repeated single column", "Id,Address,address\n", nil,
			`CSV header: column "address" is repeated; only Attributes.* and User.UserAttributes.* columns may repeat`},
		{"repeated metric", "Metrics.m,Metrics.m\n", nil,
			`CSV header: column "Metrics.m" is repeated; only Attributes.* and User.UserAttributes.* columns may repeat`},
		{"empty column name", "Id,,Address\n", nil, "CSV header: column 2 has no name"},
		{"empty attribute name", "Id,Attributes.\n", nil, `CSV header: column "Attributes." has no attribute name`},
		{"invalid UTF-8 in the header", "Id,Attributes.\xff\n", nil, "CSV header: column 2 is not valid UTF-8"},
		{"malformed header", "Id,\"Address\n", nil, `CSV header: malformed CSV: extraneous or missing " in quoted-field at column 13`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkImport(t, pinfold.FormatCSV, tt.input, tt.want, tt.wantErr)
		})
	}
}

// TestImportCSVRecordLimit checks that a CSV record longer than
// MaxImportLine (an unterminated quote, usually) is not buffered whole: it
// is one bad row, of the line it starts on, and the rows after it are read,
// while a record just under the limit is read.
func TestImportCSVRecordLimit(t *testing.T) {
	t.Parallel()
	under := strings.Repeat("a", MaxImportLine-10)
	tests := []struct {
		name  string
		input string
		want  []importItem
	}{
		{"one line over the limit", "Id,Address\ne1," + under + "\ne2,\"" + strings.Repeat("b", MaxImportLine+10) + "\ne3,c\n",
			[]importItem{
				row(2, pinfold.EndpointUpdate{ID: "e1", Address: ptr(under)}),
				rowErr(3, "record longer than 1048576 bytes (an unterminated quoted field?)"),
				row(4, pinfold.EndpointUpdate{ID: "e3", Address: ptr("c")}),
			}},
		{"an unterminated quote on a short line", "Id,Address\n\ne1,\"x\n" + strings.Repeat("e2,b\n", MaxImportLine/5+1) + "e3,c\n",
			append(append([]importItem{rowErr(3, "record longer than 1048576 bytes (an unterminated quoted field?)")},
				repeatRows(4, MaxImportLine/5+1, pinfold.EndpointUpdate{ID: "e2", Address: ptr("b")})...),
				row(4+MaxImportLine/5+1, pinfold.EndpointUpdate{ID: "e3", Address: ptr("c")}))},
		{"a broken quote among the lines read again", "Id,Address\ne1,\"x\n" + strings.Repeat("e2,b\n", 10) + "e3,\"y\n" +
			strings.Repeat("e4,d\n", MaxImportLine/5+1),
			append(append(append([]importItem{rowErr(2, `malformed CSV: extraneous or missing " in quoted-field at line 13, column 4`)},
				repeatRows(3, 10, pinfold.EndpointUpdate{ID: "e2", Address: ptr("b")})...),
				rowErr(13, `malformed CSV: extraneous or missing " in quoted-field`)),
				repeatRows(14, MaxImportLine/5+1, pinfold.EndpointUpdate{ID: "e4", Address: ptr("d")})...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readImport(t, pinfold.FormatCSV, tt.input)
			if err != nil {
				t.Fatalf("error %v, want none", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d items, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Fatalf("item %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// repeatRows is n rows of u on the lines from first on.
func repeatRows(first, n int, u pinfold.EndpointUpdate) []importItem {
	out := make([]importItem, n)
	for i := range out {
		out[i] = row(first+i, u)
	}
	return out
}

// TestImportReadError checks that a failing stream is a fatal error that
// wraps the stream's, for both formats, after the rows read before it.
func TestImportReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	for format, head := range map[string]string{
		pinfold.FormatJSON: `{"Id":"e1"}` + "\n" + `{"Id":"e2"}` + "\n",
		pinfold.FormatCSV:  "Id\ne1\ne2\n",
	} {
		ir := NewImportReader(format, io.MultiReader(strings.NewReader(head), iotest.ErrReader(boom)))
		var ids []string
		var err error
		for {
			var rec ImportRecord
			if rec, err = ir.Next(); err != nil {
				break
			}
			ids = append(ids, rec.Update.ID)
		}
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read import file: ") {
			t.Errorf("%s: error %v, want the stream's, wrapped", format, err)
		}
		if !slices.Equal(ids, []string{"e1", "e2"}) {
			t.Errorf("%s: rows %v before the error, want e1 e2", format, ids)
		}
		if _, again := ir.Next(); again != err {
			t.Errorf("%s: Next after the error = %v, want the same error", format, again)
		}
	}
	// A stream that fails at once, and one read byte by byte.
	if _, err := NewImportReader(pinfold.FormatCSV, iotest.ErrReader(boom)).Next(); !errors.Is(err, boom) {
		t.Errorf("failing stream: %v", err)
	}
	ir := NewImportReader(pinfold.FormatCSV, iotest.OneByteReader(strings.NewReader("\uFEFFId,Address\ne1,\"a\nb\"\n")))
	if rec, err := ir.Next(); err != nil || rec.Update.ID != "e1" || *rec.Update.Address != "a\nb" {
		t.Errorf("one byte at a time: %+v, %v", rec, err)
	}
}

func TestImportUnknownFormat(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"", "csv", "XML"} {
		_, err := NewImportReader(format, strings.NewReader("Id\ne1\n")).Next()
		assertInvalid(t, err, `Invalid import format "`+format+`": must be CSV or JSON`)
	}
}

// importableEndpoint returns a random endpoint as a new import can create
// it: ID, Address, ChannelType, EndpointStatus and EffectiveDate set, no
// empty attribute lists, values or names.
func importableEndpoint(rng *rand.Rand, i int) *pinfold.Endpoint {
	e := genEndpoint(rng)
	e.AppID, e.CreatedAt = "", time.Time{}
	fill := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	fill(&e.ID, "e-"+strconv.Itoa(i))
	fill(&e.Address, "addr-"+strconv.Itoa(i))
	fill(&e.ChannelType, "EMAIL")
	fill(&e.EndpointStatus, "ACTIVE")
	fill(&e.EffectiveDate, "2024-03-18T09:30:00.000Z")
	clean := func(m map[string][]string) map[string][]string {
		for k, vs := range m {
			vs = slices.DeleteFunc(vs, func(v string) bool { return v == "" })
			if k == "" || len(vs) == 0 {
				delete(m, k)
			} else {
				m[k] = vs
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	}
	e.Attributes = clean(e.Attributes)
	delete(e.Metrics, "")
	if len(e.Metrics) == 0 {
		e.Metrics = nil
	}
	if e.User != nil {
		e.User.UserAttributes = clean(e.User.UserAttributes)
		if e.User.UserID == "" && e.User.UserAttributes == nil {
			e.User = nil
		}
	}
	if l := e.Location; l != nil && l.Latitude == nil && l.Longitude == nil && *l == (pinfold.Location{}) {
		e.Location = nil
	}
	if d := e.Demographic; d != nil && *d == (pinfold.Demographic{}) {
		e.Demographic = nil
	}
	if i%3 == 0 {
		e.ID = DerivedEndpointID(e.Address) // written without Id below
	}
	return e
}

// checkImportRoundTrip applies each record read to no endpoint and checks
// it gives endpoint want[i], apart from CreatedAt and AppID.
func checkImportRoundTrip(t *testing.T, format, file string, want []*pinfold.Endpoint) {
	t.Helper()
	const appID = "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01"
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ir := NewImportReader(format, strings.NewReader(file))
	for i, w := range want {
		rec, err := ir.Next()
		if err != nil {
			t.Fatalf("%s row %d: %v", format, i, err)
		}
		got, err := pinfold.Apply(appID, nil, &rec.Update, now)
		if err != nil {
			t.Fatalf("%s row %d: Apply: %v", format, i, err)
		}
		w2 := *w
		w2.AppID, w2.CreatedAt = appID, now
		assertSameEndpoint(t, got, &w2)
		if t.Failed() {
			t.Fatalf("%s row %d (line %d) differs", format, i, rec.Line)
		}
	}
	if _, err := ir.Next(); err != io.EOF {
		t.Fatalf("%s: after the last row: %v, want io.EOF", format, err)
	}
}

// TestImportJSONRoundTrip checks that export lines (Codec.AppendEndpoint)
// read back as JSON import rows apply into the same endpoints.
func TestImportJSONRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	full := fullEndpoint()
	es := []*pinfold.Endpoint{full, minimalEndpoint()}
	for i := range 1000 {
		es = append(es, importableEndpoint(rng, i))
	}
	var file []byte
	for _, e := range es {
		line := *e
		if line.ID == DerivedEndpointID(line.Address) {
			line.ID = "" // the reader derives it
		}
		file = Codec{}.AppendEndpoint(file, &line)
		file = append(file, '\n')
	}
	checkImportRoundTrip(t, pinfold.FormatJSON, string(file), es)
}

// TestImportCSVRoundTrip writes endpoints as CSV rows with every kind of
// column (a column per value of multi-valued attributes) and checks they
// read back and apply into the same endpoints.
func TestImportCSVRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 17))
	es := []*pinfold.Endpoint{fullEndpoint(), minimalEndpoint()}
	for i := range 300 {
		es = append(es, importableEndpoint(rng, i))
	}
	type col struct {
		title string
		cell  func(e *pinfold.Endpoint) string
	}
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	loc := func(f func(*pinfold.Location) string) func(*pinfold.Endpoint) string {
		return func(e *pinfold.Endpoint) string {
			if e.Location == nil {
				return ""
			}
			return f(e.Location)
		}
	}
	demo := func(f func(*pinfold.Demographic) string) func(*pinfold.Endpoint) string {
		return func(e *pinfold.Endpoint) string {
			if e.Demographic == nil {
				return ""
			}
			return f(e.Demographic)
		}
	}
	cols := []col{
		{"Id", func(e *pinfold.Endpoint) string {
			if e.ID == DerivedEndpointID(e.Address) {
				return ""
			}
			return e.ID
		}},
		{"Address", func(e *pinfold.Endpoint) string { return e.Address }},
		{"ChannelType", func(e *pinfold.Endpoint) string { return e.ChannelType }},
		{"EffectiveDate", func(e *pinfold.Endpoint) string { return e.EffectiveDate }},
		{"EndpointStatus", func(e *pinfold.Endpoint) string { return e.EndpointStatus }},
		{"OptOut", func(e *pinfold.Endpoint) string { return e.OptOut }},
		{"RequestId", func(e *pinfold.Endpoint) string { return e.RequestID }},
		{"Location.Latitude", loc(func(l *pinfold.Location) string { return num(l.Latitude) })},
		{"Location.Longitude", loc(func(l *pinfold.Location) string { return num(l.Longitude) })},
		{"Location.PostalCode", loc(func(l *pinfold.Location) string { return l.PostalCode })},
		{"Location.City", loc(func(l *pinfold.Location) string { return l.City })},
		{"Location.Region", loc(func(l *pinfold.Location) string { return l.Region })},
		{"Location.Country", loc(func(l *pinfold.Location) string { return l.Country })},
		{"Demographic.Make", demo(func(d *pinfold.Demographic) string { return d.Make })},
		{"Demographic.Model", demo(func(d *pinfold.Demographic) string { return d.Model })},
		{"Demographic.ModelVersion", demo(func(d *pinfold.Demographic) string { return d.ModelVersion })},
		{"Demographic.Timezone", demo(func(d *pinfold.Demographic) string { return d.Timezone })},
		{"Demographic.AppVersion", demo(func(d *pinfold.Demographic) string { return d.AppVersion })},
		{"Demographic.Platform", demo(func(d *pinfold.Demographic) string { return d.Platform })},
		{"Demographic.PlatformVersion", demo(func(d *pinfold.Demographic) string { return d.PlatformVersion })},
		{"Demographic.Locale", demo(func(d *pinfold.Demographic) string { return d.Locale })},
		{"User.UserId", func(e *pinfold.Endpoint) string { return e.UserID() }},
	}
	// One column per metric name, and per attribute name as many as its
	// most values.
	metrics := map[string]bool{}
	attrs, userAttrs := map[string]int{}, map[string]int{}
	for _, e := range es {
		for k := range e.Metrics {
			metrics[k] = true
		}
		for k, vs := range e.Attributes {
			attrs[k] = max(attrs[k], len(vs))
		}
		if e.User != nil {
			for k, vs := range e.User.UserAttributes {
				userAttrs[k] = max(userAttrs[k], len(vs))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		cols = append(cols, col{"Metrics." + k, func(e *pinfold.Endpoint) string {
			if v, ok := e.Metrics[k]; ok {
				return strconv.FormatFloat(v, 'g', -1, 64)
			}
			return ""
		}})
	}
	nth := func(vs []string, i int) string {
		if i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		for i := range attrs[k] {
			cols = append(cols, col{"Attributes." + k, func(e *pinfold.Endpoint) string { return nth(e.Attributes[k], i) }})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(userAttrs)) {
		for i := range userAttrs[k] {
			cols = append(cols, col{"User.UserAttributes." + k, func(e *pinfold.Endpoint) string {
				if e.User == nil {
					return ""
				}
				return nth(e.User.UserAttributes[k], i)
			}})
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	if err := w.Write(titles); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = c.cell(e)
		}
		if err := w.Write(cells); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	checkImportRoundTrip(t, pinfold.FormatCSV, buf.String(), es)
}

// importBenchRows is how many rows a benchmark file has.
const importBenchRows = 1000

// importJSONBenchFile returns n export-style JSON lines of about 730 bytes.
func importJSONBenchFile(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"ChannelType":"EMAIL","Address":"user%06d@example.com","EndpointStatus":"ACTIVE","OptOut":"NONE",`+
			`"Location":{"Latitude":47.6062,"Longitude":-122.3321,"PostalCode":"98101",`+
			`"City":"Seattle","Region":"WA","Country":"USA"},"Demographic":{"Make":"Apple","Model":"iPhone","ModelVersion":"15,2",`+
			`"Timezone":"America/Los_Angeles","AppVersion":"4.12.0","Platform":"ios","PlatformVersion":"17.4.1"},`+
			`"EffectiveDate":"2024-03-18T09:30:00.000Z","Attributes":{"Interests":["cooking","hiking"],"Plan":["premium"],`+
			`"SignupSource":["organic"]},"Metrics":{"score":%d.0,"spend":1289.5},"User":{"UserId":"user-%06d",`+
			`"UserAttributes":{"FirstName":["Ana"],"Tier":["gold"]}},"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",`+
			`"Id":"endpoint-%06d"}`+"\n", i, i%100, i, i)
	}
	return b.Bytes()
}

// importCSVBenchFile returns a CSV file with n rows of about 730 bytes.
func importCSVBenchFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Id,Address,ChannelType,EffectiveDate,EndpointStatus,OptOut,RequestId,Location.Latitude,Location.Longitude," +
		"Location.PostalCode,Location.City,Location.Region,Location.Country,Demographic.Make,Demographic.Model," +
		"Demographic.ModelVersion,Demographic.Timezone,Demographic.AppVersion,Demographic.Platform,Demographic.PlatformVersion," +
		"Demographic.Locale,User.UserId,User.UserAttributes.FirstName,User.UserAttributes.LastName,User.UserAttributes.Tier," +
		"Attributes.Interests,Attributes.Interests,Attributes.Interests,Attributes.Plan,Attributes.SignupSource," +
		"Attributes.Campaign,Attributes.Referrer,Attributes.LastProduct,Attributes.Notes,Metrics.score,Metrics.spend,Metrics.sessions\n")
	for i := range n {
		fmt.Fprintf(&b, "endpoint-%06d,user%06d@example.com,EMAIL,2024-03-18T09:30:00.000Z,ACTIVE,NONE,"+
			"c2a5d1f4-7e3b-4a9c-b8d6-1f2e3d4c5b6a,47.6062,-122.3321,98101,Seattle,WA,USA,Apple,iPhone,\"15,2\","+
			"America/Los_Angeles,4.12.0,ios,17.4.1,en_US,user-%06d,Ana,\"Silva, Jr.\",gold,cooking,hiking,photography,premium,organic,"+
			"spring-2024-newsletter-retargeting,https://www.example.com/landing/spring?utm_source=newsletter&utm_medium=email,"+
			"Trail Runner GTX 2 - Men's Size 10.5 - Graphite/Orange (SKU TR-GTX2-M105-GRO),"+
			"\"Prefers email in the morning; asked about the \"\"family\"\" plan in March, follow up after the spring sale ends. "+
			"Long-time customer since 2019, two support tickets, both resolved quickly. Interested in annual billing.\","+
			"%d,1289.5,%d\n", i, i, i, i%100, i%500)
	}
	return b.Bytes()
}

func benchmarkImport(b *testing.B, format string, file []byte) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		ir := NewImportReader(format, bytes.NewReader(file))
		n := 0
		for {
			rec, err := ir.Next()
			if err == io.EOF {
				break
			}
			if err != nil || rec.Update.ID == "" {
				b.Fatal(rec, err)
			}
			n++
		}
		if n != importBenchRows {
			b.Fatalf("%d rows, want %d", n, importBenchRows)
		}
	}
	rows := float64(b.N * importBenchRows)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(len(file))/importBenchRows, "bytes/row")
}

// BenchmarkImportJSON reads a JSON import file of 730-byte export lines;
// rows/s is what parsing alone allows an import.
func BenchmarkImportJSON(b *testing.B) {
	benchmarkImport(b, pinfold.FormatJSON, importJSONBenchFile(importBenchRows))
}

// BenchmarkImportCSV reads a CSV import file of 730-byte rows with every
// kind of column.
func BenchmarkImportCSV(b *testing.B) {
	benchmarkImport(b, pinfold.FormatCSV, importCSVBenchFile(importBenchRows))
}
