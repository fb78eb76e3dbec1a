package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/sms"
)

// eidRoutes registers the e-ID API: citizens' accounts, logins and
// sessions, officers' level-2 attestations, organisations, and the
// development SMS outbox when it is the SMS provider in use.
func (s *Server) eidRoutes(mux *http.ServeMux) {
	if s.EID == nil {
		return
	}
	// Anyone: registration, login, passcode reset.
	mux.HandleFunc("POST /api/v1/eid/registrations", s.handleEIDRegistrationStart)
	mux.HandleFunc("POST /api/v1/eid/registrations/{challenge}/complete", s.handleEIDRegistrationComplete)
	mux.HandleFunc("POST /api/v1/eid/challenges/{challenge}/resend", s.handleEIDChallengeResend)
	mux.HandleFunc("POST /api/v1/eid/login", s.handleEIDLoginBegin)
	mux.HandleFunc("POST /api/v1/eid/login/{challenge}", s.handleEIDLoginFinish)
	mux.HandleFunc("POST /api/v1/eid/passcode-resets", s.handleEIDResetStart)
	mux.HandleFunc("POST /api/v1/eid/passcode-resets/{challenge}/complete", s.handleEIDResetComplete)

	// A citizen's session.
	mux.Handle("POST /api/v1/eid/logout", s.citizen(s.handleEIDLogout))
	mux.Handle("GET /api/v1/eid/me", s.citizen(s.handleEIDMe))
	mux.Handle("GET /api/v1/eid/sessions", s.citizen(s.handleEIDSessionList))
	mux.Handle("DELETE /api/v1/eid/sessions/{session}", s.citizen(s.handleEIDSessionRevoke))
	mux.Handle("GET /api/v1/eid/devices", s.citizen(s.handleEIDDeviceList))
	mux.Handle("DELETE /api/v1/eid/devices/{device}", s.citizen(s.handleEIDDeviceUnbind))
	mux.Handle("POST /api/v1/eid/totp", s.citizen(s.handleEIDTOTPEnroll))
	mux.Handle("POST /api/v1/eid/totp/confirm", s.citizen(s.handleEIDTOTPConfirm))
	mux.Handle("POST /api/v1/eid/totp/disable", s.citizen(s.handleEIDTOTPDisable))
	mux.Handle("POST /api/v1/eid/organisations", s.citizen(s.idempotent(s.handleEIDOrganisationCreate)))
	mux.Handle("GET /api/v1/eid/organisations", s.citizen(s.handleEIDOrganisationList))
	mux.Handle("GET /api/v1/eid/organisations/{org}", s.citizen(s.handleEIDOrganisationGet))

	// Officers: level 2 in person.
	mux.Handle("POST /api/v1/eid/accounts/{id}/level2", s.authed(s.idempotent(s.handleEIDLevel2Upgrade)))
	mux.Handle("DELETE /api/v1/eid/accounts/{id}/level2", s.authed(s.idempotent(s.handleEIDLevel2Revoke)))

	// Development only: the SMS outbox, for operators.
	if outbox, ok := s.EID.Sender().(*sms.Outbox); ok {
		mux.Handle("GET /api/v1/dev/sms", s.authed(s.handleDevSMS(outbox)))
	}
}

// citizenRole is the actor role of a citizen's session, under which
// idempotency keys are kept apart from officers'.
const citizenRole = "citizen"

type citizenKey struct{}

// citizenAuth is the session and account of a citizen's request.
type citizenAuth struct {
	session *eid.Session
	account *eid.Account
}

// citizen requires a citizen's session token (Authorization: Bearer
// dcs_…) and puts the session, the account and an actor into the context.
func (s *Server) citizen(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(token, eid.SessionTokenPrefix) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu-eid"`)
			writeError(w, r, apperr.E(apperr.Unauthorized, "a citizen's session token (Bearer dcs_…) is required"))
			return
		}
		sess, acct, err := s.EID.Authenticate(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu-eid", error="invalid_token"`)
			writeError(w, r, err)
			return
		}
		a := auth.Actor{ID: citizenRole + ":" + acct.ID, Role: citizenRole}
		a.RequestID, _ = r.Context().Value(requestIDKey{}).(string)
		ctx := context.WithValue(auth.WithActor(r.Context(), a), citizenKey{}, citizenAuth{session: sess, account: acct})
		next(w, r.WithContext(ctx))
	})
}

// citizenOf returns the authenticated citizen.
func citizenOf(r *http.Request) citizenAuth {
	c, _ := r.Context().Value(citizenKey{}).(citizenAuth)
	return c
}

// clientOf returns where the request comes from: the connection's
// address, or the client's behind trusted proxies (see docs/eid.md).
func clientOf(r *http.Request) eid.Client { return eid.ClientOf(r) }

// writeSecret answers with a body that holds a secret (a token, a TOTP
// seed): never to be cached.
func writeSecret(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, v)
}

// handleEIDRegistrationStart answers POST /api/v1/eid/registrations:
// checks the details against the register and sends a code.
func (s *Server) handleEIDRegistrationStart(w http.ResponseWriter, r *http.Request) {
	var req eid.RegistrationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	ch, err := s.EID.StartRegistration(r.Context(), req, clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ch)
}

// codeAndPasscode is the body that completes a registration or a reset.
type codeAndPasscode struct {
	OTP      string `json:"otp"`
	Passcode string `json:"passcode"`
}

// handleEIDRegistrationComplete answers POST
// /api/v1/eid/registrations/{challenge}/complete: the code and the chosen
// passcode create the level-1 account.
func (s *Server) handleEIDRegistrationComplete(w http.ResponseWriter, r *http.Request) {
	var req codeAndPasscode
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	a, err := s.EID.CompleteRegistration(r.Context(), r.PathValue("challenge"), req.OTP, req.Passcode, clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

// handleEIDChallengeResend answers POST /api/v1/eid/challenges/{challenge}/resend.
func (s *Server) handleEIDChallengeResend(w http.ResponseWriter, r *http.Request) {
	ch, err := s.EID.ResendOTP(r.Context(), r.PathValue("challenge"), clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ch)
}

// handleEIDLoginBegin answers POST /api/v1/eid/login: 200 with a session
// token when a bound device skips the second factor, else 202 with the
// challenge to finish.
func (s *Server) handleEIDLoginBegin(w http.ResponseWriter, r *http.Request) {
	var req eid.LoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.EID.BeginLogin(r.Context(), req, clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if res.Challenge != nil {
		writeJSON(w, http.StatusAccepted, res)
		return
	}
	writeSecret(w, http.StatusOK, res)
}

// loginFinish is the second factor of a login.
type loginFinish struct {
	Method     string `json:"method"` // "sms" or "totp"
	Code       string `json:"code"`
	BindDevice bool   `json:"bind_device"`
	DeviceName string `json:"device_name"`
}

// handleEIDLoginFinish answers POST /api/v1/eid/login/{challenge}.
func (s *Server) handleEIDLoginFinish(w http.ResponseWriter, r *http.Request) {
	var req loginFinish
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.EID.FinishLogin(r.Context(), r.PathValue("challenge"), req.Method, req.Code, req.BindDevice, req.DeviceName, clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusOK, res)
}

// handleEIDLogout answers POST /api/v1/eid/logout: ends the caller's session.
func (s *Server) handleEIDLogout(w http.ResponseWriter, r *http.Request) {
	c := citizenOf(r)
	if err := s.EID.RevokeSession(r.Context(), c.account.ID, c.session.ID); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEIDMe answers GET /api/v1/eid/me: the caller's account and session.
func (s *Server) handleEIDMe(w http.ResponseWriter, r *http.Request) {
	c := citizenOf(r)
	writeJSON(w, http.StatusOK, struct {
		Account *eid.Account `json:"account"`
		Session *eid.Session `json:"session"`
	}{c.account, c.session})
}

// sessionView is a session as its owner sees it in the list.
type sessionView struct {
	eid.Session
	Current bool `json:"current"`
}

// handleEIDSessionList answers GET /api/v1/eid/sessions.
func (s *Server) handleEIDSessionList(w http.ResponseWriter, r *http.Request) {
	c := citizenOf(r)
	ss, err := s.EID.Sessions(r.Context(), c.account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]sessionView, len(ss))
	for i, x := range ss {
		out[i] = sessionView{Session: x, Current: x.ID == c.session.ID}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// handleEIDSessionRevoke answers DELETE /api/v1/eid/sessions/{session}.
func (s *Server) handleEIDSessionRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.EID.RevokeSession(r.Context(), citizenOf(r).account.ID, r.PathValue("session")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEIDDeviceList answers GET /api/v1/eid/devices.
func (s *Server) handleEIDDeviceList(w http.ResponseWriter, r *http.Request) {
	ds, err := s.EID.Devices(r.Context(), citizenOf(r).account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": ds})
}

// handleEIDDeviceUnbind answers DELETE /api/v1/eid/devices/{device}.
func (s *Server) handleEIDDeviceUnbind(w http.ResponseWriter, r *http.Request) {
	if err := s.EID.UnbindDevice(r.Context(), citizenOf(r).account.ID, r.PathValue("device")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// resetStart is the body that starts a passcode reset.
type resetStart struct {
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// handleEIDResetStart answers POST /api/v1/eid/passcode-resets.
func (s *Server) handleEIDResetStart(w http.ResponseWriter, r *http.Request) {
	var req resetStart
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	ch, err := s.EID.StartPasscodeReset(r.Context(), req.IDNumber, req.Phone, clientOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ch)
}

// handleEIDResetComplete answers POST
// /api/v1/eid/passcode-resets/{challenge}/complete: sets the new passcode
// and ends every session and device binding.
func (s *Server) handleEIDResetComplete(w http.ResponseWriter, r *http.Request) {
	var req codeAndPasscode
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.EID.CompletePasscodeReset(r.Context(), r.PathValue("challenge"), req.OTP, req.Passcode, clientOf(r)); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEIDTOTPEnroll answers POST /api/v1/eid/totp: a new secret, pending
// until confirmed.
func (s *Server) handleEIDTOTPEnroll(w http.ResponseWriter, r *http.Request) {
	secret, url, err := s.EID.EnrollTOTP(r.Context(), citizenOf(r).account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusCreated, map[string]string{"secret": secret, "otpauth_url": url})
}

// handleEIDTOTPConfirm answers POST /api/v1/eid/totp/confirm {"code"}.
func (s *Server) handleEIDTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.EID.ConfirmTOTP(r.Context(), citizenOf(r).account.ID, req.Code); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEIDTOTPDisable answers POST /api/v1/eid/totp/disable {"passcode"}.
func (s *Server) handleEIDTOTPDisable(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Passcode string `json:"passcode"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.EID.DisableTOTP(r.Context(), citizenOf(r).account.ID, req.Passcode); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEIDLevel2Upgrade answers POST /api/v1/eid/accounts/{id}/level2:
// an officer's in-person attestation.
func (s *Server) handleEIDLevel2Upgrade(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var at eid.Attestation
	if err := decodeJSON(w, r, &at); err != nil {
		writeError(w, r, err)
		return
	}
	a, err := s.EID.UpgradeLevel2(r.Context(), actor(r), id, at)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleEIDLevel2Revoke answers DELETE /api/v1/eid/accounts/{id}/level2 {"reason"}.
func (s *Server) handleEIDLevel2Revoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	a, err := s.EID.RevokeLevel2(r.Context(), actor(r), id, req.Reason)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleEIDOrganisationCreate answers POST /api/v1/eid/organisations: the
// caller, at level 2, represents the new organisation.
func (s *Server) handleEIDOrganisationCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RegistrationNumber string `json:"registration_number"`
		Name               string `json:"name"`
		Kind               string `json:"kind"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	created, err := s.EID.CreateOrganisation(r.Context(), citizenOf(r).account.ID,
		eid.Organisation{RegistrationNumber: req.RegistrationNumber, Name: req.Name, Kind: req.Kind})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/eid/organisations/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

// handleEIDOrganisationList answers GET /api/v1/eid/organisations: those
// the caller represents.
func (s *Server) handleEIDOrganisationList(w http.ResponseWriter, r *http.Request) {
	os, err := s.EID.Organisations(r.Context(), citizenOf(r).account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"organisations": os})
}

// handleEIDOrganisationGet answers GET /api/v1/eid/organisations/{org}:
// only to its representative; to anyone else as if it did not exist.
func (s *Server) handleEIDOrganisationGet(w http.ResponseWriter, r *http.Request) {
	o, err := s.EID.Organisation(r.Context(), r.PathValue("org"))
	if err == nil && o.RepresentativeID != citizenOf(r).account.ID {
		err = apperr.E(apperr.NotFound, "organisation: not found")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// handleDevSMS answers GET /api/v1/dev/sms?phone=: the development
// outbox's newest messages to a phone, for officers with the admin role.
// It exists only while the outbox is the SMS provider.
func (s *Server) handleDevSMS(outbox *sms.Outbox) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if actor(r).Role != auth.RoleAdmin {
			writeError(w, r, apperr.E(apperr.Forbidden, "only an operator (admin) reads the development SMS outbox"))
			return
		}
		phone, err := eid.NormalizePhone(r.URL.Query().Get("phone"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		msgs, err := outbox.Messages(r.Context(), phone, 20)
		if err != nil {
			writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"messages": msgs})
	}
}
