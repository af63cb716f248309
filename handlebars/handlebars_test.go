package handlebars_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/handlebars"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ptr[T any](v T) *T { return &v }

// endpoint is the recipient of most tests: every variable has a value.
func endpoint() *pinfold.Endpoint {
	return &pinfold.Endpoint{
		AppID:          "app",
		ID:             "ep-1",
		ChannelType:    "EMAIL",
		Address:        "jane@example.com",
		EndpointStatus: "ACTIVE",
		OptOut:         "NONE",
		RequestID:      "req-update-1",
		EffectiveDate:  "2019-08-23T10:54:35.220Z",
		CreatedAt:      time.Date(2019, 6, 30, 11, 45, 25, 220e6, time.UTC),
		Location: &pinfold.Location{
			City: "Los Angeles", Country: "US", PostalCode: "90001", Region: "California",
			Latitude: ptr(34.0522), Longitude: ptr(-118.2437),
		},
		Demographic: &pinfold.Demographic{
			AppVersion: "1.2", Locale: "en_US", Make: "apple", Model: "iPhone", ModelVersion: "12",
			Platform: "ios", PlatformVersion: "17.1", Timezone: "America/Los_Angeles",
		},
		Attributes: map[string][]string{
			"favorite_colors":  {"blue", "red", "green"},
			"description":      {"my first post"},
			"IsUserSubscribed": {"true"},
			"Plan":             {"gold"},
			"Quote":            {"O'Brien & \"Co\" <a> = `"},
		},
		Metrics: map[string]float64{"Sessions": 42, "Score": 7.5},
		User: &pinfold.User{
			UserID: "user-1",
			UserAttributes: map[string][]string{
				"FirstName":      {"Jane"},
				"LastName":       {"Santos"},
				"Last Name":      {"Doe"},
				"UserAge":        {"22"},
				"FavoriteColors": {"red", "blue", "yellow"},
				"StartDate":      {"09/19/2020"},
				"interests":      {"<h1>Art</h1>"},
			},
		},
	}
}

func data() *pinfold.MessageData {
	return &pinfold.MessageData{Endpoint: endpoint(), RequestID: "send-req-1"}
}

// clock is the fixed time of the now helper in tests.
var clock = time.Date(2020, 9, 19, 20, 0, 0, 0, time.UTC)

func renderer() *handlebars.Renderer {
	r := handlebars.New()
	r.Now = func() time.Time { return clock }
	return r
}

type renderCase struct {
	name, src, want string
}

func runCases(t *testing.T, d *pinfold.MessageData, cases []renderCase) {
	t.Helper()
	r := renderer()
	ray := handlebars.RaymondOnly(renderer())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Render(tc.src, d)
			if err != nil {
				t.Fatalf("Render(%q): %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.src, got, tc.want)
			}
			if got2, err := ray.Render(tc.src, d); got2 != got || err != nil {
				t.Errorf("Render(%q) through raymond = %q, %v; directly %q", tc.src, got2, err, got)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	runCases(t, data(), []renderCase{
		{"Address", "{{Address}}", "jane@example.com"},
		{"Attributes list", "{{Attributes.favorite_colors}}", "blue,red,green"},
		{"Attributes first", "{{Attributes.favorite_colors.[0]}}", "blue"},
		{"Attributes index", "{{Attributes.favorite_colors.[2]}}", "green"},
		{"Attributes past end", "[{{Attributes.favorite_colors.[3]}}]", "[]"},
		{"Attributes single", "{{Attributes.Plan}}", "gold"},
		{"Attributes missing", "[{{Attributes.Nope}}]", "[]"},
		{"ChannelType", "{{ChannelType}}", "EMAIL"},
		{"CreationDate", "{{CreationDate}}", "2019-06-30T11:45:25.220Z"},
		{"Demographic.AppVersion", "{{Demographic.AppVersion}}", "1.2"},
		{"Demographic.Locale", "{{Demographic.Locale}}", "en_US"},
		{"Demographic.Make", "{{Demographic.Make}}", "apple"},
		{"Demographic.Model", "{{Demographic.Model}}", "iPhone"},
		{"Demographic.ModelVersion", "{{Demographic.ModelVersion}}", "12"},
		{"Demographic.Platform", "{{Demographic.Platform}}", "ios"},
		{"Demographic.PlatformVersion", "{{Demographic.PlatformVersion}}", "17.1"},
		{"Demographic.Timezone", "{{Demographic.Timezone}}", "America/Los_Angeles"},
		{"EffectiveDate", "{{EffectiveDate}}", "2019-08-23T10:54:35.220Z"},
		{"EndpointStatus", "{{EndpointStatus}}", "ACTIVE"},
		{"Id", "{{Id}}", "ep-1"},
		{"Location.City", "{{Location.City}}", "Los Angeles"},
		{"Location.Country", "{{Location.Country}}", "US"},
		{"Location.Latitude", "{{Location.Latitude}}", "34.1"},
		{"Location.Longitude", "{{Location.Longitude}}", "-118.2"},
		{"Location.PostalCode", "{{Location.PostalCode}}", "90001"},
		{"Location.Region", "{{Location.Region}}", "California"},
		{"Metrics integer", "{{Metrics.Sessions}}", "42"},
		{"Metrics fraction", "{{Metrics.Score}}", "7.5"},
		{"OptOut", "{{OptOut}}", "NONE"},
		{"RequestId of the endpoint", "{{RequestId}}", "req-update-1"},
		{"User.UserId", "{{User.UserId}}", "user-1"},
		{"User.UserAttributes", "{{User.UserAttributes.FirstName}}", "Jane"},
		{"User.UserAttributes with a space", "{{User.UserAttributes.[Last Name]}}", "Doe"},
		{"User.UserAttributes with a space, first", "{{User.UserAttributes.[Last Name].[0]}}", "Doe"},
		{"unknown variable", "[{{Nope}}{{Nope.Deeper}}{{Location.Nope}}]", "[]"},
		{"HTML escaped", "{{User.UserAttributes.interests.[0]}}", "&lt;h1&gt;Art&lt;/h1&gt;"},
		{"HTML escaped as Handlebars.js", "{{Attributes.Quote}}|{{upper Attributes.Quote}}", "O&#x27;Brien &amp; &quot;Co&quot; &lt;a&gt; &#x3D; &#x60;|O&#x27;BRIEN &amp; &quot;CO&quot; &lt;A&gt; &#x3D; &#x60;"},
		{"not escaped", "{{{Attributes.Quote}}}|{{{upper Attributes.Quote}}}", "O'Brien & \"Co\" <a> = `|O'BRIEN & \"CO\" <A> = `"},
		{"triple stash not escaped", "{{{User.UserAttributes.interests.[0]}}}", "<h1>Art</h1>"},
		{"ampersand not escaped", "{{& User.UserAttributes.interests}}", "<h1>Art</h1>"},
		{"user guide example",
			"Hi {{User.UserAttributes.FirstName}}, congratulations on your new {{Attributes.Plan}} plan!",
			"Hi Jane, congratulations on your new gold plan!"},
		{"whitespace control", "a {{~Address~}} b", "ajane@example.comb"},
		{"comment", "a{{! note }}b{{!-- {{Address}} --}}c", "abc"},
		{"escaped mustache", `\{{Address}}`, "{{Address}}"},
		{"root data", "{{#each Attributes.Plan}}{{@root.Address}}{{/each}}", "jane@example.com"},
		{"length", "{{Attributes.favorite_colors.length}}", "3"},
	})
}

func TestVariablesOfAddressSend(t *testing.T) {
	// A message sent to an address: the endpoint has only Address and
	// ChannelType, RequestId is the send's.
	d := &pinfold.MessageData{
		Endpoint:  &pinfold.Endpoint{Address: "+12065550100", ChannelType: "SMS"},
		RequestID: "send-req-1",
	}
	runCases(t, d, []renderCase{
		{"RequestId of the send", "{{RequestId}}", "send-req-1"},
		{"Address", "{{Address}} {{ChannelType}}", "+12065550100 SMS"},
		{"missing", "[{{Id}}{{User.UserId}}{{Attributes.Plan}}{{Demographic.Make}}]", "[]"},
	})
	runCases(t, nil, []renderCase{{"nil data", "[{{Address}}]", "[]"}})
}

func TestPrecedence(t *testing.T) {
	d := data()
	d.Defaults = map[string][]string{
		"Attributes.Plan":               {"basic"},
		"Attributes.Missing":            {"default-attr"},
		"User.UserAttributes.Activity":  {"running"},
		"User.UserAttributes.FirstName": {"friend"},
		"Address":                       {"default@example.com"},
		"Custom":                        {"c1", "c2"},
		"Location.City":                 {"Nowhere"},
	}
	d.Overrides = map[string][]string{
		"Attributes.Plan":  {"platinum"},
		"Demographic.Make": {"samsung"},
		"Brand":            {"Pinfold"},
	}
	runCases(t, d, []renderCase{
		{"override beats endpoint and default", "{{Attributes.Plan}}", "platinum"},
		{"endpoint beats default", "{{User.UserAttributes.FirstName}} {{Address}} {{Location.City}}", "Jane jane@example.com Los Angeles"},
		{"default fills a missing attribute", "{{Attributes.Missing}} {{User.UserAttributes.Activity}}", "default-attr running"},
		{"override of an endpoint field", "{{Demographic.Make}}", "samsung"},
		{"custom variable", "{{Brand}} {{Custom}} {{Custom.[1]}}", "Pinfold c1,c2 c2"},
		{"no value, no default", "[{{User.UserAttributes.Nope}}]", "[]"},
		{"user guide default",
			"Hi {{User.UserAttributes.FirstName}}, congratulations on your new {{User.UserAttributes.Activity}} record!",
			"Hi Jane, congratulations on your new running record!"},
	})
	// The default applies only where the endpoint has no value.
	d.Endpoint.User.UserAttributes["Activity"] = []string{"5K"}
	runCases(t, d, []renderCase{{"endpoint value", "{{User.UserAttributes.Activity}}", "5K"}})
}

func TestBuiltinHelpers(t *testing.T) {
	d := data()
	d.Endpoint.Attributes["Many"] = strings.Split("a b c d e f g h i j k l m n o p q", " ")
	runCases(t, d, []renderCase{
		{"each (user guide)",
			"{{#each User.UserAttributes.FavoriteColors}}<li>{{this}}</li>{{else}}You have no favorite colors.{{/each}}",
			"<li>red</li><li>blue</li><li>yellow</li>"},
		{"each else", "{{#each User.UserAttributes.Nope}}x{{else}}You have no favorite colors.{{/each}}", "You have no favorite colors."},
		{"each index", "{{#each Attributes.favorite_colors}}{{@index}}:{{this}}{{#if @first}}!{{/if}}{{#if @last}}.{{/if}} {{/each}}", "0:blue! 1:red 2:green. "},
		{"each over a map in key order", "{{#each Demographic}}{{@key}}={{this}};{{/each}}",
			"AppVersion=1.2;Locale=en_US;Make=apple;Model=iPhone;ModelVersion=12;Platform=ios;PlatformVersion=17.1;Timezone=America/Los_Angeles;"},
		{"each at most 15 items", "{{#each Attributes.Many}}{{this}}{{/each}}", "abcdefghijklmno"},
		{"each block param", "{{#each Attributes.favorite_colors as |c|}}{{c}};{{/each}}", "blue;red;green;"},
		{"each parent", "{{#each Attributes.favorite_colors}}{{../Id}}{{/each}}", "ep-1ep-1ep-1"},
		{"if (user guide)", "{{#if User.UserAttributes.FirstName.[0]}}Hello {{User.UserAttributes.FirstName.[0]}},{{else}}Hello,{{/if}}", "Hello Jane,"},
		{"if else", "{{#if User.UserAttributes.Nope.[0]}}Hello {{User.UserAttributes.Nope.[0]}},{{else}}Hello,{{/if}}", "Hello,"},
		{"if zero", "{{#if 0}}y{{else}}n{{/if}}{{#if 0 includeZero=true}}y{{else}}n{{/if}}", "ny"},
		{"else if chain", "{{#if Nope}}a{{else if Nope2}}b{{else if Address}}c{{else}}d{{/if}}", "c"},
		{"unless", "{{#unless Nope}}none{{/unless}}{{#unless Address}}x{{else}}some{{/unless}}", "nonesome"},
		{"with", "{{#with Location}}{{City}}, {{Region}}{{/with}}{{#with Nope}}x{{else}}-{{/with}}", "Los Angeles, California-"},
		{"lookup", "{{lookup Attributes \"Plan\"}} {{lookup Attributes.favorite_colors 1}}", "gold red"},
		{"log", "[{{log \"x\"}}]", "[]"},
		{"section over a list", "{{#Attributes.favorite_colors}}[{{this}}]{{/Attributes.favorite_colors}}", "[blue][red][green]"},
		{"section over a map", "{{#Location}}{{City}}{{/Location}}", "Los Angeles"},
		{"section over a value", "{{#Address}}<{{this}}>{{/Address}}", "<jane@example.com>"},
		{"section over nothing", "{{#Nope}}x{{else}}y{{/Nope}}", "y"},
		{"inverse section", "{{^Nope}}empty{{/Nope}}{{^Address}}x{{/Address}}", "empty"},
		{"section at most 15 items", "{{#Attributes.Many}}{{this}}{{/Attributes.Many}}", "abcdefghijklmno"},
		{"nested helpers (user guide)", `{{capitalizeFirst (lower "JANE")}}`, "Jane"},
		{"standalone lines", "a\n{{#if Address}}\nb\n{{/if}}\nc", "a\nb\nc"},
	})
}

func TestConditionalHelpers(t *testing.T) {
	d := data()
	la := data()
	la.Endpoint.Location.City = "Seattle"
	cases := []renderCase{
		{"and block (user guide)", `{{#and (eq Location.City "Los Angeles") (eq Location.Country "US")}}You live in Los Angeles and the US.{{else}}You don’t live in Los Angeles and the US.{{/and}}`, "You live in Los Angeles and the US."},
		{"and inline", `{{and Address Id Location.City Location.Country yes='y' no='n'}}`, "y"},
		{"and inline false", `{{and Address Nope yes='y' no='n'}}`, "n"},
		{"and inline without yes or no", `{{and Address Id}} {{and Address Nope}}`, "true false"},
		{"eq block (user guide)", `{{#eq User.UserAttributes.FavoriteColors.[0] "red"}}Your favorite color is red.{{else}}You don't like red.{{/eq}}`, "Your favorite color is red."},
		{"eq inline", `{{eq Location.Country "US" yes='yes' no='no'}} {{eq Location.Country "CA" yes='yes' no='no'}}`, "yes no"},
		{"eq numbers", `{{eq Metrics.Sessions 42 yes='y' no='n'}}{{eq User.UserAttributes.UserAge.[0] 22 yes='y' no='n'}}{{eq "007" "7" yes='y' no='n'}}`, "yyn"},
		{"gt block (user guide)", `{{#gt User.UserAttributes.UserAge.[0] "17"}}You are old enough to rent a car.{{else}}You are not old enough to rent a car.{{/gt}}`, "You are old enough to rent a car."},
		{"gt numeric not lexical", `{{gt "9" "17" yes='y' no='n'}}{{gt "b" "a" yes='y' no='n'}}`, "ny"},
		{"gte block (user guide)", `{{#gte User.UserAttributes.UserAge.[0] "18"}}You are old enough to rent a car.{{else}}You are not old enough to rent a car.{{/gte}}`, "You are old enough to rent a car."},
		{"gte equal", `{{gte 3 3 yes='y' no='n'}}{{gte 2 3 yes='y' no='n'}}`, "yn"},
		{"lt block (user guide)", `{{#lt User.UserAttributes.UserAge.[0] "18"}}You are not old enough to rent a car.{{else}}You are old enough to rent a car.{{/lt}}`, "You are old enough to rent a car."},
		{"lte block (user guide)", `{{#lte User.UserAttributes.Age.[0] "17"}}You are not old enough to rent a car.{{else}}You are old enough to rent a car.{{/lte}}`, "You are not old enough to rent a car."},
		{"lte inline", `{{lte 3 3 yes='y' no='n'}}{{lte 4 3 yes='y' no='n'}}`, "yn"},
		{"neq block (user guide)", `{{#neq User.UserAttributes.FavoriteColors.[0] "red"}}You do not like red.{{else}}You like red.{{/neq}}`, "You like red."},
		{"neq inline", `{{neq Location.Country "CA" yes='y' no='n'}}`, "y"},
		{"not block (user guide)", `{{#not (eq User.UserAttributes.FavoriteColors.[0] "red")}}You do not like red.{{else}}You like red.{{/not}}`, "You like red."},
		{"not inline (user guide)", `{{not (eq User.UserAttributes.FavoriteColors.[0] "red")}}`, "false"},
		{"not inline yes no", `{{not Nope yes='y' no='n'}}`, "y"},
		{"or block (user guide)", `{{#or (eq Location.City "Los Angeles") (eq Location.City "Seattle")}}You live on the West Coast of the United States.{{else}}You do not live on the West Coast of the United States.{{/or}}`, "You live on the West Coast of the United States."},
		{"or inline", `{{or Nope Nope2 Address yes='y' no='n'}} {{or Nope Nope2 yes='y' no='n'}}`, "y n"},
		{"conditions in if", `{{#if (and (gt Metrics.Sessions 10) (lt Metrics.Score 8))}}engaged{{/if}}`, "engaged"},
	}
	runCases(t, d, cases)
	runCases(t, la, []renderCase{{"or second", `{{#or (eq Location.City "Los Angeles") (eq Location.City "Seattle")}}west{{else}}not{{/or}}`, "west"}})
}

func TestStringHelpers(t *testing.T) {
	d := data()
	d.Endpoint.User.UserAttributes["LastName"] = []string{"Alejandro"}
	d.Endpoint.Attributes["Purchases"] = []string{"3"}
	runCases(t, d, []renderCase{
		// The user guide's examples.
		{"abbreviate", "{{abbreviate User.UserAttributes.LastName.[0] 6}}", "Ale..."},
		{"capitalize", "{{capitalize Attributes.description.[0]}}", "My First Post"},
		{"capitalizeFirst", "{{capitalizeFirst Attributes.description.[0]}}", "My first post"},
		{"center", `"{{center Location.City size=19}}"`, `"    Los Angeles    "`},
		{"cut", `{{cut Location.City "e"}}`, "Los Angls"},
		{"dateFormat", `We can meet with you any time on {{dateFormat User.UserAttributes.StartDate.[0] inputFormat="MM/dd/yyyy" outputFormat="full" tz=America/Los_Angeles}}.`,
			// The user guide says Tuesday: 19 September 2020 was a Saturday.
			"We can meet with you any time on Saturday, September 19, 2020."},
		{"inflect", "Thank you for your purchase of {{inflect 3 apple apples includeCount=false}}.", "Thank you for your purchase of apples."},
		{"inflect with count", "Thank you for your purchase of {{inflect 3 apple apples includeCount=true}}.", "Thank you for your purchase of 3 apples."},
		{"join", `{{join Attributes.favorite_colors ", "}}`, "blue, red, green"},
		{"ljust", `"{{ljust Location.City 15}}"`, `"Los Angeles    "`},
		{"lower", "{{lower User.UserAttributes.[Last Name].[0]}}", "doe"},
		{"now", `{{now "medium" tz=America/Los_Angeles}}`, "Sep 19, 2020"},
		{"ordinalize", "Congratulations on your {{ordinalize User.UserAttributes.UserAge.[0]}} birthday!", "Congratulations on your 22nd birthday!"},
		{"replace", `{{replace Location.City " " "_"}}`, "Los_Angeles"},
		{"rjust", `"{{rjust Location.City 15}}"`, `"    Los Angeles"`},
		{"slugify", "{{slugify Location.City}}", "los-angeles"},
		{"stripTags", "{{stripTags User.UserAttributes.interests.[0]}}", "Art"},
		{"substring", "{{substring Location.City 4 9}}", "Angel"},
		{"upper", "{{upper User.UserAttributes.FirstName.[0]}}", "JANE"},
		{"yesno", "{{yesno Attributes.IsUserSubscribed}}", "yes"},

		// Variations.
		{"abbreviate short value", `{{abbreviate "Ann" 6}}`, "Ann"},
		{"capitalize fully", `{{capitalize "hELLO wORLD" fully=true}}`, "Hello World"},
		{"center pad", `{{center "ab" size=6 pad="*"}}{{center "abc" size=6 pad="*"}}`, "**ab***abc**"},
		{"cut default space", `{{cut "a b c"}}`, "abc"},
		{"dateFormat styles", `{{dateFormat "2020-09-19" "short"}}|{{dateFormat "2020-09-19" format="long"}}|{{dateFormat "2020-09-19"}}|{{dateFormat "2020-09-19T23:30:00Z" outputFormat="full" tz="America/Los_Angeles"}}`,
			"9/19/20|September 19, 2020|Sep 19, 2020|Saturday, September 19, 2020"},
		{"dateFormat pattern", `{{{dateFormat "2020-09-19T08:05:09.042Z" outputFormat="yyyy-MM-dd'T'HH:mm:ss.SSS EEE h a 'o''clock' Z"}}}`, "2020-09-19T08:05:09.042 Sat 8 AM o'clock +0000"},
		{"dateFormat bare zone", `{{dateFormat "2020-09-19T03:00:00Z" outputFormat="yyyy-MM-dd HH:mm" tz=America/Los_Angeles}}|{{now "HH:mm" tz=Asia/Tokyo}}`, "2020-09-18 20:00|05:00"},
		{"dateFormat zone from a variable", `{{dateFormat "2020-09-19T03:00:00Z" outputFormat="yyyy-MM-dd HH:mm" tz=Demographic.Timezone}}`, "2020-09-18 20:00"},
		{"dateFormat zone", `{{dateFormat "2020-09-19T20:00:00Z" outputFormat="HH:mm z XXX" tz="America/Los_Angeles"}}`, "13:00 PDT -07:00"},
		{"dateFormat epoch millis", `{{dateFormat "1600545600000" outputFormat="yyyy-MM-dd HH:mm"}}`, "2020-09-19 20:00"},
		{"dateFormat input pattern", `{{dateFormat "19.09.2020 14:30" inputFormat="dd.MM.yyyy HH:mm" outputFormat="MMMM d, h:mm a"}}`, "September 19, 2:30 PM"},
		{"dateFormat empty", `[{{dateFormat User.UserAttributes.Nope.[0]}}]`, "[]"},
		{"inflect one", `{{inflect 1 apple apples includeCount=true}}`, "1 apple"},
		{"inflect attribute", `{{inflect Attributes.Purchases "item" "items" includeCount=true}}`, "3 items"},
		{"join prefix suffix", `{{join Attributes.favorite_colors "|" prefix="<" suffix=">"}}`, "&lt;blue|red|green&gt;"},
		{"join many", `{{join "a" Attributes.favorite_colors "b" "-"}}`, "a-blue-red-green-b"},
		{"ljust pad", `{{ljust "ab" size=5 pad="."}}`, "ab..."},
		{"ljust shorter", `{{ljust "abcdef" 3}}`, "abcdef"},
		{"now default", `{{now}}`, "Sep 19, 2020"},
		{"now pattern", `{{now "yyyy-MM-dd HH:mm" tz="Asia/Tokyo"}}`, "2020-09-20 05:00"},
		{"ordinalize", `{{ordinalize 1}} {{ordinalize 2}} {{ordinalize 3}} {{ordinalize 4}} {{ordinalize 11}} {{ordinalize 12}} {{ordinalize 13}} {{ordinalize 21}} {{ordinalize 102}} {{ordinalize 111}}`,
			"1st 2nd 3rd 4th 11th 12th 13th 21st 102nd 111th"},
		{"ordinalize text", `{{ordinalize "first"}}`, "first"},
		{"replace all", `{{replace "a-b-c" "-" ""}}`, "abc"},
		{"slugify punctuation", `{{slugify "  Hello, World!  Ça va? "}}`, "hello-world-ça-va"},
		{"substring to end", `{{substring Location.City 4}}`, "Angeles"},
		{"substring clamped", `{{substring "abc" 1 99}}`, "bc"},
		{"yesno false", `{{yesno "false"}}`, "no"},
		{"yesno missing", `{{yesno Nope}}`, "maybe"},
		{"yesno words", `{{yesno "true" yes="Subscribed"}} {{yesno Nope maybe="?"}}`, "Subscribed ?"},
	})
}

func TestMathHelpers(t *testing.T) {
	runCases(t, data(), []renderCase{
		// The user guide's examples.
		{"add", "{{add 5 2.3}}", "7.3"},
		{"ceiling", "{{ceiling 5.23}}", "6"},
		// The user guide writes "Hello World" and calls encode64: this is
		// the value of its Base64 text.
		{"decode64", `{{decode64 "SGVsbG8gd29ybGQ="}}`, "Hello world"},
		{"divide", "{{divide 5 2.3}}", "2.17391304"},
		{"encode64", `{{{encode64 "Hello World"}}}`, "SGVsbG8gV29ybGQ="},
		{"encode64 escaped", `{{encode64 "Hello World"}}`, "SGVsbG8gV29ybGQ&#x3D;"},
		{"floor", "{{floor 5.23}}", "5"},
		// The user guide's digest is that of "Hello world".
		{"md5", `{{md5 "Hello world"}}`, "3e25960a79dbc69b674cd4ec67a72c62"},
		{"modulo", "{{modulo 7 2}}", "1"},
		{"multiply", "{{multiply 5 2.3}}", "11.5"},
		{"round", "You spent an average of {{round 19.21}} minutes on our website each day.", "You spent an average of 19 minutes on our website each day."},
		{"sha256", `{{sha256 "Hello World"}}`, "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"},
		{"sha512", `{{sha512 "Hello World"}}`, "2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b"},
		{"subtract", "{{subtract 5 2.3}}", "2.7"},

		// Variations.
		{"round half up", "{{round 2.5}} {{round -2.5}}", "3 -2"},
		{"metrics and attributes", "{{add Metrics.Sessions User.UserAttributes.UserAge.[0]}}", "64"},
		{"nested", "{{multiply (add 1 2) (subtract 10 4)}}", "18"},
		{"modulo fraction", "{{modulo 7.5 2}}", "1.5"},
		{"hash of an attribute", "{{md5 Address}}", md5Hex("jane@example.com")},
	})
	got, err := renderer().Render("{{uuid}} {{uuid}}", data())
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}) ([0-9a-f-]{36})$`)
	if m := re.FindStringSubmatch(got); m == nil || m[1] == m[2] {
		t.Errorf("{{uuid}} {{uuid}} = %q, want two different version 4 UUIDs", got)
	}
}

func TestErrors(t *testing.T) {
	r := renderer()
	cases := []struct{ name, src, msg string }{
		{"unclosed block", "{{#if Address}}x", `line 1: expecting the closing "{{/...}}" of a block, got the end of the template`},
		{"unclosed subexpression", "{{upper (lower Address}}", `expecting ")", got "}}"`},
		{"stray close", "x{{/if}}", "line 1: syntax error"},
		{"mismatched close", "{{#if Address}}x{{/each}} and more", "doesn't match"},
		{"unclosed mustache", "Hi {{Address", "line 1"},
		{"unknown helper", "{{shout Address}}", `unknown helper "shout"`},
		{"unknown helper in subexpression", "{{upper (shout Address)}}", `unknown helper "shout"`},
		{"unknown block helper", "{{#shout Address}}x{{/shout}}", `unknown helper "shout"`},
		{"raymond extra helper", "{{#ifGt 2 1}}x{{/ifGt}}", `unknown helper "ifGt"`},
		{"too few arguments", "{{eq Address}}", "eq takes 2 arguments, not 1"},
		{"too many arguments", "{{upper Address Id}}", "upper takes 1 arguments, not 2"},
		{"range of arguments", "{{substring Address}}", "substring takes 2 to 3 arguments, not 1"},
		{"each inline", "{{each Attributes}}", "each must be used as a block"},
		{"string helper as block", "{{#upper Address}}x{{/upper}}", "upper cannot be used as a block"},
		{"partial", "{{> footer}}", `partial "footer" is not defined (only inline partials are supported)`},
		{"dynamic partial", `{{#* inline "x"}}y{{/inline}}{{> (lookup . "x")}}`, "partial names must be written out"},
		{"partial arguments", `{{#* inline "x"}}y{{/inline}}{{> x Location}}`, "partials take no arguments here"},
		{"unclosed inline partial", `a{{#* inline "x"}}y`, `line 1: inline partial "x" has no {{/inline}}`},
		{"inline partial twice", `{{#*inline "x"}}y{{/inline}}{{#*inline "x"}}z{{/inline}}`, `inline partial "x" is defined twice`},
		{"error in an inline partial", `{{#*inline "x"}}{{#if}}{{/inline}}{{> x}}`, `inline partial "x": line 1:`},
		{"other decorator", `{{#* foo}}{{/foo}}`, "Invalid template"},
		{"recursive partial", `{{#*inline "x"}}a{{> x}}{{/inline}}{{> x}}`, "partials nest deeper than 16"},
		{"raw block", "{{{{raw}}}}x{{{{/raw}}}}", "raw blocks are not supported"},
		{"too deep", strings.Repeat("{{#if Address}}", 65) + strings.Repeat("{{/if}}", 65), "nest deeper than 64"},
		{"too deep subexpressions", "{{upper " + strings.Repeat("(lower ", 70) + "Address" + strings.Repeat(")", 70) + "}}", "nest deeper than 64"},
		{"division by zero", "{{divide 1 0}}", "divide: the result is not a finite number"},
		{"not a number", "{{add Address 1}}", `add: "jane@example.com" is not a number`},
		{"bad Base64", `{{decode64 "%%%"}}`, "decode64: the value is not Base64"},
		{"abbreviate width", `{{abbreviate Address 3}}`, "the width must be at least 4"},
		{"negative size", `{{ljust Address -1}}`, "not a non-negative integer"},
		{"bad time zone", `{{now tz="Mars/Olympus"}}`, `unknown time zone "Mars/Olympus"`},
		{"bad date", `{{dateFormat "yesterday"}}`, `cannot read the date "yesterday"`},
		{"bad pattern", `{{now "yyyy-qq"}}`, `invalid date format "yyyy-qq"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Render(tc.src, data())
			if pinfold.ErrorCode(err) != pinfold.EINVALID {
				t.Fatalf("Render(%q) error = %v, want EINVALID", tc.src, err)
			}
			if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, tc.msg) {
				t.Errorf("Render(%q) message = %q, want it to contain %q", tc.src, msg, tc.msg)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	r := renderer()
	if err := r.Validate("Hi {{User.UserAttributes.FirstName}} {{#each Attributes.X}}{{upper this}}{{/each}}"); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
	// Helper failures that depend on values are not syntax errors.
	if err := r.Validate("{{divide 1 0}}"); err != nil {
		t.Errorf("Validate({{divide 1 0}}) = %v", err)
	}
	for _, src := range []string{"{{#if x}}", "{{nope x}}", "{{eq}}", "{{> p}}"} {
		if err := r.Validate(src); pinfold.ErrorCode(err) != pinfold.EINVALID {
			t.Errorf("Validate(%q) = %v, want EINVALID", src, err)
		}
	}
	r.MaxSource = 10
	if err := r.Validate(strings.Repeat("x", 11)); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("Validate(too long) = %v, want EINVALID", err)
	}
}

func TestLimits(t *testing.T) {
	r := renderer()
	r.MaxOutput = 64 << 10
	big := make([]string, 50)
	for i := range big {
		big[i] = strings.Repeat("x", 100)
	}
	d := data()
	d.Endpoint.Attributes["Big"] = big
	d.Overrides = map[string][]string{"Huge": {strings.Repeat("y", 1<<20)}}

	nested := func(depth int, body string) string {
		return strings.Repeat("{{#each Attributes.Big}}", depth) + body + strings.Repeat("{{/each}}", depth)
	}
	sections := func(depth int, body string) string {
		return strings.Repeat("{{#Attributes.Big}}", depth) + body + strings.Repeat("{{/Attributes.Big}}", depth)
	}
	cases := []struct{ name, src string }{
		{"nested each", nested(8, "{{this}}")},
		{"nested each, empty body", nested(12, "")},
		{"nested each, static body", nested(6, strings.Repeat("z", 200))},
		{"nested sections", sections(8, "{{this}}")},
		{"nested sections, empty body", sections(12, "")},
		{"many variables", strings.Repeat("{{Huge}}", 100)},
		{"replace growth", `{{replace (replace (replace (replace Address "" Address) "" Address) "" Address) "" Address}}`},
		{"padding", `{{ljust Address 1000000000}}`},
		{"center", `{{center Address size=1000000000}}`},
		{"join", `{{join Huge Huge Huge Huge Huge Huge Huge Huge Huge Huge ","}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := r.Render(tc.src, d)
			if pinfold.ErrorCode(err) != pinfold.EINVALID || out != "" {
				t.Fatalf("Render = %d bytes, %v; want EINVALID", len(out), err)
			}
			if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, "more than 65536 bytes") {
				t.Errorf("message = %q", msg)
			}
		})
	}
	// Under the limit, the same constructs render.
	out, err := r.Render(nested(2, "{{this}}"), d)
	if err != nil || len(out) != 15*15*100 {
		t.Errorf("nested each of 2 = %d bytes, %v; want %d", len(out), err, 15*15*100)
	}
}

func TestCache(t *testing.T) {
	r := renderer()
	r.CacheSize = 2
	for i, src := range []string{"a{{Address}}", "b{{Address}}", "c{{Address}}", "a{{Address}}", "{{#if}}"} {
		out, err := r.Render(src, data())
		if i < 4 && (err != nil || out != src[:1]+"jane@example.com") {
			t.Errorf("Render(%q) = %q, %v", src, out, err)
		}
	}
	// Errors are cached like templates; a second render gives the same.
	_, err1 := r.Render("{{#if}}", data())
	_, err2 := r.Render("{{#if}}", data())
	if err1 == nil || err1.Error() != err2.Error() {
		t.Errorf("errors of a cached invalid template: %v, %v", err1, err2)
	}
}

func TestConcurrentRenders(t *testing.T) {
	r := renderer()
	src := "{{#each Attributes.favorite_colors}}{{upper this}}{{/each}} {{now}}"
	done := make(chan string)
	for range 8 {
		go func() {
			out, err := r.Render(src, data())
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for range 8 {
		if out := <-done; out != "BLUEREDGREEN Sep 19, 2020" {
			t.Errorf("concurrent Render = %q", out)
		}
	}
}

// TestInvalidTemplatesLeaveNoGoroutine: raymond's parser, stopping at a
// syntax error, leaves its lexer's goroutine blocked forever; invalid
// templates must not reach it.
func TestInvalidTemplatesLeaveNoGoroutine(t *testing.T) {
	r := renderer()
	before := runtime.NumGoroutine()
	for i := range 100 {
		for _, src := range []string{
			"{{#if a}}%d{{/each}} and {{more}} tokens",
			"{{upper (lower %d}} and {{more}} tokens",
			"{{a}}{{/if}}%d and {{more}} tokens",
			"{{#each a as ||}}%d{{/each}} and {{more}}",
		} {
			if err := r.Validate(fmt.Sprintf(src, i)); err == nil {
				t.Fatalf("Validate(%q) = nil", src)
			}
		}
	}
	// Lexers that have sent their last token end by themselves; let them.
	for i := 0; i < 100000 && runtime.NumGoroutine()-before > 20; i++ {
		runtime.Gosched()
	}
	if after := runtime.NumGoroutine(); after-before > 20 {
		t.Errorf("goroutines: %d before 400 invalid templates, %d after", before, after)
	}
}

func TestInlinePartials(t *testing.T) {
	d := data()
	runCases(t, d, []renderCase{
		{"user guide", "{{#* inline \"fullName\"}}\n{{User.UserAttributes.FirstName.[0]}} {{#if User.UserAttributes.LastName.[0]}} {{User.UserAttributes.LastName.[0]}} {{/if}}\n{{/inline}}\nHello {{> fullName}}",
			"Hello Jane  Santos \n"},
		{"inline", `{{#*inline 'b'}}<b>{{this}}</b>{{/inline}}{{#each Attributes.favorite_colors}}{{> b}}{{/each}}`, "<b>blue</b><b>red</b><b>green</b>"},
		{"partial in partial", `{{#*inline "a"}}[{{> b}}]{{/inline}}{{#*inline "b"}}{{upper Location.City}}{{/inline}}{{> a}} {{> "a"}}`, "[LOS ANGELES] [LOS ANGELES]"},
		{"escaped inside, not twice", `{{#*inline "q"}}{{Attributes.Quote}}{{/inline}}{{> q}}`, "O&#x27;Brien &amp; &quot;Co&quot; &lt;a&gt; &#x3D; &#x60;"},
		{"kept lines", "a\n  {{#*inline \"x\"}}\n  y\n  {{/inline}}\nb {{> x}}", "a\nb   y\n"},
	})
	// Partials that multiply their output are bounded like each.
	r := renderer()
	r.MaxOutput = 64 << 10
	src := `{{#*inline "a"}}` + strings.Repeat("x", 1000) + `{{/inline}}`
	for _, n := range []string{"b", "c", "d", "e", "f"} {
		prev := string(rune(n[0] - 1))
		src += `{{#*inline "` + n + `"}}` + strings.Repeat("{{> "+prev+"}}", 10) + `{{/inline}}`
	}
	src += "{{> f}}"
	if out, err := r.Render(src, d); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("partials multiplying to 100 MB: %d bytes, %v; want EINVALID", len(out), err)
	}
}
