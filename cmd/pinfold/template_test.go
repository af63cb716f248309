package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// templateView is what the tests read of a template from an SDK output.
type templateView struct {
	Arn, Name, Type, Version, Description, Created, Modified string
	// Marker is the type's main text: the email's subject, the SMS or
	// voice body, the default push body, the in-app body.
	Marker string
	Tags   map[string]string
}

// templateOps are one template type's operations, through aws-sdk-go-v2.
// Content of version text is built from text (see templateView.Marker).
type templateOps struct {
	create func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error)
	get    func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error)
	update func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error)
	del    func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error)
}

type templateCase struct {
	path, typ string
	ops       templateOps
	// raw is a request body that gives every member the type has, for
	// the golden file of its GET response.
	raw string
}

func templateCases() []templateCase {
	subs := aws.String(`{"FirstName":"there"}`)
	return []templateCase{
		{path: "email", typ: "EMAIL",
			raw: `{"Subject":"Hello {{User.UserAttributes.FirstName}}","HtmlPart":"<p>Hi {{User.UserAttributes.FirstName}}</p>",` +
				`"TextPart":"Hi {{User.UserAttributes.FirstName}}","DefaultSubstitutions":"{\"FirstName\":\"there\"}",` +
				`"TemplateDescription":"welcome email","RecommenderId":"rec-1","Headers":[{"Name":"X-Campaign","Value":"welcome"}],` +
				`"tags":{"team":"growth"}}`,
			ops: templateOps{
				create: func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error) {
					out, err := c.CreateEmailTemplate(ctx, &pinpoint.CreateEmailTemplateInput{TemplateName: &name,
						EmailTemplateRequest: &types.EmailTemplateRequest{Subject: &text, HtmlPart: aws.String("<p>" + text + "</p>"),
							TextPart: &text, DefaultSubstitutions: subs, TemplateDescription: aws.String("d " + text), Tags: tags}})
					if err != nil {
						return nil, err
					}
					return out.CreateTemplateMessageBody, nil
				},
				get: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error) {
					out, err := c.GetEmailTemplate(ctx, &pinpoint.GetEmailTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return templateView{}, err
					}
					r := out.EmailTemplateResponse
					return templateView{aws.ToString(r.Arn), aws.ToString(r.TemplateName), string(r.TemplateType), aws.ToString(r.Version),
						aws.ToString(r.TemplateDescription), aws.ToString(r.CreationDate), aws.ToString(r.LastModifiedDate),
						aws.ToString(r.Subject), r.Tags}, nil
				},
				update: func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error) {
					out, err := c.UpdateEmailTemplate(ctx, &pinpoint.UpdateEmailTemplateInput{TemplateName: &name, Version: version,
						CreateNewVersion: newVersion, EmailTemplateRequest: &types.EmailTemplateRequest{Subject: &text,
							TemplateDescription: aws.String("d " + text)}})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
				del: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error) {
					out, err := c.DeleteEmailTemplate(ctx, &pinpoint.DeleteEmailTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
			}},
		{path: "sms", typ: "SMS",
			raw: `{"Body":"Your code is {{Attributes.Code}}","DefaultSubstitutions":"{\"Code\":\"0000\"}",` +
				`"TemplateDescription":"code sms","RecommenderId":"rec-1","tags":{"team":"auth"}}`,
			ops: templateOps{
				create: func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error) {
					out, err := c.CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: &name,
						SMSTemplateRequest: &types.SMSTemplateRequest{Body: &text, DefaultSubstitutions: subs,
							TemplateDescription: aws.String("d " + text), Tags: tags}})
					if err != nil {
						return nil, err
					}
					return out.CreateTemplateMessageBody, nil
				},
				get: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error) {
					out, err := c.GetSmsTemplate(ctx, &pinpoint.GetSmsTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return templateView{}, err
					}
					r := out.SMSTemplateResponse
					return templateView{aws.ToString(r.Arn), aws.ToString(r.TemplateName), string(r.TemplateType), aws.ToString(r.Version),
						aws.ToString(r.TemplateDescription), aws.ToString(r.CreationDate), aws.ToString(r.LastModifiedDate),
						aws.ToString(r.Body), r.Tags}, nil
				},
				update: func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error) {
					out, err := c.UpdateSmsTemplate(ctx, &pinpoint.UpdateSmsTemplateInput{TemplateName: &name, Version: version,
						CreateNewVersion: newVersion, SMSTemplateRequest: &types.SMSTemplateRequest{Body: &text,
							TemplateDescription: aws.String("d " + text)}})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
				del: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error) {
					out, err := c.DeleteSmsTemplate(ctx, &pinpoint.DeleteSmsTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
			}},
		{path: "voice", typ: "VOICE",
			raw: `{"Body":"Hello {{User.UserAttributes.FirstName}}","LanguageCode":"en-US","VoiceId":"Joanna",` +
				`"DefaultSubstitutions":"{\"FirstName\":\"there\"}","TemplateDescription":"voice greeting","tags":{"team":"voice"}}`,
			ops: templateOps{
				create: func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error) {
					out, err := c.CreateVoiceTemplate(ctx, &pinpoint.CreateVoiceTemplateInput{TemplateName: &name,
						VoiceTemplateRequest: &types.VoiceTemplateRequest{Body: &text, LanguageCode: aws.String("en-US"),
							VoiceId: aws.String("Joanna"), DefaultSubstitutions: subs, TemplateDescription: aws.String("d " + text), Tags: tags}})
					if err != nil {
						return nil, err
					}
					return out.CreateTemplateMessageBody, nil
				},
				get: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error) {
					out, err := c.GetVoiceTemplate(ctx, &pinpoint.GetVoiceTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return templateView{}, err
					}
					r := out.VoiceTemplateResponse
					return templateView{aws.ToString(r.Arn), aws.ToString(r.TemplateName), string(r.TemplateType), aws.ToString(r.Version),
						aws.ToString(r.TemplateDescription), aws.ToString(r.CreationDate), aws.ToString(r.LastModifiedDate),
						aws.ToString(r.Body), r.Tags}, nil
				},
				update: func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error) {
					out, err := c.UpdateVoiceTemplate(ctx, &pinpoint.UpdateVoiceTemplateInput{TemplateName: &name, Version: version,
						CreateNewVersion: newVersion, VoiceTemplateRequest: &types.VoiceTemplateRequest{Body: &text,
							TemplateDescription: aws.String("d " + text)}})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
				del: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error) {
					out, err := c.DeleteVoiceTemplate(ctx, &pinpoint.DeleteVoiceTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
			}},
		{path: "push", typ: "PUSH",
			raw: `{"Default":{"Title":"Hi","Body":"Hello {{User.UserAttributes.FirstName}}","Action":"OPEN_APP"},` +
				`"APNS":{"Title":"Hi","Body":"iOS body","Sound":"default","Action":"DEEP_LINK","Url":"app://home"},` +
				`"GCM":{"Title":"Hi","Body":"Android body","ImageUrl":"https://example.com/i.png","Action":"URL","Url":"https://example.com"},` +
				`"ADM":{"Body":"Kindle body"},"Baidu":{"Body":"Baidu body"},` +
				`"DefaultSubstitutions":"{\"FirstName\":\"there\"}","TemplateDescription":"push greeting","RecommenderId":"rec-1",` +
				`"tags":{"team":"mobile"}}`,
			ops: templateOps{
				create: func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error) {
					out, err := c.CreatePushTemplate(ctx, &pinpoint.CreatePushTemplateInput{TemplateName: &name,
						PushNotificationTemplateRequest: &types.PushNotificationTemplateRequest{
							Default:              &types.DefaultPushNotificationTemplate{Title: aws.String("T"), Body: &text},
							GCM:                  &types.AndroidPushNotificationTemplate{Body: aws.String("android " + text)},
							DefaultSubstitutions: subs, TemplateDescription: aws.String("d " + text), Tags: tags}})
					if err != nil {
						return nil, err
					}
					return out.CreateTemplateMessageBody, nil
				},
				get: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error) {
					out, err := c.GetPushTemplate(ctx, &pinpoint.GetPushTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return templateView{}, err
					}
					r := out.PushNotificationTemplateResponse
					marker := ""
					if r.Default != nil {
						marker = aws.ToString(r.Default.Body)
					}
					return templateView{aws.ToString(r.Arn), aws.ToString(r.TemplateName), string(r.TemplateType), aws.ToString(r.Version),
						aws.ToString(r.TemplateDescription), aws.ToString(r.CreationDate), aws.ToString(r.LastModifiedDate),
						marker, r.Tags}, nil
				},
				update: func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error) {
					out, err := c.UpdatePushTemplate(ctx, &pinpoint.UpdatePushTemplateInput{TemplateName: &name, Version: version,
						CreateNewVersion: newVersion, PushNotificationTemplateRequest: &types.PushNotificationTemplateRequest{
							Default:             &types.DefaultPushNotificationTemplate{Body: &text},
							TemplateDescription: aws.String("d " + text)}})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
				del: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error) {
					out, err := c.DeletePushTemplate(ctx, &pinpoint.DeletePushTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
			}},
		{path: "inapp", typ: "INAPP",
			raw: `{"Content":[{"BackgroundColor":"#FFFFFF","BodyConfig":{"Alignment":"LEFT","Body":"Welcome aboard","TextColor":"#000000"},` +
				`"HeaderConfig":{"Alignment":"CENTER","Header":"Hello","TextColor":"#000000"},"ImageUrl":"https://example.com/i.png",` +
				`"PrimaryBtn":{"DefaultConfig":{"BackgroundColor":"#0000FF","BorderRadius":4,"ButtonAction":"CLOSE","Text":"OK","TextColor":"#FFFFFF"},` +
				`"Android":{"ButtonAction":"DEEP_LINK","Link":"app://home"}}}],` +
				`"CustomConfig":{"screen":"home"},"Layout":"BOTTOM_BANNER","TemplateDescription":"in-app welcome","tags":{"team":"mobile"}}`,
			ops: templateOps{
				create: func(ctx context.Context, c *pinpoint.Client, name, text string, tags map[string]string) (*types.CreateTemplateMessageBody, error) {
					out, err := c.CreateInAppTemplate(ctx, &pinpoint.CreateInAppTemplateInput{TemplateName: &name,
						InAppTemplateRequest: &types.InAppTemplateRequest{Content: inAppContent(text), Layout: types.LayoutBottomBanner,
							CustomConfig: map[string]string{"k": "v"}, TemplateDescription: aws.String("d " + text), Tags: tags}})
					if err != nil {
						return nil, err
					}
					// The in-app output has its own shape of the same members.
					b := out.TemplateCreateMessageBody
					return &types.CreateTemplateMessageBody{Arn: b.Arn, Message: b.Message, RequestID: b.RequestID}, nil
				},
				get: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (templateView, error) {
					out, err := c.GetInAppTemplate(ctx, &pinpoint.GetInAppTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return templateView{}, err
					}
					r := out.InAppTemplateResponse
					marker := ""
					if len(r.Content) > 0 && r.Content[0].BodyConfig != nil {
						marker = aws.ToString(r.Content[0].BodyConfig.Body)
					}
					return templateView{aws.ToString(r.Arn), aws.ToString(r.TemplateName), string(r.TemplateType), aws.ToString(r.Version),
						aws.ToString(r.TemplateDescription), aws.ToString(r.CreationDate), aws.ToString(r.LastModifiedDate),
						marker, r.Tags}, nil
				},
				update: func(ctx context.Context, c *pinpoint.Client, name, text string, version *string, newVersion *bool) (*types.MessageBody, error) {
					out, err := c.UpdateInAppTemplate(ctx, &pinpoint.UpdateInAppTemplateInput{TemplateName: &name, Version: version,
						CreateNewVersion: newVersion, InAppTemplateRequest: &types.InAppTemplateRequest{Content: inAppContent(text),
							Layout: types.LayoutTopBanner, TemplateDescription: aws.String("d " + text)}})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
				del: func(ctx context.Context, c *pinpoint.Client, name string, version *string) (*types.MessageBody, error) {
					out, err := c.DeleteInAppTemplate(ctx, &pinpoint.DeleteInAppTemplateInput{TemplateName: &name, Version: version})
					if err != nil {
						return nil, err
					}
					return out.MessageBody, nil
				},
			}},
	}
}

func inAppContent(text string) []types.InAppMessageContent {
	return []types.InAppMessageContent{{BodyConfig: &types.InAppMessageBodyConfig{Alignment: types.AlignmentLeft,
		Body: &text, TextColor: aws.String("#000000")}}}
}

// versionsOf returns the versions of a ListTemplateVersions output.
func versionsOf(out *pinpoint.ListTemplateVersionsOutput) []string {
	var vs []string
	for _, it := range out.TemplateVersionsResponse.Item {
		vs = append(vs, aws.ToString(it.Version))
	}
	return vs
}

// TestTemplates drives every template type through aws-sdk-go-v2: create,
// get (active and by version), update in place and as a new version, the
// version checks, the active version, ListTemplateVersions, deleting one
// version and all, tags, another account; and pins each type's GET
// response in a golden file.
func TestTemplates(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	other := client(n, "other", "us-east-1")
	ctx := context.Background()
	for _, tc := range templateCases() {
		t.Run(tc.path, func(t *testing.T) {
			name := "greet-" + tc.path
			arn := "arn:aws:mobiletargeting:us-east-1:000000000000:templates/" + name + "/" + tc.typ
			get := func(step string, version *string, wantVersion, wantMarker string) templateView {
				t.Helper()
				v, err := tc.ops.get(ctx, c, name, version)
				if err != nil {
					t.Fatalf("%s: get: %v", step, err)
				}
				if v.Arn != arn || v.Name != name || v.Type != tc.typ || v.Version != wantVersion || v.Marker != wantMarker ||
					v.Description != "d "+wantMarker {
					t.Errorf("%s: got %+v, want version %s of %s with %q", step, v, wantVersion, arn, wantMarker)
				}
				for _, d := range []string{v.Created, v.Modified} {
					if _, err := time.Parse("2006-01-02T15:04:05.000Z", d); err != nil {
						t.Errorf("%s: date %q: %v", step, d, err)
					}
				}
				return v
			}
			accepted := func(step string) func(b *types.MessageBody, err error) {
				return func(b *types.MessageBody, err error) {
					t.Helper()
					if err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					if b == nil || aws.ToString(b.Message) != "Accepted" || aws.ToString(b.RequestID) == "" {
						t.Errorf("%s: got %+v, want Message Accepted and a RequestID", step, b)
					}
				}
			}

			// Nothing yet.
			_, err := tc.ops.get(ctx, c, name, nil)
			if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Resource not found" {
				t.Errorf("get before create: %q", ae.ErrorMessage())
			}
			created, err := tc.ops.create(ctx, c, name, "v1", map[string]string{"team": "growth"})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if aws.ToString(created.Arn) != arn || aws.ToString(created.Message) != "Created" || aws.ToString(created.RequestID) == "" {
				t.Errorf("create: got %+v, want Arn %s, Message Created and a RequestID", created, arn)
			}
			v1 := get("after create", nil, "1", "v1")
			if v1.Created != v1.Modified || !maps2equal(v1.Tags, map[string]string{"team": "growth"}) {
				t.Errorf("after create: dates %s %s, tags %v", v1.Created, v1.Modified, v1.Tags)
			}
			get("version 1", aws.String("1"), "1", "v1")
			_, err = tc.ops.create(ctx, c, name, "again", nil)
			if ae := apiErr(t, err, "BadRequestException"); ae.ErrorMessage() != "Template already exists" {
				t.Errorf("duplicate create: %q", ae.ErrorMessage())
			}

			// Update in place: version 1 changes, keeps its creation date
			// and tags (an update's tags are ignored).
			b, err := tc.ops.update(ctx, c, name, "v1b", nil, nil)
			accepted("update in place")(b, err)
			if got := get("after update in place", nil, "1", "v1b"); got.Created != v1.Created || !maps2equal(got.Tags, v1.Tags) {
				t.Errorf("update in place: created %s tags %v, want %s %v", got.Created, got.Tags, v1.Created, v1.Tags)
			}
			b, err = tc.ops.update(ctx, c, name, "v1c", aws.String("1"), aws.Bool(false))
			accepted("update of version 1 (the latest)")(b, err)
			get("after update of version 1", aws.String("1"), "1", "v1c")

			// A new version is not active.
			b, err = tc.ops.update(ctx, c, name, "v2", nil, aws.Bool(true))
			accepted("new version")(b, err)
			get("active after a new version", nil, "1", "v1c")
			get("version 2", aws.String("2"), "2", "v2")

			// The version checks.
			_, err = tc.ops.update(ctx, c, name, "x", aws.String("1"), nil)
			apiErr(t, err, "BadRequestException") // not the latest
			_, err = tc.ops.update(ctx, c, name, "x", aws.String("9"), nil)
			apiErr(t, err, "NotFoundException")
			_, err = tc.ops.update(ctx, c, name, "x", aws.String("2"), aws.Bool(true))
			apiErr(t, err, "BadRequestException") // both version and create-new-version
			_, err = tc.ops.get(ctx, c, name, aws.String("3"))
			apiErr(t, err, "NotFoundException")
			_, err = tc.ops.get(ctx, c, name, aws.String("two"))
			apiErr(t, err, "BadRequestException")

			// The active version.
			setActive := func(v string) error {
				out, err := c.UpdateTemplateActiveVersion(ctx, &pinpoint.UpdateTemplateActiveVersionInput{TemplateName: &name,
					TemplateType: &tc.typ, TemplateActiveVersionRequest: &types.TemplateActiveVersionRequest{Version: &v}})
				if err == nil && aws.ToString(out.MessageBody.RequestID) == "" {
					t.Errorf("UpdateTemplateActiveVersion(%s): no RequestID in %+v", v, out.MessageBody)
				}
				return err
			}
			if err := setActive("2"); err != nil {
				t.Fatalf("UpdateTemplateActiveVersion(2): %v", err)
			}
			get("active after UpdateTemplateActiveVersion(2)", nil, "2", "v2")
			accepted("third version")(tc.ops.update(ctx, c, name, "v3", nil, aws.Bool(true)))
			if err := setActive("latest"); err != nil {
				t.Fatalf("UpdateTemplateActiveVersion(latest): %v", err)
			}
			get("active after UpdateTemplateActiveVersion(latest)", nil, "3", "v3")
			apiErr(t, setActive("7"), "NotFoundException")
			apiErr(t, setActive("newest"), "BadRequestException")

			// The versions, newest first, in pages.
			lv, err := c.ListTemplateVersions(ctx, &pinpoint.ListTemplateVersionsInput{TemplateName: &name, TemplateType: &tc.typ})
			if err != nil {
				t.Fatalf("ListTemplateVersions: %v", err)
			}
			if got := versionsOf(lv); !slices.Equal(got, []string{"3", "2", "1"}) || lv.TemplateVersionsResponse.NextToken != nil {
				t.Errorf("ListTemplateVersions = %v (next %v), want [3 2 1]", got, lv.TemplateVersionsResponse.NextToken)
			}
			if it := lv.TemplateVersionsResponse.Item[1]; aws.ToString(it.TemplateName) != name || aws.ToString(it.TemplateType) != tc.typ ||
				aws.ToString(it.TemplateDescription) != "d v2" || it.CreationDate == nil || it.LastModifiedDate == nil {
				t.Errorf("ListTemplateVersions item of version 2: %+v", it)
			}
			var paged []string
			in := &pinpoint.ListTemplateVersionsInput{TemplateName: &name, TemplateType: aws.String(strings.ToLower(tc.typ)), PageSize: aws.String("2")}
			for range 5 {
				out, err := c.ListTemplateVersions(ctx, in)
				if err != nil {
					t.Fatalf("ListTemplateVersions(page): %v", err)
				}
				paged = append(paged, versionsOf(out)...)
				if in.NextToken = out.TemplateVersionsResponse.NextToken; in.NextToken == nil {
					break
				}
			}
			if !slices.Equal(paged, []string{"3", "2", "1"}) {
				t.Errorf("ListTemplateVersions in pages of 2 = %v, want [3 2 1]", paged)
			}

			// Deleting the active version makes the latest remaining active;
			// its number is not reused.
			accepted("delete version 3")(tc.ops.del(ctx, c, name, aws.String("3")))
			get("active after deleting version 3", nil, "2", "v2")
			_, err = tc.ops.del(ctx, c, name, aws.String("3"))
			apiErr(t, err, "NotFoundException")
			accepted("fourth version")(tc.ops.update(ctx, c, name, "v4", nil, aws.Bool(true)))
			get("version 4", aws.String("4"), "4", "v4")

			// Tags, by the template's ARN.
			if _, err := c.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: &arn,
				TagsModel: &types.TagsModel{Tags: map[string]string{"env": "test"}}}); err != nil {
				t.Fatalf("TagResource: %v", err)
			}
			if _, err := c.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}}); err != nil {
				t.Fatalf("UntagResource: %v", err)
			}
			tags, err := c.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: &arn})
			if err != nil || !maps2equal(tags.TagsModel.Tags, map[string]string{"env": "test"}) {
				t.Errorf("ListTagsForResource = %+v, %v; want env=test", tags, err)
			}
			if got := get("tags of version 1", aws.String("1"), "1", "v1c"); !maps2equal(got.Tags, map[string]string{"env": "test"}) {
				t.Errorf("tags of version 1 = %v", got.Tags)
			}
			_, err = c.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: aws.String(arn + "X")})
			apiErr(t, err, "NotFoundException")

			// Another account sees nothing of it.
			_, err = tc.ops.get(ctx, other, name, nil)
			apiErr(t, err, "NotFoundException")
			_, err = tc.ops.update(ctx, other, name, "x", nil, nil)
			apiErr(t, err, "NotFoundException")
			_, err = tc.ops.del(ctx, other, name, nil)
			apiErr(t, err, "NotFoundException")
			_, err = other.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: &arn})
			apiErr(t, err, "NotFoundException")

			// The wire form of a GET response.
			gname := "golden-" + tc.path
			readAll(t, rawRequest(t, n, "POST", "/v1/templates/"+gname+"/"+tc.path, []byte(tc.raw), true), http.StatusCreated)
			body := readAll(t, rawRequest(t, n, "GET", "/v1/templates/"+gname+"/"+tc.path, nil, true), http.StatusOK)
			golden(t, filepath.Join("testdata", "templates", tc.path+".golden"), isoTimeRe.ReplaceAllString(body, "TIME")+"\n")

			// Delete every version.
			accepted("delete all")(tc.ops.del(ctx, c, name, nil))
			for _, v := range []*string{nil, aws.String("1"), aws.String("4")} {
				_, err = tc.ops.get(ctx, c, name, v)
				apiErr(t, err, "NotFoundException")
			}
			_, err = tc.ops.del(ctx, c, name, nil)
			apiErr(t, err, "NotFoundException")
			_, err = c.ListTemplateVersions(ctx, &pinpoint.ListTemplateVersionsInput{TemplateName: &name, TemplateType: &tc.typ})
			apiErr(t, err, "NotFoundException")
		})
	}
}

func maps2equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestListTemplates lists templates of every type with prefix and type
// filters and in pages, ordered by name and type, each at its active
// version; another account's are not listed.
func TestListTemplates(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	cases := templateCases()
	var all []string
	for _, name := range []string{"order-shipped", "Order-Paid", "order-paid", "reset", "order"} {
		for _, tc := range cases {
			if _, err := tc.ops.create(ctx, c, name, "v1", nil); err != nil {
				t.Fatalf("create %s/%s: %v", name, tc.typ, err)
			}
			all = append(all, name+"/"+tc.typ)
		}
	}
	// By name, then type ("order" before "order-paid", though "order/" sorts after "order-").
	slices.SortFunc(all, func(a, b string) int {
		an, at, _ := strings.Cut(a, "/")
		bn, bt, _ := strings.Cut(b, "/")
		return cmp.Or(cmp.Compare(an, bn), cmp.Compare(at, bt))
	})
	// A second version, made active, of one of them.
	if _, err := cases[1].ops.update(ctx, c, "reset", "v2", nil, aws.Bool(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTemplateActiveVersion(ctx, &pinpoint.UpdateTemplateActiveVersionInput{TemplateName: aws.String("reset"),
		TemplateType: aws.String("SMS"), TemplateActiveVersionRequest: &types.TemplateActiveVersionRequest{Version: aws.String("2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client(n, "other", "us-east-1").CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: aws.String("order-x"),
		SMSTemplateRequest: &types.SMSTemplateRequest{Body: aws.String("x")}}); err != nil {
		t.Fatal(err)
	}
	list := func(in pinpoint.ListTemplatesInput) []string {
		t.Helper()
		var got []string
		for range 50 {
			out, err := c.ListTemplates(ctx, &in)
			if err != nil {
				t.Fatalf("ListTemplates(%+v): %v", in, err)
			}
			for _, it := range out.TemplatesResponse.Item {
				key := aws.ToString(it.TemplateName) + "/" + string(it.TemplateType)
				got = append(got, key)
				want := "1"
				if key == "reset/SMS" {
					want = "2"
				}
				if aws.ToString(it.Version) != want || it.CreationDate == nil || it.LastModifiedDate == nil || it.Arn != nil {
					t.Errorf("ListTemplates item %s: %+v, want active version %s, dates, no Arn", key, it, want)
				}
			}
			if in.NextToken = out.TemplatesResponse.NextToken; in.NextToken == nil {
				return got
			}
		}
		t.Fatal("ListTemplates: too many pages")
		return nil
	}
	want := func(prefix, typ string) []string {
		var w []string
		for _, k := range all {
			name, ty, _ := strings.Cut(k, "/")
			if strings.HasPrefix(name, prefix) && (typ == "" || ty == typ) {
				w = append(w, k)
			}
		}
		return w
	}
	// Sorted by name, then type: "order" comes before "order-paid".
	if got := list(pinpoint.ListTemplatesInput{}); !slices.Equal(got, all) || got[0] != "Order-Paid/EMAIL" || got[5] != "order/EMAIL" {
		t.Errorf("ListTemplates = %v\nwant %v", got, all)
	}
	for _, tt := range []struct{ prefix, typ, size string }{
		{"", "", "3"}, {"order", "", "4"}, {"order-", "", ""}, {"Order", "", "1"}, {"", "SMS", "2"},
		{"", "inapp", ""}, {"order-p", "EMAIL", "1"}, {"x", "", ""}, {"order.", "", ""},
	} {
		in := pinpoint.ListTemplatesInput{}
		if tt.prefix != "" {
			in.Prefix = &tt.prefix
		}
		if tt.typ != "" {
			in.TemplateType = &tt.typ
		}
		if tt.size != "" {
			in.PageSize = &tt.size
		}
		if got, w := list(in), want(tt.prefix, strings.ToUpper(tt.typ)); !slices.Equal(got, w) {
			t.Errorf("ListTemplates(prefix %q, type %q, size %q) = %v, want %v", tt.prefix, tt.typ, tt.size, got, w)
		}
	}
	_, err := c.ListTemplates(ctx, &pinpoint.ListTemplatesInput{TemplateType: aws.String("FAX")})
	apiErr(t, err, "BadRequestException")
	_, err = c.ListTemplates(ctx, &pinpoint.ListTemplatesInput{NextToken: aws.String("bogus")})
	apiErr(t, err, "BadRequestException")
	_, err = c.ListTemplates(ctx, &pinpoint.ListTemplatesInput{PageSize: aws.String("0")})
	apiErr(t, err, "BadRequestException")
}

// TestTemplateValidation: names, DefaultSubstitutions, the size quotas of
// each type, the list caps, and bodies of the wrong shape.
func TestTemplateValidation(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	bad := func(what string, err error, msgPart string) {
		t.Helper()
		ae := apiErr(t, err, "BadRequestException")
		if !strings.Contains(ae.ErrorMessage(), msgPart) {
			t.Errorf("%s: message %q, want it to contain %q", what, ae.ErrorMessage(), msgPart)
		}
	}
	sms := func(name, body string, subs *string) error {
		_, err := c.CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: &name,
			SMSTemplateRequest: &types.SMSTemplateRequest{Body: &body, DefaultSubstitutions: subs}})
		return err
	}
	for _, name := range []string{"-leading-hyphen", "_underscore", "has.dot", "has space", "ünïcode", strings.Repeat("a", 129)} {
		bad("name "+name, sms(name, "x", nil), "Invalid template name")
		_, err := c.GetSmsTemplate(ctx, &pinpoint.GetSmsTemplateInput{TemplateName: &name})
		bad("get name "+name, err, "Invalid template name")
	}
	if err := sms(strings.Repeat("a", 128), "x", nil); err != nil {
		t.Errorf("a name of 128 characters: %v", err)
	}
	if err := sms("Ab0_-", "x", nil); err != nil {
		t.Errorf("a name of letters, digits, _ and -: %v", err)
	}
	// Names are case sensitive.
	if err := sms("ab0_-", "y", nil); err != nil {
		t.Errorf("the same name in lower case: %v", err)
	}
	for _, subs := range []string{"not json", `["a"]`, `{"a":1}`, `{"a":{"b":"c"}}`, "null"} {
		bad("DefaultSubstitutions "+subs, sms("subs", "x", aws.String(subs)), "Invalid DefaultSubstitutions")
	}
	if err := sms("subs", "x", aws.String(`{"a":"b","c":""}`)); err != nil {
		t.Errorf("DefaultSubstitutions of strings: %v", err)
	}

	// The size quotas, in characters: at the quota passes, one more fails.
	if err := sms("sms-max", strings.Repeat("é", 1600), nil); err != nil {
		t.Errorf("an SMS template of 1600 characters: %v", err)
	}
	bad("SMS of 1601", sms("sms-over", strings.Repeat("é", 1601), nil), "exceeds the limit of 1600 characters")
	_, err := c.CreateVoiceTemplate(ctx, &pinpoint.CreateVoiceTemplateInput{TemplateName: aws.String("voice-over"),
		VoiceTemplateRequest: &types.VoiceTemplateRequest{Body: aws.String(strings.Repeat("v", 10_001))}})
	bad("voice of 10001", err, "limit of 10000")
	_, err = c.CreatePushTemplate(ctx, &pinpoint.CreatePushTemplateInput{TemplateName: aws.String("push-over"),
		PushNotificationTemplateRequest: &types.PushNotificationTemplateRequest{
			Default: &types.DefaultPushNotificationTemplate{Body: aws.String(strings.Repeat("p", 2000))},
			GCM:     &types.AndroidPushNotificationTemplate{Body: aws.String(strings.Repeat("g", 2001))}}})
	bad("push of 4001", err, "limit of 4000")
	_, err = c.CreateEmailTemplate(ctx, &pinpoint.CreateEmailTemplateInput{TemplateName: aws.String("email-max"),
		EmailTemplateRequest: &types.EmailTemplateRequest{HtmlPart: aws.String(strings.Repeat("h", 600_000))}})
	if err != nil {
		t.Errorf("an email template of 600000 characters: %v", err)
	}
	_, err = c.UpdateEmailTemplate(ctx, &pinpoint.UpdateEmailTemplateInput{TemplateName: aws.String("email-max"),
		EmailTemplateRequest: &types.EmailTemplateRequest{HtmlPart: aws.String(strings.Repeat("h", 600_000)), Subject: aws.String("s")}})
	bad("email of 600001", err, "limit of 600000")
	_, err = c.CreateInAppTemplate(ctx, &pinpoint.CreateInAppTemplateInput{TemplateName: aws.String("inapp-over"),
		InAppTemplateRequest: &types.InAppTemplateRequest{CustomConfig: map[string]string{"k": strings.Repeat("i", 200_000)}}})
	bad("in-app of 200001", err, "limit of 200000")
	headers := make([]types.MessageHeader, 16)
	for i := range headers {
		headers[i] = types.MessageHeader{Name: aws.String(fmt.Sprint("X-H", i)), Value: aws.String("v")}
	}
	_, err = c.CreateEmailTemplate(ctx, &pinpoint.CreateEmailTemplateInput{TemplateName: aws.String("headers"),
		EmailTemplateRequest: &types.EmailTemplateRequest{Headers: headers}})
	bad("16 headers", err, "Too many Headers")
	_, err = c.CreateEmailTemplate(ctx, &pinpoint.CreateEmailTemplateInput{TemplateName: aws.String("headers"),
		EmailTemplateRequest: &types.EmailTemplateRequest{Headers: headers[:15]}})
	if err != nil {
		t.Errorf("15 headers: %v", err)
	}
	content := slices.Repeat(inAppContent("x"), 6)
	_, err = c.CreateInAppTemplate(ctx, &pinpoint.CreateInAppTemplateInput{TemplateName: aws.String("carousel"),
		InAppTemplateRequest: &types.InAppTemplateRequest{Content: content, Layout: types.LayoutCarousel}})
	bad("6 in-app contents", err, "Too many Content items")
	tags := map[string]string{}
	for i := range 51 {
		tags[fmt.Sprint("k", i)] = "v"
	}
	_, err = c.CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: aws.String("tagged"),
		SMSTemplateRequest: &types.SMSTemplateRequest{Body: aws.String("x"), Tags: tags}})
	bad("51 tags", err, "Too many tags")

	// Bodies of the wrong shape, and query parameters.
	resp := rawRequest(t, n, "POST", "/v1/templates/raw/sms", []byte(`{"Body":1}`), true)
	if body := readAll(t, resp, http.StatusBadRequest); !strings.Contains(body, "Body") {
		t.Errorf("a number for Body: %s", body)
	}
	readAll(t, rawRequest(t, n, "POST", "/v1/templates/raw/sms", []byte(`{"Body":"ok"}`), true), http.StatusCreated)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/sms?create-new-version=maybe", []byte(`{"Body":"ok"}`), true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/sms?version=0", []byte(`{"Body":"ok"}`), true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "DELETE", "/v1/templates/raw/sms?version=-1", nil, true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/sms?create-new-version=true", []byte(`{"Body":"two"}`), true), http.StatusAccepted)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/FAX/active-version", []byte(`{"Version":"1"}`), true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/sms/active-version", []byte(`{}`), true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "PUT", "/v1/templates/raw/sms/active-version", []byte(`{"Version":"2"}`), true), http.StatusOK)
	readAll(t, rawRequest(t, n, "GET", "/v1/templates/raw/sms/versions?page-size=x", nil, true), http.StatusBadRequest)
	readAll(t, rawRequest(t, n, "GET", "/v1/templates/raw/sms/versions?next-token=x", nil, true), http.StatusBadRequest)
	// The tags of a template ARN that is not one.
	for _, arn := range []string{"arn:aws:mobiletargeting:us-east-1:000000000000:templates/raw",
		"arn:aws:mobiletargeting:us-east-1:000000000000:templates/raw/FAX",
		"arn:aws:mobiletargeting:us-east-1:000000000000:templates/raw/sms",
		"arn:aws:mobiletargeting:eu-west-1:000000000000:templates/raw/SMS"} {
		readAll(t, rawRequest(t, n, "GET", "/v1/tags/"+url.PathEscape(arn), nil, true), http.StatusNotFound)
	}
	readAll(t, rawRequest(t, n, "GET", "/v1/tags/"+url.PathEscape("arn:aws:mobiletargeting:us-east-1:000000000000:templates/raw/SMS"), nil, true), http.StatusOK)
}

// TestSendWithTemplate checks the contract between the template store and
// sending: SendMessages with an SMS template sends the active version, or
// the version named, and the outbox records which.
func TestSendWithTemplate(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "send")
	if _, err := c.UpdateSmsChannel(ctx, &pinpoint.UpdateSmsChannelInput{ApplicationId: &app,
		SMSChannelRequest: &types.SMSChannelRequest{Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	name := "shipped"
	if _, err := c.CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: &name,
		SMSTemplateRequest: &types.SMSTemplateRequest{Body: aws.String("Your order has shipped.")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSmsTemplate(ctx, &pinpoint.UpdateSmsTemplateInput{TemplateName: &name, CreateNewVersion: aws.Bool(true),
		SMSTemplateRequest: &types.SMSTemplateRequest{Body: aws.String("Shipped, version two.")}}); err != nil {
		t.Fatal(err)
	}
	send := func(version *string) {
		t.Helper()
		out, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
			Addresses:             map[string]types.AddressConfiguration{"+15555550100": {ChannelType: types.ChannelTypeSms}},
			MessageConfiguration:  &types.DirectMessageConfiguration{SMSMessage: &types.SMSMessage{MessageType: types.MessageTypeTransactional}},
			TemplateConfiguration: &types.TemplateConfiguration{SMSTemplate: &types.Template{Name: &name, Version: version}}}})
		if err != nil {
			t.Fatalf("SendMessages(version %v): %v", aws.ToString(version), err)
		}
		if r := out.MessageResponse.Result["+15555550100"]; r.DeliveryStatus != types.DeliveryStatusSuccessful {
			t.Fatalf("SendMessages(version %v): %+v", aws.ToString(version), r)
		}
	}
	send(nil)
	send(aws.String("2"))
	page := listOutbox(t, n, app, "")
	if len(page.Messages) != 2 {
		t.Fatalf("outbox: %+v", page)
	}
	got := map[string]string{}
	for _, m := range page.Messages {
		if m.TemplateName != name {
			t.Errorf("message %s: template %q, want %q", m.MessageId, m.TemplateName, name)
		}
		got[m.TemplateVersion] = m.Body
	}
	if want := map[string]string{"1": "Your order has shipped.", "2": "Shipped, version two."}; !maps2equal(got, want) {
		t.Errorf("outbox bodies by template version = %v, want %v", got, want)
	}
}
