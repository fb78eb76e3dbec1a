package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-pdf/fpdf"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/signkey"
)

// ResultDoc is the signed electronic document an approved dossier
// yields: a PDF, a detached JWS over its bytes and the URL of its public
// verification, which its QR code carries.
type ResultDoc struct {
	ID        string    `json:"id"`
	DossierID string    `json:"dossier_id"`
	Title     string    `json:"title"`
	UnitCode  string    `json:"unit_code"`
	PDF       []byte    `json:"-"`
	SHA256    string    `json:"sha256"`    // hex SHA-256 of the PDF
	Signature string    `json:"signature"` // JWS (ES256) with detached payload: the PDF bytes
	KeyID     string    `json:"kid"`
	VerifyURL string    `json:"verify_url"`
	IssuedAt  time.Time `json:"issued_at"`
}

// The fonts: DejaVu Sans (Bitstream Vera licence, see fonts/LICENSE),
// which covers every Vietnamese letter.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// resultKeySecret names the results' signing key in the database.
const resultKeySecret = "portal-result-key"

// signer signs results with one P-256 key kept in the database, so that
// every node signs with it.
type signer struct{ signkey.Stored }

func (sg *signer) load(ctx context.Context, st Store) (*jose.JSONWebKey, error) {
	return sg.Load(ctx, st, resultKeySecret)
}

// sign returns a compact JWS with a detached payload (RFC 7515 Appendix
// F) over body: "header..signature".
func (sg *signer) sign(ctx context.Context, st Store, body []byte) (string, string, error) {
	k, err := sg.load(ctx, st)
	if err != nil {
		return "", "", err
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", k.KeyID).WithType("dancu-result+jws")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.Key}, opts)
	if err != nil {
		return "", "", apperr.Wrap(err, "result signer")
	}
	jws, err := s.Sign(body)
	if err != nil {
		return "", "", apperr.Wrap(err, "sign result")
	}
	out, err := jws.DetachedCompactSerialize()
	return out, k.KeyID, err
}

// VerifyDetached checks a detached JWS over body against a key set.
func VerifyDetached(sig string, body []byte, keys jose.JSONWebKeySet) error {
	jws, err := jose.ParseDetached(sig, body, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return apperr.E(apperr.Invalid, "malformed signature")
	}
	if len(jws.Signatures) != 1 {
		return apperr.E(apperr.Invalid, "one signature expected")
	}
	for _, k := range keys.Key(jws.Signatures[0].Header.KeyID) {
		if _, err := jws.Verify(k.Key); err == nil {
			return nil
		}
	}
	return apperr.E(apperr.Invalid, "the signature does not verify")
}

// document is what the PDF of a result shows.
type document struct {
	ID, Title, TitleEN, Office, Procedure string
	Lines                                 [][2]string // label, value
	IssuedAt                              time.Time
	Officer                               string
	VerifyURL                             string
}

// renderPDF lays out a result as an A4 PDF with its verification QR.
func renderPDF(d document) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(d.IssuedAt)
	pdf.SetModificationDate(d.IssuedAt)
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetTitle(d.Title, true)
	pdf.SetAuthor(d.Office, true)
	pdf.SetCreator("dancu", true)
	pdf.AddPage()
	pdf.SetFont("dejavu", "B", 11)
	pdf.CellFormat(0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	pdf.CellFormat(0, 6, "Độc lập - Tự do - Hạnh phúc", "", 1, "C", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, d.Office, "", 1, "L", false, 0, "")
	pdf.Ln(6)
	pdf.SetFont("dejavu", "B", 16)
	pdf.CellFormat(0, 9, strings.ToUpper(d.Title), "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, d.TitleEN, "", 1, "C", false, 0, "")
	pdf.Ln(6)
	for _, l := range d.Lines {
		pdf.SetFont("dejavu", "", 11)
		pdf.CellFormat(70, 7, l[0]+":", "", 0, "L", false, 0, "")
		pdf.SetFont("dejavu", "B", 11)
		pdf.MultiCell(0, 7, l[1], "", "L", false)
	}
	pdf.Ln(6)
	pdf.SetFont("dejavu", "", 10)
	pdf.MultiCell(0, 6, fmt.Sprintf("Cấp ngày %s bởi %s (cán bộ: %s). Số: %s.",
		d.IssuedAt.In(register.Vietnam).Format("02/01/2006"), d.Office, d.Officer, d.ID), "", "L", false)
	png, err := qrPNG(d.VerifyURL)
	if err != nil {
		return nil, err
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	y := pdf.GetY() + 8
	pdf.ImageOptions("qr", 15, y, 40, 40, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(60, y+4)
	pdf.MultiCell(0, 6, "Văn bản điện tử có chữ ký số. Quét mã QR hoặc mở địa chỉ sau để kiểm tra:\n"+
		"Electronic document with a digital signature. Scan the QR code or open:\n"+d.VerifyURL, "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, apperr.Wrap(err, "render result PDF")
	}
	return buf.Bytes(), nil
}

// VerificationQR returns the PNG of the QR code a result carries for its
// verification URL (the same image the PDF embeds).
func VerificationQR(url string) ([]byte, error) { return qrPNG(url) }

// qrPNG encodes text as a QR code (error correction M) in a PNG.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, apperr.Wrap(err, "encode QR")
	}
	code, err = barcode.Scale(code, 256, 256)
	if err != nil {
		return nil, apperr.Wrap(err, "scale QR")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return nil, apperr.Wrap(err, "encode QR PNG")
	}
	return buf.Bytes(), nil
}

// newResult renders, hashes and signs a result document.
func (s *Service) newResult(ctx context.Context, d document, dossierID, unit string) (*ResultDoc, error) {
	pdf, err := renderPDF(d)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pdf)
	sig, kid, err := s.signer.sign(ctx, s.Store, pdf)
	if err != nil {
		return nil, err
	}
	return &ResultDoc{ID: d.ID, DossierID: dossierID, Title: d.Title, UnitCode: unit, PDF: pdf,
		SHA256: hex.EncodeToString(sum[:]), Signature: sig, KeyID: kid, VerifyURL: d.VerifyURL, IssuedAt: d.IssuedAt}, nil
}

// Keys returns the public keys that sign results (a JWK set).
func (s *Service) Keys(ctx context.Context) (jose.JSONWebKeySet, error) {
	k, err := s.signer.load(ctx, s.Store)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.Public()}}, nil
}

// Verification is what the public verification of a result answers. It
// names the document and its issuer, never the person's data.
type Verification struct {
	ResultID       string    `json:"result_id"`
	DossierID      string    `json:"dossier_id"` // printed on the document
	Title          string    `json:"title"`
	Procedure      string    `json:"procedure"`
	Issuer         string    `json:"issuer_unit"`
	IssuedAt       time.Time `json:"issued_at"`
	SHA256         string    `json:"sha256"`
	Signature      string    `json:"signature"`
	KeyID          string    `json:"kid"`
	SignatureValid bool      `json:"signature_valid"`
	// Matches answers whether a hash the verifier computed from its copy
	// (?sha256=) is the document's; absent when none was given.
	Matches *bool `json:"matches,omitempty"`
}

// Verify checks a result: its stored PDF against its signature and,
// if given, a hash of the verifier's copy. Anyone may ask.
func (s *Service) Verify(ctx context.Context, resultID, sha string) (*Verification, error) {
	r, err := s.Store.Result(ctx, resultID)
	if err != nil {
		return nil, apperr.E(apperr.NotFound, "no such document")
	}
	d, err := s.Store.Dossier(ctx, r.DossierID)
	if err != nil {
		return nil, err
	}
	keys, err := s.Keys(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(r.PDF)
	v := &Verification{ResultID: r.ID, DossierID: r.DossierID, Title: r.Title, Procedure: d.Procedure, Issuer: r.UnitCode, IssuedAt: r.IssuedAt,
		SHA256: r.SHA256, Signature: r.Signature, KeyID: r.KeyID,
		SignatureValid: hex.EncodeToString(sum[:]) == r.SHA256 && VerifyDetached(r.Signature, r.PDF, keys) == nil}
	if sha != "" {
		m := strings.EqualFold(sha, r.SHA256)
		v.Matches = &m
	}
	return v, nil
}
