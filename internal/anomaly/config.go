package anomaly

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Threshold says when a rule raises an alert: when its count within any
// sliding Window exceeds Limit. A zero Limit turns the rule off. Its text
// form is "N/W" ("1000/1h", "20/15m") or "off".
type Threshold struct {
	Limit  int
	Window time.Duration
}

// Enabled reports whether the rule is on.
func (t Threshold) Enabled() bool { return t.Limit > 0 }

// String returns the text form.
func (t Threshold) String() string {
	if !t.Enabled() {
		return "off"
	}
	w := t.Window.String() // "1h0m0s": drop the zero units at its end
	if rest, ok := strings.CutSuffix(w, "m0s"); ok {
		w = rest + "m"
	}
	if rest, ok := strings.CutSuffix(w, "h0m"); ok {
		w = rest + "h"
	}
	return fmt.Sprintf("%d/%s", t.Limit, w)
}

// ParseThreshold parses "N/W" (W a Go duration: "90s", "15m", "1h") or
// "off".
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Threshold{}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 {
		return Threshold{}, apperr.E(apperr.Invalid, "threshold %q: want N/WINDOW with N ≥ 1 (e.g. 1000/1h), or off", s)
	}
	window, err := time.ParseDuration(w)
	if err != nil || window < time.Second {
		return Threshold{}, apperr.E(apperr.Invalid, "threshold %q: the window must be a duration of at least 1s (e.g. 15m, 1h)", s)
	}
	return Threshold{Limit: limit, Window: window}, nil
}

// MarshalText implements encoding.TextMarshaler.
func (t Threshold) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so that a JSON
// configuration file holds thresholds as "N/W" strings.
func (t *Threshold) UnmarshalText(b []byte) error {
	v, err := ParseThreshold(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Config holds the rules' thresholds and how the detector runs.
type Config struct {
	// MassReads: distinct persons read by one actor.
	MassReads Threshold `json:"mass_reads"`
	// Jurisdiction: an officer's reads and changes refused as outside his
	// jurisdiction or role, or of persons that do not exist.
	Jurisdiction Threshold `json:"out_of_jurisdiction"`
	// Quota: requests of one organisation refused for its quota.
	Quota Threshold `json:"quota_abuse"`
	// OffPurpose: an actor's requests refused by the purpose's policy or
	// for want of the citizen's consent.
	OffPurpose Threshold `json:"off_purpose"`

	// Interval is the pause between background runs.
	Interval time.Duration `json:"-"`
	// Batch is how many access-log entries one step reads.
	Batch int `json:"batch"`
}

// Defaults. An officer's search shows up to 200 persons, each logged as a
// read, so mass reads allow a few full searches an hour; the refusal rules
// allow a handful of honest mistakes an hour.
const (
	DefaultInterval = 5 * time.Second
	DefaultBatch    = 1000
)

// DefaultConfig returns the default thresholds: more than 1000 distinct
// persons read in an hour, more than 20 refused or not-found accesses by
// an officer in an hour, more than 100 quota refusals of an organisation
// in an hour, more than 20 policy or consent refusals of an actor in an
// hour.
func DefaultConfig() Config {
	return Config{
		MassReads:    Threshold{Limit: 1000, Window: time.Hour},
		Jurisdiction: Threshold{Limit: 20, Window: time.Hour},
		Quota:        Threshold{Limit: 100, Window: time.Hour},
		OffPurpose:   Threshold{Limit: 20, Window: time.Hour},
		Interval:     DefaultInterval,
		Batch:        DefaultBatch,
	}
}

// thresholds returns each rule's threshold, by rule name.
func (c Config) thresholds() map[string]Threshold {
	return map[string]Threshold{
		RuleMassReads: c.MassReads, RuleJurisdiction: c.Jurisdiction,
		RuleQuota: c.Quota, RuleOffPurpose: c.OffPurpose,
	}
}

// Threshold returns the threshold of a rule by name.
func (c Config) Threshold(rule string) Threshold { return c.thresholds()[rule] }

// Set sets the threshold of a rule by name from its text form.
func (c *Config) Set(rule, value string) error {
	t, err := ParseThreshold(value)
	if err != nil {
		return err
	}
	switch rule {
	case RuleMassReads:
		c.MassReads = t
	case RuleJurisdiction:
		c.Jurisdiction = t
	case RuleQuota:
		c.Quota = t
	case RuleOffPurpose:
		c.OffPurpose = t
	default:
		return apperr.E(apperr.Invalid, "no anomaly rule %q", rule)
	}
	return nil
}

// Validate checks a configuration before the detector starts.
func (c Config) Validate() error {
	for name, t := range c.thresholds() {
		if t.Limit < 0 || (t.Enabled() && t.Window < time.Second) {
			return apperr.E(apperr.Invalid, "anomaly rule %s: threshold %s: the window must be at least 1s", name, t)
		}
	}
	if c.Interval < 100*time.Millisecond {
		return apperr.E(apperr.Invalid, "anomaly detector interval %s: at least 100ms", c.Interval)
	}
	if c.Batch < 1 || c.Batch > 100000 {
		return apperr.E(apperr.Invalid, "anomaly detector batch %d: between 1 and 100000", c.Batch)
	}
	return nil
}

// LoadFile reads a JSON configuration file over c: the keys it has
// replace c's values, the others stay. Example:
//
//	{"mass_reads": "500/30m", "out_of_jurisdiction": "10/1h",
//	 "quota_abuse": "off", "off_purpose": "20/1h", "interval": "10s", "batch": 2000}
func (c Config) LoadFile(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read anomaly configuration: %w", err)
	}
	// Interval travels as a duration string, which time.Duration does not
	// decode from JSON by itself.
	var file struct {
		*Config
		Interval string `json:"interval"`
	}
	file.Config = &c
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return c, fmt.Errorf("anomaly configuration %s: %w", path, err)
	}
	if file.Interval != "" {
		if c.Interval, err = time.ParseDuration(file.Interval); err != nil {
			return c, fmt.Errorf("anomaly configuration %s: interval: %w", path, err)
		}
	}
	return c, c.Validate()
}
