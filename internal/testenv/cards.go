package testenv

import (
	"time"

	"github.com/dancu-vn/dancu/internal/pki"
)

// InitPKI creates the card PKI as `dancu pki init` does (CSCA P-384,
// signers P-256), the CSCA's key in a temporary folder, and returns that
// folder.
func (e *Env) InitPKI() pki.KeyDir {
	e.T.Helper()
	dir := pki.KeyDir{Path: e.T.TempDir() + "/pki"}
	_, _, err := pki.Init(e.Ctx, e.DB, dir, pki.InitOptions{
		CSCA:           pki.CSCAOptions{Country: "VN", Organisation: "Bộ Công an", CommonName: "CSCA Test", Validity: 10 * 365 * 24 * time.Hour, Now: time.Now()},
		SignerValidity: 90 * 24 * time.Hour, QRValidity: 30 * 24 * time.Hour,
	})
	if err != nil {
		e.T.Fatal(err)
	}
	e.API.PKI.Forget()
	return dir
}
