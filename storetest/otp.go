package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var otpTests = []test{
	{"VerifyOnce", testOTPVerifyOnce},
	{"WrongCodeUsesAttempt", testOTPAttempts},
	{"Expired", testOTPExpired},
	{"NoAttempts", testOTPNoAttempts},
	{"Replace", testOTPReplace},
	{"Keys", testOTPKeys},
	{"Concurrent", testOTPConcurrent},
	{"Invalid", testOTPInvalid},
	{"Scoping", testOTPScoping},
	{"DeleteAppCascades", testDeleteAppOTPs},
}

// codeHash is the hash of code as stores keep it.
func codeHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// putOTP stores code for reference ref and destination dest of app,
// with attempts, expiring at expires.
func putOTP(t *testing.T, st pinfold.Store, app *pinfold.App, ref, dest, code string, attempts int, expires time.Time) *pinfold.OTP {
	t.Helper()
	otp := &pinfold.OTP{AppID: app.ID, Scope: app.Scope, ReferenceID: ref, Destination: dest, CodeHash: codeHash(code),
		AttemptsLeft: attempts, ExpiresAt: expires, CreatedAt: t0}
	if err := st.PutOTP(ctxOf(t), otp); err != nil {
		t.Fatalf("PutOTP(%s, %s): %v", ref, dest, err)
	}
	return otp
}

// checkOTP checks code for ref and dest of app at now and fails unless
// the answer is want.
func checkOTP(t *testing.T, st pinfold.Store, app *pinfold.App, ref, dest, code string, now time.Time, want bool) {
	t.Helper()
	got, err := st.CheckOTP(ctxOf(t), app.Scope, app.ID, ref, dest, codeHash(code), now)
	if err != nil || got != want {
		t.Errorf("CheckOTP(%s, %s, %s, %v): got %v, %v; want %v", ref, dest, code, now, got, err, want)
	}
}

func testOTPVerifyOnce(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	otp := &pinfold.OTP{AppID: app.ID, Scope: app.Scope, ReferenceID: "login", Destination: "+15555550100",
		CodeHash: codeHash("123456"), AttemptsLeft: 3, ExpiresAt: t1.Add(123 * time.Microsecond)}
	if err := st.PutOTP(ctxOf(t), otp); err != nil {
		t.Fatalf("PutOTP: %v", err)
	}
	if otp.CreatedAt.IsZero() || otp.CreatedAt.Location() != time.UTC || !otp.CreatedAt.Equal(otp.CreatedAt.Truncate(time.Millisecond)) {
		t.Errorf("PutOTP set CreatedAt %v, want the store's time in UTC to the millisecond", otp.CreatedAt)
	}
	if !otp.ExpiresAt.Equal(t1) {
		t.Errorf("PutOTP left ExpiresAt %v, want it truncated to %v", otp.ExpiresAt, t1)
	}
	checkOTP(t, st, app, "login", "+15555550100", "123456", t0, true)
	// A code verifies once.
	checkOTP(t, st, app, "login", "+15555550100", "123456", t0, false)
}

// testOTPAttempts checks that each wrong code uses up one attempt.
func testOTPAttempts(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	putOTP(t, st, app, "three", "+1", "111111", 3, t1)
	checkOTP(t, st, app, "three", "+1", "000000", t0, false)
	checkOTP(t, st, app, "three", "+1", "000001", t0, false)
	checkOTP(t, st, app, "three", "+1", "111111", t0, true) // the third attempt

	putOTP(t, st, app, "two", "+1", "222222", 2, t1)
	checkOTP(t, st, app, "two", "+1", "000000", t0, false)
	checkOTP(t, st, app, "two", "+1", "000000", t0, false)
	checkOTP(t, st, app, "two", "+1", "222222", t0, false) // none left

	putOTP(t, st, app, "one", "+1", "333333", 1, t1)
	checkOTP(t, st, app, "one", "+1", "333333", t0, true)
}

func testOTPExpired(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	putOTP(t, st, app, "late", "+1", "123456", 5, t1)
	checkOTP(t, st, app, "late", "+1", "123456", t1, false) // expired at ExpiresAt
	checkOTP(t, st, app, "late", "+1", "123456", t0, false) // and gone

	putOTP(t, st, app, "later", "+1", "123456", 5, t1)
	checkOTP(t, st, app, "later", "+1", "123456", t2, false)
	putOTP(t, st, app, "just", "+1", "123456", 5, t1)
	checkOTP(t, st, app, "just", "+1", "123456", t1.Add(-time.Millisecond), true)
}

func testOTPNoAttempts(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	putOTP(t, st, app, "zero", "+1", "123456", 0, t1)
	checkOTP(t, st, app, "zero", "+1", "123456", t0, false)
	putOTP(t, st, app, "negative", "+1", "123456", -1, t1)
	checkOTP(t, st, app, "negative", "+1", "123456", t0, false)
}

// testOTPReplace checks that a new code for the same reference and
// destination replaces the old one, attempts and expiry included.
func testOTPReplace(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	putOTP(t, st, app, "login", "+1", "111111", 2, t1)
	checkOTP(t, st, app, "login", "+1", "000000", t0, false) // one attempt left
	putOTP(t, st, app, "login", "+1", "222222", 2, t2)
	checkOTP(t, st, app, "login", "+1", "111111", t0, false) // old code; one attempt left of the new one
	checkOTP(t, st, app, "login", "+1", "222222", t1, true)  // after the old expiry
}

// testOTPKeys checks that a code is of its app, reference and destination
// only.
func testOTPKeys(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	other := createApp(t, st, scopeA, "other")
	putOTP(t, st, app, "ref", "+15555550100", "123456", 5, t1)
	putOTP(t, st, app, "ref", "+15555550101", "654321", 5, t1)
	checkOTP(t, st, other, "ref", "+15555550100", "123456", t0, false)
	checkOTP(t, st, app, "REF", "+15555550100", "123456", t0, false)
	checkOTP(t, st, app, "ref", "+15555550102", "123456", t0, false)
	checkOTP(t, st, app, "ref", "+15555550101", "123456", t0, false)
	checkOTP(t, st, app, "ref", "+15555550100", "123456", t0, true)
	checkOTP(t, st, app, "ref", "+15555550101", "654321", t0, true)
}

// testOTPConcurrent checks that concurrent checks of one code never let it
// verify twice, and never lose an attempt.
func testOTPConcurrent(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	const workers = 8
	for round := range 5 {
		ref := fmt.Sprint("right-", round)
		putOTP(t, st, app, ref, "+1", "123456", 5, t1)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			oks  int
			errs []error
		)
		start := make(chan struct{})
		for range workers {
			wg.Go(func() {
				<-start
				ok, err := st.CheckOTP(ctxOf(t), app.Scope, app.ID, ref, "+1", codeHash("123456"), t0)
				mu.Lock()
				defer mu.Unlock()
				if ok {
					oks++
				}
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if oks != 1 || len(errs) > 0 {
			t.Errorf("round %d: %d concurrent checks of the right code: %d verified, errors %v; want 1 and none", round, workers, oks, errs)
		}
	}

	// Eight wrong codes at once use up the three attempts: the right code
	// then fails.
	putOTP(t, st, app, "wrong", "+1", "123456", 3, t1)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			ok, err := st.CheckOTP(ctxOf(t), app.Scope, app.ID, "wrong", "+1", codeHash(fmt.Sprint("00000", i)), t0)
			if ok {
				err = fmt.Errorf("wrong code %d verified", i)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent wrong codes: %v", err)
		}
	}
	checkOTP(t, st, app, "wrong", "+1", "123456", t0, false)
}

func testOTPInvalid(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "otp")
	for _, otp := range []pinfold.OTP{
		{ReferenceID: "ref\x00", Destination: "+1", CodeHash: codeHash("1")},
		{ReferenceID: "ref", Destination: "+1\xff", CodeHash: codeHash("1")},
		{ReferenceID: "ref", Destination: "+1", CodeHash: "\x00"},
	} {
		otp.AppID, otp.Scope, otp.AttemptsLeft, otp.ExpiresAt = app.ID, app.Scope, 3, t1
		wantError(t, fmt.Sprintf("PutOTP(%q, %q, %q)", otp.ReferenceID, otp.Destination, otp.CodeHash), st.PutOTP(ctxOf(t), &otp), pinfold.EINVALID, "")
	}
	// Keys no code can have verify nothing, without an error.
	putOTP(t, st, app, "ref", "+1", "123456", 3, t1)
	for _, k := range [][3]string{{"ref\x00", "+1", codeHash("123456")}, {"ref", "+1\xff", codeHash("123456")}, {"ref", "+1", "\x00"}} {
		ok, err := st.CheckOTP(ctxOf(t), app.Scope, app.ID, k[0], k[1], k[2], t0)
		if ok || err != nil {
			t.Errorf("CheckOTP(%+q): got %v, %v; want false", k, ok, err)
		}
	}
	checkOTP(t, st, app, "ref", "+1", "123456", t0, true)
}

// testOTPScoping checks that an app's codes are reached only through its
// scope and ID.
func testOTPScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "otp")
	putOTP(t, st, app, "ref", "+1", "123456", 3, t1)
	for _, s := range []pinfold.Scope{scopeB, scopeC, scopeA} {
		id := app.ID
		if s == scopeA {
			id = pinfold.NewID()
		}
		err := st.PutOTP(ctx, &pinfold.OTP{AppID: id, Scope: s, ReferenceID: "ref", Destination: "+1",
			CodeHash: codeHash("999999"), AttemptsLeft: 3, ExpiresAt: t1})
		wantAppNotFound(t, fmt.Sprintf("PutOTP of app %s in %v", id, s), err)
		for _, hash := range []string{codeHash("123456"), "\x00"} {
			_, err = st.CheckOTP(ctx, s, id, "ref", "+1", hash, t0)
			wantAppNotFound(t, fmt.Sprintf("CheckOTP of app %s in %v", id, s), err)
		}
	}
	// Nothing of that reached the app's code: not replaced, no attempt used.
	checkOTP(t, st, app, "ref", "+1", "999999", t0, false)
	checkOTP(t, st, app, "ref", "+1", "999999", t0, false)
	checkOTP(t, st, app, "ref", "+1", "123456", t0, true)
}

// testDeleteAppOTPs checks that an app's codes go with it.
func testDeleteAppOTPs(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	keep := createApp(t, st, scopeA, "kept")
	app := createApp(t, st, scopeA, "doomed")
	putOTP(t, st, keep, "ref", "+1", "123456", 3, t1)
	putOTP(t, st, app, "ref", "+1", "123456", 3, t1)
	if _, err := st.DeleteApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	_, err := st.CheckOTP(ctx, scopeA, app.ID, "ref", "+1", codeHash("123456"), t0)
	wantAppNotFound(t, "CheckOTP after DeleteApp", err)
	again := &pinfold.App{ID: app.ID, Scope: scopeA, Name: "again", CreatedAt: t2}
	if err := st.CreateApp(ctx, again); err != nil {
		t.Fatalf("CreateApp again: %v", err)
	}
	checkOTP(t, st, again, "ref", "+1", "123456", t0, false)
	checkOTP(t, st, keep, "ref", "+1", "123456", t0, true)
}
