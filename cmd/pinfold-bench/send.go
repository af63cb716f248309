package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// SendCmd measures SendMessages with a template: 100 endpoints per request
// from several clients, each message rendered from an email template with
// the endpoint's variables and stored in the outbox, against the
// UpdateEndpointsBatch endpoint rate of the same server's seeding, in the
// same run (issue 16's floor: at least half that rate).
type SendCmd struct {
	Endpoints int `default:"100000" help:"Endpoints seeded by UpdateEndpointsBatch in each run (the reference)."`
	Messages  int `default:"100000" help:"Messages sent in each run, 100 endpoints per SendMessages request, cycling over the seeded email endpoints that are not opted out."`
	Clients   int `default:"4" help:"Concurrent clients of both operations."`
	Reps      int `default:"3" help:"Runs; the report gives the medians."`

	ServerFlags `embed:""`
}

// sendTemplate is the email template of the measured sends: a subject, an
// HTML and a text part using the endpoint's attributes, user attributes,
// location and demographic, a default for a variable no endpoint has, and
// two of Pinpoint's helpers.
const sendTemplate = `{
 "Subject": "{{capitalize User.UserAttributes.Tier}} news for {{Location.City}}",
 "HtmlPart": "<html><body><h1>Hello from the shop</h1><p>Your plan: <b>{{Attributes.Plan}}</b>, tier {{User.UserAttributes.Tier}}.</p><p>We picked {{Attributes.Interests}} for you in {{Location.City}}, {{Location.Country}}.</p><p>{{#if Attributes.Plan}}Thanks for staying with us since {{Attributes.SignupDate}}.{{/if}}</p><p>On your {{Demographic.Make}} {{Demographic.Model}}, app {{Demographic.AppVersion}}.</p><p>Coupon: {{Coupon}}</p><p><a href=\"https://example.com/u/{{Id}}\">Unsubscribe</a></p></body></html>",
 "TextPart": "Hello! Plan {{Attributes.Plan}}, tier {{upper User.UserAttributes.Tier}}. Coupon {{Coupon}}.",
 "DefaultSubstitutions": "{\"Coupon\":\"WELCOME10\"}",
 "TemplateDescription": "pinfold-bench send"
}`

// sendBodies returns the SendMessages bodies of n messages, 100 endpoint
// IDs per request, cycling over ids.
func sendBodies(ids []string, n int) [][]byte {
	var bodies [][]byte
	for k := 0; k < n; k += pinfold.MaxBatchItems {
		eps := make(map[string]struct{}, pinfold.MaxBatchItems)
		for i := k; i < min(k+pinfold.MaxBatchItems, n); i++ {
			eps[ids[i%len(ids)]] = struct{}{}
		}
		b, err := json.Marshal(map[string]any{
			"Endpoints": eps,
			"MessageConfiguration": map[string]any{
				"EmailMessage": map[string]any{"FromAddress": "shop@example.com"},
			},
			"TemplateConfiguration": map[string]any{"EmailTemplate": map[string]string{"Name": "bench-news"}},
			"TraceId":               fmt.Sprintf("bench-%d", k),
		})
		if err != nil {
			panic(err) // maps of strings always marshal
		}
		bodies = append(bodies, b)
	}
	return bodies
}

// sendable returns the IDs of the endpoints among [0, n) that an email
// send reaches: EMAIL endpoints not opted out.
func sendable(n int) []string {
	var ids []string
	for i := range n {
		if ep := newBatchItem(i); ep.ChannelType == "EMAIL" && ep.OptOut == "NONE" {
			ids = append(ids, ep.Id)
		}
	}
	return ids
}

// Run seeds and sends --reps times, each run into a fresh pinfold, and
// prints the report.
func (c *SendCmd) Run(ctx context.Context) error {
	if c.Reps < 1 || c.Clients < 1 || c.Endpoints < pinfold.MaxBatchItems || c.Messages < pinfold.MaxBatchItems {
		return fmt.Errorf("--reps and --clients must be positive, --endpoints and --messages at least %d", pinfold.MaxBatchItems)
	}
	r, err := openRig(ctx, c.ServerFlags, "send")
	if err != nil {
		return err
	}
	defer r.Close()
	progress("precomputing %d endpoints and %d messages of bodies", c.Endpoints, c.Messages)
	batches := batchBodies(c.Endpoints)
	ids := sendable(c.Endpoints)
	if len(ids) < pinfold.MaxBatchItems {
		return fmt.Errorf("only %d of %d endpoints are email endpoints not opted out", len(ids), c.Endpoints)
	}
	sends := sendBodies(ids, c.Messages)
	var seeds, sent []ingestResult
	for rep := 1; rep <= c.Reps; rep++ {
		seed, send, err := c.once(ctx, r, fmt.Sprintf("send-%d", rep), batches, sends)
		if err != nil {
			return err
		}
		progress("run %d/%d: UpdateEndpointsBatch %s endpoints/s, SendMessages %s messages/s (cpu/message server %s client %s), load %s",
			rep, c.Reps, fmtRate(seed.Rate()), fmtRate(send.Rate()),
			fmtUs(send.ServerCPU/time.Duration(send.Endpoints)), fmtUs(send.ClientCPU/time.Duration(send.Endpoints)), send.Load)
		seeds, sent = append(seeds, seed), append(sent, send)
	}

	r.header("pinfold-bench send")
	fmt.Printf("- Each run: a fresh server; %d endpoints seeded by UpdateEndpointsBatch (100 per request, %d clients: the reference), an EMAIL channel, an email template with %d variables; then %d messages by SendMessages, 100 endpoint IDs per request (%d distinct email endpoints not opted out, cycled), %d clients, each request signed when sent; every answer checked: 200 and every result SUCCESSFUL\n",
		c.Endpoints, c.Clients, strings.Count(sendTemplate, "{{")-strings.Count(sendTemplate, "{{/")-strings.Count(sendTemplate, "{{#"), c.Messages, len(ids), c.Clients)
	fmt.Printf("- %d runs, medians reported; request bodies: UpdateEndpointsBatch %d bytes, SendMessages %d bytes on average\n\n", c.Reps, avgLen(batches), avgLen(sends))
	t := &table{head: []string{"Operation", "Per second (median)", "Runs", "Request p99", "CPU per endpoint or message: server", "client"}}
	rate := map[string]float64{}
	for _, row := range []struct {
		name string
		runs []ingestResult
	}{{"UpdateEndpointsBatch (endpoints)", seeds}, {"SendMessages (messages)", sent}} {
		var rs []float64
		var p99s, scpu, ccpu []time.Duration
		for _, res := range row.runs {
			rs = append(rs, res.Rate())
			p99s = append(p99s, percentile(res.Batches, 99))
			scpu = append(scpu, res.ServerCPU/time.Duration(res.Endpoints))
			ccpu = append(ccpu, res.ClientCPU/time.Duration(res.Endpoints))
		}
		rate[row.name] = median(rs)
		t.add(row.name, fmtRate(rate[row.name]), rates(rs), fmtMs(medianDur(p99s)), fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu)))
	}
	fmt.Println(t)
	ref, got := rate["UpdateEndpointsBatch (endpoints)"], rate["SendMessages (messages)"]
	checks := &table{head: []string{"Check", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
	checks.add(fmt.Sprintf("SendMessages with an email template, %d clients x 100 endpoints per request", c.Clients),
		fmtRate(got)+" messages/s", fmtRate(ref)+" endpoints/s (UpdateEndpointsBatch)",
		fmt.Sprintf("%.2fx", got/ref), ">= 0.5x", passFail(got/ref >= 0.5))
	fmt.Println(checks)
	return nil
}

// once seeds a fresh pinfold on data dir name, sets up the channel and the
// template, sends, and removes the data dir.
func (c *SendCmd) once(ctx context.Context, r *rig, name string, batches, sends [][]byte) (seed, send ingestResult, err error) {
	srv, err := r.startPinfold(ctx, name, 0)
	if err != nil {
		return seed, send, err
	}
	defer os.RemoveAll(r.DataDir(name))
	defer srv.Stop()
	setup := newPool(1)
	defer setup.Close()
	app, err := createApp(ctx, setup, r.Signer, srv.URL, "send")
	if err != nil {
		return seed, send, err
	}
	if seed, err = ingest(ctx, r.Signer, srv.URL, app, c.Endpoints, c.Clients, srv.PID(), func(b int) []byte { return batches[b] }); err != nil {
		return seed, send, err
	}
	channel := `{"Enabled":true,"FromAddress":"shop@example.com","Identity":"arn:aws:ses:us-east-1:000000000000:identity/example.com"}`
	if _, err := setup.call(ctx, r.Signer, http.MethodPut, srv.URL+"/v1/apps/"+app+"/channels/email", []byte(channel), http.StatusOK); err != nil {
		return seed, send, fmt.Errorf("email channel: %w", err)
	}
	if _, err := setup.call(ctx, r.Signer, http.MethodPost, srv.URL+"/v1/templates/bench-news/email", []byte(sendTemplate), http.StatusCreated); err != nil {
		return seed, send, fmt.Errorf("email template: %w", err)
	}
	op := ingestOp{name: "SendMessages", method: http.MethodPost, path: "/messages", refused: `"FAILURE"`, status: http.StatusOK}
	send, err = ingestWith(ctx, r.Signer, op, srv.URL, app, c.Messages, c.Clients, srv.PID(), func(b int) []byte { return sends[b] })
	return seed, send, err
}
