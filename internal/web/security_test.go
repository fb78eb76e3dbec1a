package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// TestSetCookie_Flags: every cookie is HttpOnly with its SameSite, and
// Secure when the page is served over https.
func TestSetCookie_Flags(t *testing.T) {
	u := New(Services{Now: time.Now})
	for _, tc := range []struct {
		name   string
		tls    bool
		secure bool
	}{{"http", false, false}, {"https", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/app/", nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			u.setCookie(w, r, cookieSession, "dcs_x_y", "/", time.Hour, http.SameSiteLaxMode)
			c := w.Header().Get("Set-Cookie")
			if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") != tc.secure {
				t.Errorf("Set-Cookie = %q, want HttpOnly, SameSite=Lax, Secure %v", c, tc.secure)
			}
		})
	}
}

// TestSafeNext: after a login the browser goes only to a page of the app,
// never to another site.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/app/record":              "/app/record",
		"/app/access-log?before=9": "/app/access-log?before=9",
		"":                         "/app/",
		"https://evil.example/":    "/app/",
		"//evil.example/app/":      "/app/",
		"/officer/":                "/app/",
		"/business/ORG-1/":         "/business/ORG-1/",
		"/business":                "/app/",
		"/app/\\evil":              "/app/",
		"/app/x\r\nSet-Cookie: a":  "/app/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrorText: service errors are shown in the page's language by code
// and field.
func TestErrorText(t *testing.T) {
	for _, tc := range []struct{ lang, code, field, want string }{
		{"vi", "invalid_date", "payload.death_date", "Ngày mất phải từ ngày sinh đến hôm nay."},
		{"vi", "details_mismatch", "", "Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư."},
		{"en", "details_mismatch", "", "The details do not match the national population database."},
		{"vi", "no_such_code", "", "Đã có lỗi. Hãy thử lại sau."},
	} {
		err := apperrField(tc.code, tc.field)
		if got := errorText(tc.lang, err); got != tc.want {
			t.Errorf("errorText(%s, %s/%s) = %q, want %q", tc.lang, tc.code, tc.field, got, tc.want)
		}
	}
}

func apperrField(code, field string) error { return apperr.Field(code, field, "message") }
