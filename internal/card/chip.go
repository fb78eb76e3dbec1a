package card

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// Holder is what a card says of its holder: the chip's DG13, the printed
// QR and the seal carry (parts of) it.
type Holder struct {
	IDNumber    string        `json:"id_number"`
	OldIDNumber string        `json:"old_id_number,omitempty"` // the 9-digit number of an old identity card (CMND)
	FullName    string        `json:"full_name"`
	BirthDate   register.Date `json:"birth_date"`
	Gender      idnum.Gender  `json:"gender"`
	Nationality string        `json:"nationality,omitempty"` // ICAO 3-letter code, VNM
	Ethnicity   string        `json:"ethnicity,omitempty"`
	Religion    string        `json:"religion,omitempty"`
	Hometown    string        `json:"hometown,omitempty"`
	Address     string        `json:"address,omitempty"` // permanent residence, as printed
	Serial      string        `json:"serial,omitempty"`
	IssueDate   register.Date `json:"issue_date,omitempty"`
	ExpiryDate  register.Date `json:"expiry_date,omitempty"` // empty: valid for life
	Issuer      string        `json:"issuer,omitempty"`
	PhotoRef    string        `json:"photo_ref,omitempty"`
}

// Chip is a card chip's content: the data groups as written and EF.SOD,
// the document security object that signs their hashes. Its JSON (the
// "dancu-chip/1" file) is what `dancu card verify FILE` reads.
type Chip struct {
	Format string `json:"format"`
	DG1    []byte `json:"dg1"`  // MRZ (TD1)
	DG2    []byte `json:"dg2"`  // face image
	DG13   []byte `json:"dg13"` // holder data
	SOD    []byte `json:"sod"`  // EF.SOD: CMS SignedData of the LDS security object
}

// ChipFormat names the chip file format.
const ChipFormat = "dancu-chip/1"

// DataGroups returns the data groups by number.
func (c *Chip) DataGroups() map[int][]byte {
	return map[int][]byte{1: c.DG1, 2: c.DG2, 13: c.DG13}
}

// PhotoRef is the reference to a face image that cards and identity QRs
// carry: the first 16 bytes of the SHA-256 of the chip's DG2, in
// base64url. A gate that reads the chip checks the image against it; the
// image itself is never released.
func PhotoRef(dg2 []byte) string {
	sum := sha256.Sum256(dg2)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// DG13 fields, numbered as the chip stores them.
const (
	dgIDNumber = iota + 1
	dgFullName
	dgBirthDate
	dgGender
	dgNationality
	dgEthnicity
	dgReligion
	dgHometown
	dgAddress
	dgIssueDate
	dgExpiryDate
	dgOldIDNumber
	dgSerial
	dgIssuer
)

type dg13Field struct {
	Tag   int
	Value string `asn1:"utf8"`
}

// encodeDG13 writes the holder data: [APPLICATION 13] holding a SEQUENCE
// OF (field number, UTF8String), in the manner of Vietnamese cards' DG13.
func encodeDG13(h *Holder) ([]byte, error) {
	var fs []dg13Field
	add := func(tag int, v string) {
		if v != "" {
			fs = append(fs, dg13Field{tag, v})
		}
	}
	add(dgIDNumber, h.IDNumber)
	add(dgFullName, h.FullName)
	add(dgBirthDate, string(h.BirthDate))
	add(dgGender, string(h.Gender))
	add(dgNationality, h.Nationality)
	add(dgEthnicity, h.Ethnicity)
	add(dgReligion, h.Religion)
	add(dgHometown, h.Hometown)
	add(dgAddress, h.Address)
	add(dgIssueDate, string(h.IssueDate))
	add(dgExpiryDate, string(h.ExpiryDate))
	add(dgOldIDNumber, h.OldIDNumber)
	add(dgSerial, h.Serial)
	add(dgIssuer, h.Issuer)
	inner, err := asn1.Marshal(fs)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 13, IsCompound: true, Bytes: inner})
}

// decodeDG13 reads holder data.
func decodeDG13(b []byte) (*Holder, error) {
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(b, &outer); err != nil || len(rest) != 0 || outer.Class != asn1.ClassApplication || outer.Tag != 13 {
		return nil, errors.New("DG13 is not an [APPLICATION 13] structure")
	}
	var fs []dg13Field
	if rest, err := asn1.Unmarshal(outer.Bytes, &fs); err != nil || len(rest) != 0 {
		return nil, errors.New("DG13 holds no field list")
	}
	h := &Holder{}
	for _, f := range fs {
		switch f.Tag {
		case dgIDNumber:
			h.IDNumber = f.Value
		case dgFullName:
			h.FullName = f.Value
		case dgBirthDate:
			h.BirthDate = register.Date(f.Value)
		case dgGender:
			h.Gender = idnum.Gender(f.Value)
		case dgNationality:
			h.Nationality = f.Value
		case dgEthnicity:
			h.Ethnicity = f.Value
		case dgReligion:
			h.Religion = f.Value
		case dgHometown:
			h.Hometown = f.Value
		case dgAddress:
			h.Address = f.Value
		case dgIssueDate:
			h.IssueDate = register.Date(f.Value)
		case dgExpiryDate:
			h.ExpiryDate = register.Date(f.Value)
		case dgOldIDNumber:
			h.OldIDNumber = f.Value
		case dgSerial:
			h.Serial = f.Value
		case dgIssuer:
			h.Issuer = f.Value
		}
	}
	return h, nil
}

// encodeDG1 writes the MRZ as ICAO's DG1: [APPLICATION 1] { [APPLICATION
// 31] (tag 5F1F) MRZ }.
func encodeDG1(mrz string) ([]byte, error) {
	inner, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 31, Bytes: []byte(mrz)})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 1, IsCompound: true, Bytes: inner})
}

// encodeDG2 writes a face image as ICAO's DG2 (tag 75): a biometric
// information group template (7F61) with one instance (7F60) holding the
// image (5F2E).
func encodeDG2(jpegImage []byte) ([]byte, error) {
	app := func(tag int, compound bool, b []byte) []byte {
		out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: tag, IsCompound: compound, Bytes: b})
		return out
	}
	count, _ := asn1.Marshal(1)
	instance := app(96, true, app(46, false, jpegImage))
	return app(21, true, app(97, true, append(count, instance...))), nil
}

// placeholderPhoto is the face image of a card whose photo the register
// does not hold: a small grey JPEG that differs per holder, so that photo
// references differ too.
func placeholderPhoto(seed string) []byte {
	sum := sha256.Sum256([]byte(seed))
	img := image.NewGray(image.Rect(0, 0, 48, 64))
	for i := range img.Pix {
		img.Pix[i] = 0x80 + sum[i%len(sum)]%32
	}
	img.Set(0, 0, color.Gray{Y: sum[0]})
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 40})
	return b.Bytes()
}

// MRZ of a TD1 card (ICAO 9303 part 5): three lines of 30 characters.
func mrz(h *Holder) string {
	line1 := pad("IDVNM"+mrzText(h.Serial, 9)+checkDigit(mrzText(h.Serial, 9))+mrzText(h.IDNumber, 15), 30)
	birth := mrzDate(h.BirthDate)
	expiry := mrzDate(h.ExpiryDate)
	sex := "M"
	if h.Gender == idnum.Female {
		sex = "F"
	}
	line2 := birth + checkDigit(birth) + sex + expiry + checkDigit(expiry) + "VNM" + strings.Repeat("<", 11)
	composite := line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
	line2 += checkDigit(composite)
	return line1 + line2 + pad(mrzName(h.FullName), 30)
}

// mrzDate writes YYMMDD; unknown parts and no date are "<".
func mrzDate(d register.Date) string {
	switch len(d) {
	case 10:
		return string(d[2:4]) + string(d[5:7]) + string(d[8:10])
	case 7:
		return string(d[2:4]) + string(d[5:7]) + "<<"
	case 4:
		return string(d[2:4]) + "<<<<"
	}
	return "<<<<<<"
}

// mrzName writes "FAMILY<<GIVEN<NAMES" without diacritics: a Vietnamese
// name is family name first.
func mrzName(full string) string {
	words := strings.Fields(strings.ToUpper(register.NameKey(full)))
	if len(words) == 0 {
		return ""
	}
	return words[0] + "<<" + strings.Join(words[1:], "<")
}

// mrzText keeps MRZ characters (A–Z, 0–9) and pads with "<" to n.
func mrzText(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return pad(b.String(), n)
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

// checkDigit is ICAO's 7-3-1 check digit.
func checkDigit(s string) string {
	weights := []int{7, 3, 1}
	sum := 0
	for i, r := range s {
		v := 0
		switch {
		case r >= '0' && r <= '9':
			v = int(r - '0')
		case r >= 'A' && r <= 'Z':
			v = int(r-'A') + 10
		}
		sum += v * weights[i%3]
	}
	return fmt.Sprint(sum % 10)
}

// newChipData makes the data groups of a card (without the SOD).
func newChipData(h *Holder) (*Chip, error) {
	dg1, err := encodeDG1(mrz(h))
	if err != nil {
		return nil, err
	}
	dg2, err := encodeDG2(placeholderPhoto(h.IDNumber + "/" + h.Serial))
	if err != nil {
		return nil, err
	}
	h.PhotoRef = PhotoRef(dg2)
	dg13, err := encodeDG13(h)
	if err != nil {
		return nil, err
	}
	return &Chip{Format: ChipFormat, DG1: dg1, DG2: dg2, DG13: dg13}, nil
}
