package portal

import (
	"bytes"
	"testing"
	"time"
)

func TestRenderPDF(t *testing.T) {
	pdf, err := renderPDF(document{ID: "KQ-1", Title: "Giấy khai sinh", TitleEN: "Birth certificate",
		Office: "Ủy ban nhân dân cấp xã — Phường Thuận Hóa", IssuedAt: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC),
		Officer: "xa", VerifyURL: "https://dancu.example/verify/KQ-1",
		Lines: [][2]string{{"Họ, chữ đệm, tên", "Nguyễn Thị Bé"}, {"Số định danh cá nhân", "046326004321"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"%PDF-", "/Subtype /Image", "/FontFile2", "/Type /Font"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the PDF has no %q", want)
		}
	}
	again, _ := renderPDF(document{ID: "KQ-1", Title: "Giấy khai sinh", TitleEN: "Birth certificate",
		Office: "Ủy ban nhân dân cấp xã — Phường Thuận Hóa", IssuedAt: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC),
		Officer: "xa", VerifyURL: "https://dancu.example/verify/KQ-1",
		Lines: [][2]string{{"Họ, chữ đệm, tên", "Nguyễn Thị Bé"}, {"Số định danh cá nhân", "046326004321"}}})
	if !bytes.Equal(pdf, again) {
		t.Log("rendering is not byte-for-byte reproducible (the signature covers the stored bytes, so this is only informative)")
	}
	if png, err := qrPNG("https://dancu.example/verify/KQ-1"); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("QR PNG: %v", err)
	}
}
