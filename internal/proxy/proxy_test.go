package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRealClient(t *testing.T) {
	trusted, err := ParseTrusted("10.0.0.0/8, 192.0.2.7 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy in front", "203.0.113.5:4431", nil, "203.0.113.5:4431"},
		{"an untrusted peer's header is ignored", "203.0.113.5:4431", []string{"198.51.100.1"}, "203.0.113.5:4431"},
		{"one trusted proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"a client's own forged hop stays left of the real one", "10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1:0"},
		{"two trusted proxies", "192.0.2.7:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1:0"},
		{"headers repeated", "10.1.2.3:5000", []string{"1.2.3.4", "198.51.100.1,10.0.0.2"}, "198.51.100.1:0"},
		{"all hops trusted: the leftmost", "10.1.2.3:5000", []string{"10.0.0.9, 10.0.0.2"}, "10.0.0.9:0"},
		{"IPv6 client", "[fd00::1]:443", []string{"2001:db8::42"}, "[2001:db8::42]:0"},
		{"an unreadable hop: believe none", "10.1.2.3:5000", []string{"198.51.100.1, unknown"}, "10.1.2.3:5000"},
		{"no header from a trusted proxy", "10.1.2.3:5000", nil, "10.1.2.3:5000"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := RealClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }), trusted)
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("RemoteAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTrusted(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1/8x"} {
		if _, err := ParseTrusted(bad); err == nil {
			t.Errorf("ParseTrusted(%q) accepted", bad)
		}
	}
	if p, err := ParseTrusted(""); err != nil || len(p) != 0 {
		t.Errorf("ParseTrusted(\"\") = %v, %v", p, err)
	}
	h := http.NotFoundHandler()
	if RealClient(h, nil) == nil {
		t.Error("RealClient without proxies returned nil")
	}
}
