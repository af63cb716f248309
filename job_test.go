package pinfold_test

import (
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

func TestParseS3URL(t *testing.T) {
	cases := []struct {
		in, bucket, key string
		ok              bool
	}{
		{"s3://exports/run1/", "exports", "run1/", true},
		{"s3://exports", "exports", "", true},
		{"s3://exports/", "exports", "", true},
		{"s3://my.bucket-1/a/b/c.gz", "my.bucket-1", "a/b/c.gz", true},
		{"http://exports/", "", "", false},
		{"s3://Exports/", "", "", false},
		{"s3://ab/", "", "", false},
		{"s3://a..b/", "", "", false},
		{"s3://192.168.1.1/", "", "", false},
		{"s3:///key", "", "", false},
		{"s3://exports/" + strings.Repeat("k", 1025), "", "", false},
	}
	for _, tc := range cases {
		b, k, err := pinfold.ParseS3URL(tc.in)
		if (err == nil) != tc.ok || b != tc.bucket || k != tc.key {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want %q, %q, ok=%v", tc.in, b, k, err, tc.bucket, tc.key, tc.ok)
		}
		if err != nil && pinfold.ErrorCode(err) != pinfold.EINVALID {
			t.Errorf("ParseS3URL(%q) error code %s, want invalid", tc.in, pinfold.ErrorCode(err))
		}
	}
}

func TestValidRoleARN(t *testing.T) {
	for s, want := range map[string]bool{
		"arn:aws:iam::123456789012:role/export":              true,
		"arn:aws:iam::123456789012:role/path/to/Export+Role": true,
		"arn:aws-cn:iam::123456789012:role/r":                true,
		"arn:aws:iam::12345678901:role/r":                    false,
		"arn:aws:iam::123456789012:user/r":                   false,
		"arn:aws:s3:::bucket":                                false,
		"role":                                               false,
		"arn:aws:iam::123456789012:role/":                    false,
	} {
		if got := pinfold.ValidRoleARN(s); got != want {
			t.Errorf("ValidRoleARN(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzParseS3URL: never panics; what it accepts has a valid bucket and
// rebuilds the URL it came from.
func FuzzParseS3URL(f *testing.F) {
	for _, s := range []string{"s3://exports/run1/", "s3://a.b-c/x/y.gz", "s3://x", "http://y/", "s3://ab", "s3://b//k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, k, err := pinfold.ParseS3URL(s)
		if err != nil {
			if pinfold.ErrorCode(err) != pinfold.EINVALID {
				t.Fatalf("error code %s", pinfold.ErrorCode(err))
			}
			return
		}
		if !pinfold.ValidBucketName(b) {
			t.Fatalf("accepted bucket %q", b)
		}
		rebuilt := "s3://" + b
		if k != "" || strings.HasPrefix(s[len(rebuilt):], "/") {
			rebuilt += "/" + k
		}
		if rebuilt != s {
			t.Fatalf("ParseS3URL(%q) = %q, %q: rebuilds %q", s, b, k, rebuilt)
		}
	})
}

// FuzzValidRoleARN: never panics; what it accepts is an IAM role ARN.
func FuzzValidRoleARN(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:role/export", "arn:aws:iam::1:role/x", "role"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if pinfold.ValidRoleARN(s) && (!strings.HasPrefix(s, "arn:aws") || !strings.Contains(s, ":iam::") || !strings.Contains(s, ":role/")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
