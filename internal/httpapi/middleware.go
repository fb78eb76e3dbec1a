package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// statusRecorder remembers the status and, when asked, the body.
type statusRecorder struct {
	http.ResponseWriter
	status int
	body   *bytes.Buffer
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body != nil {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// observe gives every request an ID, counts it in the metrics and logs a
// line with the route pattern (never the path or query, which carry ID
// numbers and names).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		// The mux records the matched pattern on the request it is given.
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, rec.status, elapsed)
		if s.Logger != nil && (rec.status >= 500 || s.Logger.Enabled(r.Context(), slog.LevelDebug)) {
			s.Logger.Info("http", "route", route, "status", rec.status, "ms", elapsed.Milliseconds(), "request_id", id)
		}
	})
}

type requestIDKey struct{}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recoverer turns a panic into a 500 JSON error.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				slog.Error("panic", "route", r.Pattern, "panic", v)
				writeError(w, r, apperr.E(apperr.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authed requires a valid officer bearer token and puts the actor, with
// the purpose and legal basis the caller declares, into the context.
func (s *Server) authed(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu"`)
			writeError(w, r, apperr.E(apperr.Unauthorized, "a bearer token is required"))
			return
		}
		o, err := s.DB.Authenticate(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu", error="invalid_token"`)
			writeError(w, r, err)
			return
		}
		a := auth.ActorFor(o)
		a.Purpose = auth.Declared(r.Header.Get("X-Purpose"))
		a.Legal = auth.Declared(r.Header.Get("X-Legal-Basis"))
		a.RequestID, _ = r.Context().Value(requestIDKey{}).(string)
		if a.Purpose == "" {
			a.Purpose = "official_duty"
		}
		next(w, r.WithContext(auth.WithActor(r.Context(), a)))
	})
}

// actor returns the authenticated actor.
func actor(r *http.Request) auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// idempotent makes a write replayable: a request repeated with the same
// Idempotency-Key and body gets the first answer again without acting
// twice; the same key with another body is refused.
func (s *Server) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			next(w, r)
			return
		}
		if len(key) > maxIdempotencyKey {
			writeError(w, r, apperr.Field(apperr.Invalid, "Idempotency-Key", "the Idempotency-Key is longer than %d characters", maxIdempotencyKey))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, r, apperr.E(apperr.Invalid, "the request body is too large or unreadable"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
		hash := hex.EncodeToString(sum[:])
		a := actor(r)
		prev, claimed, err := s.DB.ClaimIdempotencyKey(r.Context(), a.ID, key, hash)
		switch {
		case err != nil:
			writeError(w, r, err)
			return
		case !claimed && prev.RequestHash != hash:
			writeError(w, r, apperr.E(apperr.IdempotencyKeyReused, "this Idempotency-Key was used for a different request"))
			return
		case !claimed && prev.Status == 0:
			writeError(w, r, apperr.E(apperr.IdempotencyInFlight, "a request with this Idempotency-Key is still being processed"))
			return
		case !claimed:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			w.Write(prev.Body)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, body: &bytes.Buffer{}}
		next(rec, r)
		// A server failure changed nothing that the client can rely on:
		// free the key so that a retry runs again. Anything else is final.
		ctx := context.WithoutCancel(r.Context())
		if rec.status >= 500 {
			s.DB.ReleaseIdempotencyKey(ctx, a.ID, key)
			return
		}
		if err := s.DB.CompleteIdempotencyKey(ctx, a.ID, key, rec.status, rec.body.Bytes()); err != nil {
			slog.Error("store idempotent response", "route", r.Pattern, "err", err)
		}
	}
}
