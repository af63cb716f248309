package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// verifyResult is what verifyExport found under a prefix.
type verifyResult struct {
	Objects, Lines, Distinct, Want int
	Bytes                          int64 // compressed
	Problem                        string
}

// OK reports whether the output holds exactly the expected endpoints.
func (v verifyResult) OK() bool {
	return v.Problem == "" && v.Lines == v.Want && v.Distinct == v.Want
}

func (v verifyResult) String() string {
	s := fmt.Sprintf("%d .gz objects (%s), %d lines, %d distinct IDs, want %d", v.Objects, fmtBytes(v.Bytes), v.Lines, v.Distinct, v.Want)
	if v.Problem != "" {
		s += ": " + v.Problem
	}
	return s
}

// listResult is the part of ListObjectsV2's response verifyExport reads.
type listResult struct {
	Contents []struct {
		Key  string
		Size int64
	}
	IsTruncated           bool
	NextContinuationToken string
}

// verifyExport lists the objects under prefix in bucket with S3
// ListObjectsV2, reads every .gz object, and checks that the lines are JSON
// endpoints of app, want of them with distinct IDs. When plans is not nil,
// each line's Attributes.Plan must also be one of plans (a segment export).
func verifyExport(ctx context.Context, s *signer, base, bucket, prefix, app string, want int, plans []string) (verifyResult, error) {
	p := newPool(1)
	defer p.Close()
	v := verifyResult{Want: want}
	seen := make(map[string]struct{}, want)
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		sr, err := s.sign(ctx, "s3", http.MethodGet, base+"/"+bucket+"?"+q.Encode(), nil)
		if err != nil {
			return v, err
		}
		status, b, err := p.do(ctx, sr)
		if err != nil || status != http.StatusOK {
			return v, fmt.Errorf("list objects: status %d, %v: %s", status, err, truncate(b, 300))
		}
		var list listResult
		if err := xml.Unmarshal(b, &list); err != nil {
			return v, fmt.Errorf("list objects: %w", err)
		}
		for _, o := range list.Contents {
			if !strings.HasSuffix(o.Key, ".gz") {
				continue
			}
			v.Objects++
			v.Bytes += o.Size
			if err := verifyObject(ctx, p, s, base+"/"+bucket+"/"+escapeKey(o.Key), app, plans, &v, seen); err != nil {
				return v, fmt.Errorf("verify %s: %w", o.Key, err)
			}
		}
		if !list.IsTruncated || list.NextContinuationToken == "" {
			break
		}
		token = list.NextContinuationToken
	}
	v.Distinct = len(seen)
	return v, nil
}

func verifyObject(ctx context.Context, p *pool, s *signer, objURL, app string, plans []string, v *verifyResult, seen map[string]struct{}) error {
	sr, err := s.sign(ctx, "s3", http.MethodGet, objURL, nil)
	if err != nil {
		return err
	}
	req, err := sr.request(ctx)
	if err != nil {
		return err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("get object: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("get object: status %d: %s", resp.StatusCode, truncate(b, 300))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return fmt.Errorf("gunzip: %w", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var line struct {
		Id, ApplicationId string
		Attributes        struct{ Plan []string }
	}
	for sc.Scan() {
		v.Lines++
		line.Id, line.ApplicationId, line.Attributes.Plan = "", "", nil
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			if v.Problem == "" {
				v.Problem = fmt.Sprintf("line %d is not JSON: %v", v.Lines, err)
			}
			continue
		}
		if line.ApplicationId != app && v.Problem == "" {
			v.Problem = fmt.Sprintf("line %d has ApplicationId %q", v.Lines, line.ApplicationId)
		}
		if plans != nil && (len(line.Attributes.Plan) != 1 || !slices.Contains(plans, line.Attributes.Plan[0])) && v.Problem == "" {
			v.Problem = fmt.Sprintf("line %d (endpoint %q) has Plan %q, outside the segment's %q", v.Lines, line.Id, line.Attributes.Plan, plans)
		}
		if _, dup := seen[line.Id]; dup && v.Problem == "" {
			v.Problem = fmt.Sprintf("endpoint %q exported twice", line.Id)
		}
		seen[line.Id] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read lines: %w", err)
	}
	return nil
}

// escapeKey escapes each segment of an object key for a path-style URL.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
