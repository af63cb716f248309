package sigv4_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold/sigv4"
)

// TestGoSDKClients sends requests with aws-sdk-go-v2's real Pinpoint and S3
// clients (their own serializers, middleware and signers) to a verifying
// server.
func TestGoSDKClients(t *testing.T) {
	t.Parallel()
	srv := newVerifyingServer(t, &sigv4.Verifier{Lookup: lookup})
	ctx := context.Background()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return testCreds, nil })

	pp := pinpoint.New(pinpoint.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds,
		RetryMaxAttempts: 1, HTTPClient: srv.Client(),
	})
	if _, err := pp.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String("app1"), EndpointId: aws.String("e 1/x")}); err != nil {
		t.Errorf("GetEndpoint: %v", err)
	}
	if _, err := pp.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{
		ApplicationId: aws.String("app1"), EndpointId: aws.String("é+%~ x"),
		EndpointRequest: &types.EndpointRequest{Address: aws.String("a@example.com"), ChannelType: types.ChannelTypeEmail,
			Attributes: map[string][]string{"k": {"v 1", "v/2"}}},
	}); err != nil {
		t.Errorf("UpdateEndpoint: %v", err)
	}
	if _, err := pp.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("10"), Token: aws.String("a b/c+d=e")}); err != nil {
		t.Errorf("GetApps: %v", err)
	}

	s3c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, UsePathStyle: true,
		RetryMaxAttempts: 1, HTTPClient: srv.Client(),
	})
	key := "dir/a b+c%é~.txt"
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key),
		Body: strings.NewReader("hello object")}); err != nil {
		t.Errorf("PutObject: %v", err)
	}
	if out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)}); err != nil {
		t.Errorf("GetObject: %v", err)
	} else {
		out.Body.Close()
	}
	if _, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket"), Prefix: aws.String("dir/a b"),
		Delimiter: aws.String("/")}); err != nil {
		t.Errorf("ListObjectsV2: %v", err)
	}
	presigned, err := s3.NewPresignClient(s3c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)},
		s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	resp, err := srv.Client().Get(presigned.URL)
	if err != nil {
		t.Fatalf("GET presigned URL: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET presigned URL: status %d", resp.StatusCode)
	}

	verified, failures := srv.results()
	for _, f := range failures {
		t.Errorf("server rejected %s", f)
	}
	if len(verified) != 7 {
		t.Errorf("server verified %d requests, want 7:\n%s", len(verified), strings.Join(verified, "\n"))
	}
	for _, want := range []string{
		"GET mobiletargeting /v1/apps/app1/endpoints/e%201%2Fx",
		"PUT s3 /bucket/dir/a%20b%2Bc%25%C3%A9~.txt",
	} {
		found := false
		for _, v := range verified {
			found = found || strings.HasPrefix(v, want)
		}
		if !found {
			t.Errorf("no verified request starts with %q:\n%s", want, strings.Join(verified, "\n"))
		}
	}
}
