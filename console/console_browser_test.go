package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/console"
)

// chromium returns the headless browser: $PINFOLD_CHROMIUM, else chromium
// on PATH. Without one the test is skipped locally and fails in CI.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PINFOLD_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: set PINFOLD_CHROMIUM or run .ci/install-chromium.sh")
	}
	t.Skip("no chromium on PATH and PINFOLD_CHROMIUM unset (.ci/install-chromium.sh installs it)")
	return ""
}

// TestMailboxInBrowser: an email of the outbox is shown as sent, its HTML
// the document of a sandboxed frame (scripts off, an opaque origin the
// console's page cannot reach into, nor the email into the console).
func TestMailboxInBrowser(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, func(h *console.Handler) { h.Open = true; h.OpenAccount = scopeA.Account })
	app := e.app(scopeA, "mail")
	html := `<html><body><h1 style="color:#c00">Hi Ann</h1><script>parent.document.title = "SCRIPT RAN"</script></body></html>`
	err := e.store.AddMessages(context.Background(), scopeA, app.ID, []*pinfold.Message{{ID: "m1", Channel: "EMAIL",
		Address: "ann@example.com", From: "shop@example.com", Subject: "Your order", HTMLBody: html, TextBody: "Hi Ann",
		CreatedAt: time.Now()}}, nil)
	if err != nil {
		t.Fatal(err)
	}

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancel()
	tctx, cancel := context.WithTimeout(actx, time.Minute)
	defer cancel()
	bctx, cancel := chromedp.NewContext(tctx)
	defer cancel()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(e.url("/apps/"+app.ID+"/mailbox")),
		chromedp.WaitVisible(chromedp.CSS(`iframe.html-body`)),
	); err != nil {
		t.Fatal(err)
	}
	type frame struct {
		Srcdoc  string `json:"srcdoc"`
		Sandbox string `json:"sandbox"`
		Opaque  bool   `json:"opaque"`
		Subject string `json:"subject"`
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[frame](`(() => {
		const f = document.querySelector("iframe.html-body");
		return {srcdoc: f.srcdoc, sandbox: f.getAttribute("sandbox"), opaque: f.contentDocument === null,
			subject: document.getElementById("message-subject").textContent};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Srcdoc != html || got.Sandbox != "" || !got.Opaque || got.Subject != "Your order" {
		t.Errorf("email frame = %+v", got)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(bctx, chromedp.Title()); err != nil || title == "SCRIPT RAN" {
		t.Errorf("page title %q, %v: the email's script ran", title, err)
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "output"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "console-mailbox.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the mailbox: %s", path)
}
