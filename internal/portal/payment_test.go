package portal

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCRC16(t *testing.T) {
	// The check value of CRC-16/CCITT-FALSE (CRC catalogue).
	if got := CRC16("123456789"); got != 0x29B1 {
		t.Fatalf("CRC16(123456789) = %04X, want 29B1", got)
	}
}

func TestVietQR_Payload(t *testing.T) {
	q := VietQR{BankBIN: "970436", Account: "0011000000006", Amount: 10000, MerchantName: "DANCU SANDBOX", City: "HUE",
		Bill: "TT-0123456789ABCDEF", Purpose: "DANCU HS-1"}
	p, err := q.Payload()
	if err != nil {
		t.Fatal(err)
	}
	want := "000201010212" + "38" + "57" + "0010A000000727" + "0127" + "0006970436" + "01130011000000006" + "0208QRIBFTTA" +
		"52049399" + "5303704" + "540510000" + "5802VN" + "5913DANCU SANDBOX" + "6003HUE"
	if !strings.HasPrefix(p, want) {
		t.Fatalf("payload\n got %s\nwant prefix %s", p, want)
	}
	tlv, err := ParseEMV(p)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range map[string]string{"00": "01", "01": "12", "53": "704", "54": "10000", "58": "VN"} {
		if tlv[id] != v {
			t.Errorf("data object %s = %q, want %q", id, tlv[id], v)
		}
	}
	add, _ := ParseTLV(tlv["62"])
	if add["01"] != "TT-0123456789ABCDEF" || add["08"] != "DANCU HS-1" {
		t.Errorf("additional data %v", add)
	}
	t.Run("bad crc", func(t *testing.T) {
		bad := p[:len(p)-1] + string("0123456789ABCDEF"[(strings.IndexByte("0123456789ABCDEF", p[len(p)-1])+1)%16])
		if _, err := ParseEMV(bad); err == nil {
			t.Fatal("a wrong CRC was accepted")
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, q := range []VietQR{{BankBIN: "97043", Account: "1", Amount: 1}, {BankBIN: "970436", Account: "1", Amount: 0}} {
			if _, err := q.Payload(); err == nil {
				t.Errorf("%+v: no error", q)
			}
		}
	})
}

func TestSandbox_VerifyCallback(t *testing.T) {
	sb := &Sandbox{Secret: []byte("0123456789abcdef0123456789abcdef")}
	body, sig := sb.CallbackBody(&Payment{ID: "TT-1", Amount: 7000}, "ref", time.Now())
	h := http.Header{}
	h.Set(SandboxSignatureHeader, sig)
	cf, err := sb.VerifyCallback(context.Background(), body, h)
	if err != nil || cf.PaymentID != "TT-1" || cf.Amount != 7000 {
		t.Fatalf("good callback: %+v %v", cf, err)
	}
	t.Run("bad signature", func(t *testing.T) {
		h.Set(SandboxSignatureHeader, strings.Repeat("0", 64))
		if _, err := sb.VerifyCallback(context.Background(), body, h); err == nil {
			t.Fatal("a bad signature was accepted")
		}
	})
	t.Run("changed body", func(t *testing.T) {
		h.Set(SandboxSignatureHeader, sig)
		if _, err := sb.VerifyCallback(context.Background(), []byte(strings.Replace(string(body), "7000", "70", 1)), h); err == nil {
			t.Fatal("a changed body was accepted")
		}
	})
}

func FuzzParseEMV(f *testing.F) {
	q := VietQR{BankBIN: "970436", Account: "123", Amount: 5, MerchantName: "X", City: "Y"}
	p, _ := q.Payload()
	f.Add(p)
	f.Add("000201")
	f.Fuzz(func(t *testing.T, s string) {
		ParseEMV(s)
	})
}

func TestDueAt(t *testing.T) {
	vn := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		from time.Time
		n    int
		want string
	}{
		{time.Date(2026, 11, 27, 10, 0, 0, 0, vn), 1, "2026-11-30 17:00"}, // Friday → Monday
		{time.Date(2026, 11, 24, 10, 0, 0, 0, vn), 3, "2026-11-27 17:00"}, // Tuesday → Friday
		{time.Date(2026, 11, 28, 10, 0, 0, 0, vn), 7, "2026-12-08 17:00"}, // Saturday → 7 working days
	}
	for _, tt := range tests {
		if got := DueAt(tt.from, tt.n).In(vn).Format("2006-01-02 15:04"); got != tt.want {
			t.Errorf("DueAt(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestBuiltin(t *testing.T) {
	ps, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateSet(ps); err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, p := range ps {
		codes[p.Code] = true
	}
	for _, c := range []string{"birth_registration", "permanent_residence_registration", "temporary_residence_registration",
		"judicial_record_certificate", "marriage_registration", "death_registration", "newborn_linked"} {
		if !codes[c] {
			t.Errorf("procedure %s is not shipped", c)
		}
	}
	t.Run("bad definitions", func(t *testing.T) {
		for name, js := range map[string]string{
			"unknown field":  `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"surprise":1}`,
			"bad type":       `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"time_limit_days":1,"handling":{"level":"commune","unit_from":"applicant"},"fields":[{"name":"ab","type":"blob"}]}`,
			"bad prefill":    `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"time_limit_days":1,"handling":{"level":"commune","unit_from":"applicant"},"fields":[{"name":"ab","type":"text","prefill":"applicant.salary"}]}`,
			"no time limit":  `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"handling":{"level":"commune","unit_from":"applicant"}}`,
			"bad unit field": `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"time_limit_days":1,"handling":{"level":"commune","unit_from":"field:nope"}}`,
		} {
			if _, err := ParseProcedure([]byte(js)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}
