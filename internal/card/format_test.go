package card

import (
	"bytes"
	"strings"
	"testing"
)

func TestBase45_RFC9285(t *testing.T) {
	for in, want := range map[string]string{"AB": "BB8", "Hello!!": "%69 VD92EX0", "base-45": "UJCLQE7W581", "ietf!": "QED8WEX0", "": ""} {
		if got := base45Encode([]byte(in)); got != want {
			t.Errorf("encode %q = %q, want %q", in, got, want)
		}
		back, err := base45Decode(want)
		if err != nil || string(back) != in {
			t.Errorf("decode %q = %q, %v, want %q", want, back, err, in)
		}
	}
	for _, bad := range []string{"GGW", "A", "ab", "::::", "BB8A"} {
		if _, err := base45Decode(bad); err == nil {
			t.Errorf("decode %q: no error", bad)
		}
	}
}

func TestCheckDigit_ICAO(t *testing.T) {
	// ICAO 9303 part 3's worked example.
	for in, want := range map[string]string{"L898902C3": "6", "740812": "2", "120415": "9", "<<<<<<": "0"} {
		if got := checkDigit(in); got != want {
			t.Errorf("checkDigit(%q) = %s, want %s", in, got, want)
		}
	}
	m := mrz(testHolder())
	if len(m) != 90 {
		t.Fatalf("MRZ is %d characters, want 3×30: %q", len(m), m)
	}
	if !strings.HasPrefix(m, "IDVNMAB2C3D4EF") || !strings.HasSuffix(strings.TrimRight(m, "<"), "NGUYEN<<THI<HOA") {
		t.Errorf("MRZ = %q", m)
	}
}

func TestPrintedQR(t *testing.T) {
	h := testHolder()
	text := PrintedQR(h)
	want := "046195000123||Nguyễn Thị Hoà|14031995|Nữ|Số 5 Lê Lợi, Phường Thuận Hóa, Thành phố Huế|27112026"
	if text != want {
		t.Fatalf("PrintedQR = %q, want %q", text, want)
	}
	got, err := ParsePrintedQR(text)
	if err != nil {
		t.Fatal(err)
	}
	if got.IDNumber != h.IDNumber || got.FullName != h.FullName || got.BirthDate != h.BirthDate || got.Gender != h.Gender ||
		got.Address != h.Address || got.IssueDate != h.IssueDate {
		t.Errorf("round trip: %+v", got)
	}
	partial := "046195000123|123456789|Trần Văn Ba|1950|Nam|Huế|01012020"
	if p, err := ParsePrintedQR(partial); err != nil || p.BirthDate != "1950" || p.OldIDNumber != "123456789" {
		t.Errorf("partial birth date: %+v, %v", p, err)
	}
	for name, bad := range map[string]string{
		"six fields":       "046195000123||A|14031995|Nữ|X",
		"bad ID number":    "046195000124x||A|14031995|Nữ|X|27112026",
		"bad gender":       "046195000123||A|14031995|F|X|27112026",
		"bad date":         "046195000123||A|31021995|Nữ|X|27112026",
		"partial issue":    "046195000123||A|14031995|Nữ|X|2026",
		"old number short": "046195000123|1234|A|14031995|Nữ|X|27112026",
		"no name":          "046195000123|| |14031995|Nữ|X|27112026",
	} {
		if _, err := ParsePrintedQR(bad); err == nil {
			t.Errorf("%s: %q parsed", name, bad)
		}
	}
}

func TestDG13_RoundTrip(t *testing.T) {
	h := testHolder()
	b, err := encodeDG13(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDG13(b)
	if err != nil {
		t.Fatal(err)
	}
	h.PhotoRef = ""
	if *got != *h {
		t.Errorf("DG13 round trip:\n got %+v\nwant %+v", got, h)
	}
	if !bytes.HasPrefix(b, []byte{0x6D}) {
		t.Errorf("DG13 starts with %x, want tag 6D", b[0])
	}
}
