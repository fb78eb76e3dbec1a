package card

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/dancu-vn/dancu/internal/pki"
)

// The list of revoked cards lets an offline verifier tell a lost card
// from a valid one. It is a CMS SignedData (id-data) signed by a document
// signer, whose content is text:
//
//	dancu-revoked-cards/1
//	issued: 2026-11-27T12:00:00Z
//	SERIAL YYYY-MM-DD REASON
//	…
//
// served at /api/v1/pki/revoked-cards and written by `dancu pki export`
// as revoked-cards.p7s.
const (
	RevokedListFile   = "revoked-cards.p7s"
	revokedListHeader = "dancu-revoked-cards/1"
)

// SignRevokedList signs the list of revoked cards.
func SignRevokedList(sg *pki.Signer, cards []RevokedCard, now time.Time) ([]byte, error) {
	sort.Slice(cards, func(i, j int) bool { return cards[i].Serial < cards[j].Serial })
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nissued: %s\n", revokedListHeader, now.UTC().Format(time.RFC3339))
	for _, c := range cards {
		fmt.Fprintf(&b, "%s %s %s\n", c.Serial, c.RevokedAt.UTC().Format(time.DateOnly), c.Reason)
	}
	sd, err := pkcs7.NewSignedData(b.Bytes())
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(digestFor(sg.Key))
	if err := sd.AddSigner(sg.Cert, sg.Key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, err
	}
	return sd.Finish()
}

// RevokedList is a verified list of revoked cards.
type RevokedList struct {
	Issued time.Time
	cards  map[string]string // serial → reason
}

// ParseRevokedList verifies a signed list against the Trust.
func ParseRevokedList(der []byte, t *pki.Trust) (l *RevokedList, err error) {
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fmt.Errorf("revoked cards list: %v", r)
		}
	}()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("revoked cards list: %w", err)
	}
	signer := p7.GetOnlySigner()
	var at time.Time
	if signer == nil || p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &at) != nil {
		return nil, fmt.Errorf("revoked cards list: no signer")
	}
	if err := p7.Verify(); err != nil {
		return nil, fmt.Errorf("revoked cards list: the signature does not verify")
	}
	if err := t.Check(signer, pki.DocTypeIDCard, at); err != nil {
		return nil, fmt.Errorf("revoked cards list: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(p7.Content))
	l = &RevokedList{cards: map[string]string{}}
	for i := 0; sc.Scan(); i++ {
		line := sc.Text()
		switch {
		case i == 0 && line != revokedListHeader:
			return nil, fmt.Errorf("revoked cards list: unknown format")
		case i == 1:
			l.Issued, _ = time.Parse(time.RFC3339, strings.TrimPrefix(line, "issued: "))
		case i > 1:
			f := strings.Fields(line)
			if len(f) == 3 {
				l.cards[f[0]] = f[2]
			}
		}
	}
	return l, nil
}

// CardRevoked implements Revocations.
func (l *RevokedList) CardRevoked(_ context.Context, serial string) (bool, string, error) {
	reason, ok := l.cards[serial]
	return ok, reason, nil
}

// Len returns the number of revoked cards listed.
func (l *RevokedList) Len() int { return len(l.cards) }
