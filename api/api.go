// Package api serves Amazon Pinpoint's REST API (API version 2016-12-01,
// rest-json, SigV4 signing name "mobiletargeting") over net/http, and on the
// same port hands requests signed for service "s3" to the embedded S3
// endpoint. It decodes and validates requests, calls the store and the job
// runner, and writes every failure as Pinpoint's error envelope.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sigv4"
	"github.com/pinfold/pinfold/wire/shapes"
)

// MaxBodyBytes is Pinpoint's request payload quota (7 MB).
const MaxBodyBytes = 7 * 1000 * 1000

// Defaults of the Handler's memory budget (see Handler.MemoryBudget).
const (
	DefaultMemoryBudget = 80 << 20
	DefaultAdmitTimeout = 10 * time.Second
	DefaultBodyTimeout  = 30 * time.Second
)

// Charges of a Pinpoint request against the memory budget, per byte of its
// body: the body itself and the most that decoding it allocates. The
// request decoders of package wire allocate at most about 7.6 times the
// body (an UpdateEndpointsBatch of lists of empty strings, with the
// endpoint quotas enforced while decoding; lists and maps are sized once,
// not grown); a segment definition up to about 27 times (an empty
// SegmentGroup is 3 bytes of JSON and an 80-byte struct). The default
// budget admits one body of MaxBodyBytes at a time.
const (
	bodyCharge    = 10
	segmentCharge = 32
	messageCharge = 32
)

// JobSubmitter stores a new job and queues it for the workers.
type JobSubmitter interface {
	Submit(ctx context.Context, job *pinfold.Job) error
}

// Handler is the http.Handler of a pinfold node. Fill the exported fields,
// then call Init once before serving.
type Handler struct {
	Store pinfold.Store
	Jobs  JobSubmitter // nil: export operations answer 500
	// Messages sends messages and one-time passwords (message.go); nil:
	// those operations answer 501.
	Messages Messages
	Auth     *sigv4.Verifier
	Logger   *slog.Logger
	Now      func() time.Time
	// S3 serves a request of the embedded S3 endpoint, signed by id (whose
	// Chunks verify an aws-chunked body's signatures); nil disables it.
	S3 func(w http.ResponseWriter, r *http.Request, id sigv4.Identity)
	// Ready reports whether the node is ready (health check); nil means ready.
	Ready func() bool
	// Check reports whether what the node depends on answers (the
	// database), for the health check; nil means nothing to check. The
	// check gets HealthTimeout.
	Check func(ctx context.Context) error
	// Phone answers PhoneNumberValidate; nil answers it 501.
	Phone PhoneValidator
	// Console serves the operator console, every path under
	// /_pinfold/console (it does its own authentication: requests reach it
	// without SigV4 verification); nil answers them as unknown routes.
	Console http.Handler

	// MemoryBudget bounds, in bytes, the memory that Pinpoint requests in
	// flight may hold in their bodies and what is decoded from them. Each
	// request is charged its body's length (Content-Length) times a factor
	// that covers the body and its decoded form at their worst: 10, or 32
	// for CreateSegment, UpdateSegment, SendMessages and SendUsersMessages
	// (whose recipients are also counted before decoding, at most
	// pinfold.MaxMessageRecipients). A request whose charge does not
	// fit waits, in arrival order, until it does; one that waits longer
	// than AdmitTimeout gets TooManyRequestsException (429), and one whose
	// charge is more than the whole budget PayloadTooLargeException (413).
	// A body of unknown length is read up to the largest that fits the
	// budget and charged that much. Requests without a body, unsigned ones
	// or signed with an unknown key, and those for the embedded S3 endpoint
	// (which streams) are not charged. A PutEvents body is at most
	// pinfold.MaxEventsRequestBytes, charged 10 times (its endpoints are
	// decoded as UpdateEndpointsBatch's, its events with their keys
	// capped). Zero means DefaultMemoryBudget.
	MemoryBudget int64
	// AdmitTimeout is how long a request waits for the memory budget; zero
	// means DefaultAdmitTimeout.
	AdmitTimeout time.Duration
	// BodyTimeout is how long a charged request may take to send its body
	// once admitted, so that a slow client cannot hold the budget; zero
	// means DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Observe, when set, is called once per request after it was answered
	// (metrics): the operation's name as in the request log line (the
	// model's, pinfold's own such as "pinfold.ListEvents", "S3", "Health",
	// "NotFound", "MethodNotAllowed", or "Unrouted" for a request refused
	// before routing: unsigned, a bad signature, over the memory budget or
	// a body that could not be read), the status code sent, and the time
	// from arrival to the answer. It must return quickly.
	Observe func(op string, status int, d time.Duration)

	mux    *http.ServeMux
	budget *semaphore.Weighted
	// admitted, when set (tests), is called with each charge admitted.
	admitted func(charge int64)
}

// request is what a handler gets besides the ResponseWriter.
type request struct {
	*http.Request
	id    string
	scope pinfold.Scope
	body  []byte

	// The request's SigV4 parameters, as sigv4.Parse read them: parsed
	// once, to route the request by signing service and then to verify it.
	sig    sigv4.Params
	signed bool
	sigErr error
}

type opFunc func(w http.ResponseWriter, r *request) error

type route struct {
	name string
	fn   opFunc
}

// Init builds the routing table. It fills defaults for Logger and Now.
func (h *Handler) Init() {
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.MemoryBudget <= 0 {
		h.MemoryBudget = DefaultMemoryBudget
	}
	if h.AdmitTimeout <= 0 {
		h.AdmitTimeout = DefaultAdmitTimeout
	}
	if h.BodyTimeout <= 0 {
		h.BodyTimeout = DefaultBodyTimeout
	}
	h.budget = semaphore.NewWeighted(h.MemoryBudget)
	h.mux = http.NewServeMux()
	// Every operation of the model, by its route; those without a handler
	// answer NotImplementedException (501).
	handlers := h.operations()
	byPattern := map[string]map[string]route{}
	var patterns []string
	for _, rt := range shapes.Routes() {
		pattern := muxPattern(rt.URI)
		if byPattern[pattern] == nil {
			byPattern[pattern] = map[string]route{}
			patterns = append(patterns, pattern)
		}
		fn, ok := handlers[rt.Operation]
		if !ok {
			fn = notImplemented(rt.Operation)
		}
		byPattern[pattern][rt.Method] = route{rt.Operation, fn}
	}
	for _, pattern := range patterns {
		h.handle(pattern, byPattern[pattern])
	}
	// pinfold's own API, signed as Pinpoint's is (docs/events.md).
	h.handle(eventsPattern, map[string]route{
		http.MethodGet:    {"pinfold.ListEvents", h.listEvents},
		http.MethodDelete: {"pinfold.DeleteEvents", h.deleteEvents},
	})
	h.handle(messagesPattern, map[string]route{
		http.MethodGet:    {"pinfold.ListMessages", h.listMessages},
		http.MethodDelete: {"pinfold.DeleteMessages", h.deleteMessages},
	})
	// Everything else: Pinpoint's NotFoundException, not ServeMux's text.
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rec := h.recorderOf(w)
		if rec == nil {
			return
		}
		rec.op = "NotFound"
		rec.err = pinfold.Errorf(pinfold.ENOTFOUND, "No operation matches %s %s", r.Method, r.URL.EscapedPath())
	})
}

// operations returns the handler of each operation pinfold implements, by
// the model's operation name.
func (h *Handler) operations() map[string]opFunc {
	return map[string]opFunc{
		// Event streams and channels (eventstream.go, channel.go).
		"PutEventStream":               h.putEventStream,
		"GetEventStream":               h.getEventStream,
		"DeleteEventStream":            h.deleteEventStream,
		"GetChannels":                  h.getChannels,
		"GetAdmChannel":                h.getChannel(pinfold.ChannelADM),
		"UpdateAdmChannel":             h.updateChannel(pinfold.ChannelADM),
		"DeleteAdmChannel":             h.deleteChannel(pinfold.ChannelADM),
		"GetApnsChannel":               h.getChannel(pinfold.ChannelAPNS),
		"UpdateApnsChannel":            h.updateChannel(pinfold.ChannelAPNS),
		"DeleteApnsChannel":            h.deleteChannel(pinfold.ChannelAPNS),
		"GetApnsSandboxChannel":        h.getChannel(pinfold.ChannelAPNSSandbox),
		"UpdateApnsSandboxChannel":     h.updateChannel(pinfold.ChannelAPNSSandbox),
		"DeleteApnsSandboxChannel":     h.deleteChannel(pinfold.ChannelAPNSSandbox),
		"GetApnsVoipChannel":           h.getChannel(pinfold.ChannelAPNSVoip),
		"UpdateApnsVoipChannel":        h.updateChannel(pinfold.ChannelAPNSVoip),
		"DeleteApnsVoipChannel":        h.deleteChannel(pinfold.ChannelAPNSVoip),
		"GetApnsVoipSandboxChannel":    h.getChannel(pinfold.ChannelAPNSVoipSandbox),
		"UpdateApnsVoipSandboxChannel": h.updateChannel(pinfold.ChannelAPNSVoipSandbox),
		"DeleteApnsVoipSandboxChannel": h.deleteChannel(pinfold.ChannelAPNSVoipSandbox),
		"GetBaiduChannel":              h.getChannel(pinfold.ChannelBaidu),
		"UpdateBaiduChannel":           h.updateChannel(pinfold.ChannelBaidu),
		"DeleteBaiduChannel":           h.deleteChannel(pinfold.ChannelBaidu),
		"GetEmailChannel":              h.getChannel(pinfold.ChannelEmail),
		"UpdateEmailChannel":           h.updateChannel(pinfold.ChannelEmail),
		"DeleteEmailChannel":           h.deleteChannel(pinfold.ChannelEmail),
		"GetGcmChannel":                h.getChannel(pinfold.ChannelGCM),
		"UpdateGcmChannel":             h.updateChannel(pinfold.ChannelGCM),
		"DeleteGcmChannel":             h.deleteChannel(pinfold.ChannelGCM),
		"GetSmsChannel":                h.getChannel(pinfold.ChannelSMS),
		"UpdateSmsChannel":             h.updateChannel(pinfold.ChannelSMS),
		"DeleteSmsChannel":             h.deleteChannel(pinfold.ChannelSMS),
		"GetVoiceChannel":              h.getChannel(pinfold.ChannelVoice),
		"UpdateVoiceChannel":           h.updateChannel(pinfold.ChannelVoice),
		"DeleteVoiceChannel":           h.deleteChannel(pinfold.ChannelVoice),

		// Message templates (template.go).
		"ListTemplates":               h.listTemplates,
		"ListTemplateVersions":        h.listTemplateVersions,
		"UpdateTemplateActiveVersion": h.updateTemplateActiveVersion,
		"CreateEmailTemplate":         h.createTemplate(pinfold.TemplateEmail),
		"GetEmailTemplate":            h.getTemplate(pinfold.TemplateEmail),
		"UpdateEmailTemplate":         h.updateTemplate(pinfold.TemplateEmail),
		"DeleteEmailTemplate":         h.deleteTemplate(pinfold.TemplateEmail),
		"CreateSmsTemplate":           h.createTemplate(pinfold.TemplateSMS),
		"GetSmsTemplate":              h.getTemplate(pinfold.TemplateSMS),
		"UpdateSmsTemplate":           h.updateTemplate(pinfold.TemplateSMS),
		"DeleteSmsTemplate":           h.deleteTemplate(pinfold.TemplateSMS),
		"CreateVoiceTemplate":         h.createTemplate(pinfold.TemplateVoice),
		"GetVoiceTemplate":            h.getTemplate(pinfold.TemplateVoice),
		"UpdateVoiceTemplate":         h.updateTemplate(pinfold.TemplateVoice),
		"DeleteVoiceTemplate":         h.deleteTemplate(pinfold.TemplateVoice),
		"CreatePushTemplate":          h.createTemplate(pinfold.TemplatePush),
		"GetPushTemplate":             h.getTemplate(pinfold.TemplatePush),
		"UpdatePushTemplate":          h.updateTemplate(pinfold.TemplatePush),
		"DeletePushTemplate":          h.deleteTemplate(pinfold.TemplatePush),
		"CreateInAppTemplate":         h.createTemplate(pinfold.TemplateInApp),
		"GetInAppTemplate":            h.getTemplate(pinfold.TemplateInApp),
		"UpdateInAppTemplate":         h.updateTemplate(pinfold.TemplateInApp),
		"DeleteInAppTemplate":         h.deleteTemplate(pinfold.TemplateInApp),

		"CreateApp":                 h.createApp,
		"GetApps":                   h.getApps,
		"GetApp":                    h.getApp,
		"DeleteApp":                 h.deleteApp,
		"GetApplicationSettings":    h.getAppSettings,
		"UpdateApplicationSettings": h.updateAppSettings,
		"ListTagsForResource":       h.listTags,
		"TagResource":               h.tagResource,
		"UntagResource":             h.untagResource,
		"UpdateEndpointsBatch":      h.updateEndpointsBatch,
		"GetEndpoint":               h.getEndpoint,
		"UpdateEndpoint":            h.updateEndpoint,
		"DeleteEndpoint":            h.deleteEndpoint,
		"GetUserEndpoints":          h.getUserEndpoints,
		"DeleteUserEndpoints":       h.deleteUserEndpoints,
		"RemoveAttributes":          h.removeAttributes,
		"CreateExportJob":           h.createExportJob,
		"GetExportJobs":             h.getExportJobs,
		"GetExportJob":              h.getExportJob,
		"CreateImportJob":           h.createImportJob,
		"GetImportJobs":             h.getImportJobs,
		"GetImportJob":              h.getImportJob,
		"GetSegmentImportJobs":      h.getSegmentImportJobs,
		"CreateSegment":             h.createSegment,
		"GetSegments":               h.getSegments,
		"GetSegment":                h.getSegment,
		"UpdateSegment":             h.updateSegment,
		"DeleteSegment":             h.deleteSegment,
		"GetSegmentVersions":        h.getSegmentVersions,
		"GetSegmentVersion":         h.getSegmentVersion,
		"GetSegmentExportJobs":      h.getSegmentExportJobs,
		"PutEvents":                 h.putEvents,
		"PhoneNumberValidate":       h.phoneNumberValidate,
		// Direct messages and one-time passwords (message.go).
		"SendMessages":      h.sendMessages,
		"SendUsersMessages": h.sendUsersMessages,
		"SendOTPMessage":    h.sendOTPMessage,
		"VerifyOTPMessage":  h.verifyOTPMessage,
	}
}

// emptyPayloadHash is the hex SHA-256 of an empty body.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// notImplemented is the handler of an operation of the model that pinfold
// does not answer yet.
func notImplemented(op string) opFunc {
	return func(http.ResponseWriter, *request) error { return notImplementedError{op} }
}

// muxPattern turns a model URI (/v1/apps/{application-id}/endpoints/{endpoint-id})
// into a ServeMux pattern whose wildcards are the names the handlers read
// with PathValue (/v1/apps/{appID}/endpoints/{endpointID}): application-id
// is appID, other labels lowerCamelCase with id and arn in capitals
// (resource-arn is resourceARN). A greedy label ({key+}) matches the rest of
// the path.
func muxPattern(uri string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(uri, '{')
		if i < 0 {
			b.WriteString(uri)
			return b.String()
		}
		j := strings.IndexByte(uri[i:], '}')
		if j < 0 {
			b.WriteString(uri)
			return b.String()
		}
		b.WriteString(uri[:i+1])
		label := uri[i+1 : i+j]
		greedy := strings.HasSuffix(label, "+")
		b.WriteString(wildcardName(strings.TrimSuffix(label, "+")))
		if greedy {
			b.WriteString("...")
		}
		b.WriteByte('}')
		uri = uri[i+j+1:]
	}
}

// wildcardName is the PathValue name of a model URI label.
func wildcardName(label string) string {
	if label == "application-id" {
		return "appID"
	}
	parts := strings.Split(label, "-")
	for i, p := range parts {
		switch {
		case i > 0 && (p == "id" || p == "arn"):
			parts[i] = strings.ToUpper(p)
		case i > 0 && p != "":
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// handle registers one path with its operations by method. Unknown methods
// on a known path become MethodNotAllowedException, not ServeMux's text.
func (h *Handler) handle(pattern string, ops map[string]route) {
	h.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := h.recorderOf(w)
		if rec == nil {
			return
		}
		rt, ok := ops[r.Method]
		if !ok {
			rec.op = "MethodNotAllowed"
			rec.err = methodNotAllowedError{}
			return
		}
		rec.op = rt.name
		rec.err = rt.fn(w, rec.req)
	}))
}

// recorderOf returns the recorder ServeHTTP put under w, looking through
// writers that wrap it and say so with Unwrap (as http.ResponseController
// expects). The routes only run under ServeHTTP, which authenticated the
// request and read its body; should one be reached any other way, it
// answers InternalServerErrorException and returns nil rather than panic.
func (h *Handler) recorderOf(w http.ResponseWriter) *recorder {
	for ww := w; ; {
		switch x := ww.(type) {
		case *recorder:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			ww = x.Unwrap()
		default:
			id := w.Header().Get("x-amzn-RequestId")
			if id == "" {
				id = pinfold.NewRequestID()
				w.Header().Set("x-amzn-RequestId", id)
			}
			writeError(w, h.Logger, id, errors.New("api: route served outside Handler.ServeHTTP"))
			return nil
		}
	}
}

// recorder carries a request's outcome from the routed handler back to
// ServeHTTP, which writes errors and logs. It passes io.ReaderFrom through
// (net/http's ReadFrom sends an object file with sendfile) and unwraps for
// http.ResponseController (Flush, deadlines).
type recorder struct {
	http.ResponseWriter
	req    *request
	op     string
	err    error
	status int
}

var _ io.ReaderFrom = (*recorder)(nil)

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

// ReadFrom copies src to the response with the underlying writer's
// ReadFrom when it has one.
func (rec *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rf, ok := rec.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(rec.ResponseWriter, src)
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// ServeHTTP authenticates the request, dispatches it by signing service and
// path, writes any error as the service's envelope, and logs one line.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.Now()
	id := pinfold.NewRequestID()
	// Set with its canonical key: Header.Set would canonicalize
	// "x-amzn-RequestId" into a new string on every request.
	w.Header()["X-Amzn-Requestid"] = []string{id}
	req := &request{Request: r, id: id}
	req.sig, req.signed, req.sigErr = sigv4.Parse(r)
	rec := &recorder{ResponseWriter: w, req: req}

	switch {
	case r.URL.Path == "/_pinfold/health":
		rec.op = "Health"
		h.health(rec, r)
	case h.Console != nil && (r.URL.Path == "/_pinfold/console" || strings.HasPrefix(r.URL.Path, "/_pinfold/console/")):
		rec.op = "Console"
		h.Console.ServeHTTP(rec, r)
	case h.S3 != nil && req.isS3():
		rec.op = "S3"
		h.serveS3(rec, r)
	default:
		h.servePinpoint(rec, r)
		if rec.err != nil {
			rec.status = writeError(rec.ResponseWriter, h.Logger, id, rec.err)
		}
	}
	h.logRequest(r.Context(), start, rec)
	if h.Observe != nil {
		op, status := rec.op, rec.status
		if op == "" {
			op = "Unrouted"
		}
		if status == 0 {
			status = http.StatusOK // what net/http sends for a handler that wrote nothing
		}
		h.Observe(op, status, h.Now().Sub(start))
	}
}

// RequestLogMessage is the message of the one log line each request writes.
const RequestLogMessage = "request"

// logRequest writes the request's log line. It hands the record to the
// handler directly, without the caller's program counter that
// Logger.LogAttrs looks up (runtime.Callers) for a source the handler does
// not print; the duration is a slog.Duration (nanoseconds in JSON), which
// the JSON handler appends as an integer where a float goes through
// encoding/json.
func (h *Handler) logRequest(ctx context.Context, start time.Time, rec *recorder) {
	lh := h.Logger.Handler()
	if !lh.Enabled(ctx, slog.LevelInfo) {
		return
	}
	end := h.Now()
	lr := slog.NewRecord(end, slog.LevelInfo, RequestLogMessage, 0)
	lr.AddAttrs(
		slog.String("request_id", rec.req.id),
		slog.String("op", rec.op),
		slog.String("method", rec.req.Method),
		slog.String("path", rec.req.URL.EscapedPath()),
		slog.Int("status", rec.status),
		slog.String("account", rec.req.scope.Account),
		slog.Duration("duration", end.Sub(start)),
	)
	_ = lh.Handle(ctx, lr) // as slog.Logger does, a failed write is dropped
}

// HealthTimeout bounds Handler.Check in a health check.
const HealthTimeout = 2 * time.Second

// health answers GET /_pinfold/health: 200 {"status":"ok"} when the node is
// ready and its dependencies answer, 503 with the status ("starting" or
// "unavailable") and the failing check's error otherwise, so that a load
// balancer sends requests elsewhere until the node recovers.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if h.Ready != nil && !h.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"starting"}`)
		return
	}
	if h.Check != nil {
		ctx, cancel := context.WithTimeout(r.Context(), HealthTimeout)
		defer cancel()
		if err := h.Check(ctx); err != nil {
			b, _ := json.Marshal(map[string]string{"status": "unavailable", "error": err.Error(), "version": pinfold.Version})
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(b)
			return
		}
	}
	b, _ := json.Marshal(map[string]string{"status": "ok", "version": pinfold.Version})
	w.Write(b)
}

// isS3 reports whether r is for the embedded S3 endpoint: signed for service
// s3, or unsigned and outside the Pinpoint paths and pinfold's own (no
// bucket name starts with "_").
func (r *request) isS3() bool {
	if r.signed && r.sigErr == nil {
		return r.sig.Service == "s3"
	}
	p := r.URL.Path
	return !strings.HasPrefix(p, "/v1/") && p != "/v1" && !strings.HasPrefix(p, "/_pinfold/")
}

// verify checks r's signature; payloadHash as sigv4.Verifier.Verify.
func (h *Handler) verify(r *request, payloadHash string) (sigv4.Identity, error) {
	if r.sigErr != nil {
		return sigv4.Identity{}, r.sigErr
	}
	return h.Auth.VerifyParsed(r.Request, r.sig, r.signed, payloadHash)
}

// readBody reads r's body, up to limit bytes. A GET has none, and
// io.ReadAll would allocate for it anyway; a body of announced length (an
// UpdateEndpointsBatch is about 75 KB) is read into one buffer of that size
// rather than a growing one.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == http.NoBody {
		return nil, nil
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n > 0 && n <= limit {
		body := make([]byte, n)
		if _, err := io.ReadFull(rd, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(rd)
}

// knownKey reports whether the verifier knows the access key.
func (h *Handler) knownKey(id string) bool {
	if h.Auth.Lookup == nil {
		return false
	}
	_, ok := h.Auth.Lookup(id)
	return ok
}

// admit waits until the memory budget has room for r's body (see
// Handler.MemoryBudget) and returns the charge to release when the request
// is done and the most bytes of body to read. Errors are ETOOLARGE and
// ETHROTTLED *pinfold.Error.
func (h *Handler) admit(r *http.Request) (charge, limit int64, err error) {
	if r.Body == http.NoBody || r.ContentLength == 0 {
		return 0, 0, nil
	}
	factor := int64(bodyCharge)
	if strings.Contains(r.URL.Path, "/segments") && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		factor = segmentCharge
	} else if isMessageSend(r) {
		factor = messageCharge
	}
	limit = min(MaxBodyBytes, h.MemoryBudget/factor)
	if isPutEvents(r) {
		limit = min(limit, pinfold.MaxEventsRequestBytes)
	}
	n := r.ContentLength
	if n < 0 { // unknown: charge the most that may be read
		n = limit
	}
	if n > limit {
		return 0, 0, pinfold.Errorf(pinfold.ETOOLARGE, "Request payload exceeds the limit of %d bytes", limit)
	}
	charge = n * factor
	if !h.budget.TryAcquire(charge) {
		ctx, cancel := context.WithTimeout(r.Context(), h.AdmitTimeout)
		err := h.budget.Acquire(ctx, charge)
		cancel()
		if err != nil {
			return 0, 0, pinfold.Errorf(pinfold.ETHROTTLED, "Too many requests")
		}
	}
	if h.admitted != nil {
		h.admitted(charge)
	}
	return charge, limit, nil
}

func (h *Handler) servePinpoint(rec *recorder, r *http.Request) {
	req := rec.req
	if req.sigErr != nil || !req.signed || !h.knownKey(req.sig.AccessKeyID) {
		// Refused whatever the body (the signature's time and key are
		// checked before its payload hash): do not spend the budget
		// reading it.
		_, rec.err = h.verify(req, "")
		return
	}
	charge, limit, err := h.admit(r)
	if err != nil {
		rec.err = err
		return
	}
	var rc *http.ResponseController
	if charge > 0 {
		defer h.budget.Release(charge)
		// A connection deadline is wall-clock time, not h.Now's. Writers
		// without deadlines (tests calling ServeHTTP) read without one.
		rc = http.NewResponseController(rec)
		if rc.SetReadDeadline(time.Now().Add(h.BodyTimeout)) != nil {
			rc = nil
		}
	}
	// Read the (capped) body first: the signature covers its hash.
	body, err := readBody(rec, r, limit)
	if rc != nil && err == nil {
		// Clear it at once: net/http's read for the connection's next
		// request, started at the body's end, would cancel the request's
		// context when it expired. After a failed read it stays: net/http
		// then gives up reading the rest and closes the connection.
		rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			rec.err = pinfold.Errorf(pinfold.ETOOLARGE, "Request payload exceeds the limit of %d bytes", limit)
		} else {
			rec.err = pinfold.Errorf(pinfold.EINVALID, "Could not read the request body")
		}
		return
	}
	req.body = body
	payload := emptyPayloadHash // GET and DELETE: no string to build
	if len(body) > 0 {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	ident, err := h.verify(req, payload)
	if err != nil {
		rec.err = err
		return
	}
	if ident.Service != "mobiletargeting" {
		rec.err = &sigv4.Error{Kind: sigv4.InvalidSignature,
			Message: "Credential should be scoped to correct service: 'mobiletargeting'."}
		return
	}
	req.scope = pinfold.Scope{Account: ident.Account, Region: ident.Region}
	h.mux.ServeHTTP(rec, r)
}

// serveS3 authenticates a request for the embedded S3 endpoint and hands it
// to S3 with the signer's identity. The body is streamed, not hashed here:
// the x-amz-content-sha256 header carries what the client signed, and the
// identity's Chunks verify the signatures of an aws-chunked body.
func (h *Handler) serveS3(rec *recorder, r *http.Request) {
	ident, err := h.verify(rec.req, "")
	if err != nil {
		rec.status = writeS3Error(rec.ResponseWriter, rec.req.id, err)
		return
	}
	rec.req.scope = pinfold.Scope{Account: ident.Account, Region: ident.Region}
	h.S3(rec, r, ident)
}

// writeJSON writes a JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, body []byte) error {
	w.Header()["Content-Type"] = jsonContentType
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// jsonContentType is the Content-Type value of every JSON response, shared:
// net/http only reads header values, and Header.Set would allocate the
// slice on every response.
var jsonContentType = []string{"application/json"}

// pageOf reads the page-size and token query parameters of a list
// operation: the token in tokenParam, "token" for the model's older lists
// (GetApps, GetSegments, jobs) and "next-token" for the newer ones
// (ListTemplates, ListTemplateVersions) and pinfold's own.
func pageOf(r *request, tokenParam string) (pinfold.Page, error) {
	q := r.URL.Query()
	p := pinfold.Page{Token: q.Get(tokenParam)}
	if s := q.Get("page-size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, pinfold.Errorf(pinfold.EINVALID, "Invalid page-size %q: must be a positive integer", s)
		}
		p.Size = min(n, pinfold.MaxPageSize)
	}
	return p, nil
}
