package sdjwt

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Path points at a claim, in the manner of SD-JWT VC's claims path
// pointer: each element is a string (an object property), a non-negative
// int (an array element) or nil (every element of an array). ["address",
// "locality"] is the locality of the address; ["nationalities", nil] each
// nationality.
type Path []any

// UnmarshalJSON accepts a path as a JSON array of strings, non-negative
// integers and nulls, or a single string naming a top-level claim.
func (p *Path) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		if name == "" {
			return errorf("an empty claim path")
		}
		*p = Path{name}
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) == 0 {
		return errorf("a claim path is a claim name or a non-empty array of names, indexes and nulls")
	}
	out := make(Path, len(raw))
	for i, r := range raw {
		var s string
		var n int
		switch {
		case string(r) == "null":
			out[i] = nil
		case json.Unmarshal(r, &s) == nil:
			out[i] = s
		case json.Unmarshal(r, &n) == nil && n >= 0:
			out[i] = n
		default:
			return errorf("a claim path element must be a string, a non-negative integer or null")
		}
	}
	*p = out
	return nil
}

// String renders the path for people and logs: address.locality,
// nationalities.*, nationalities.0.
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		switch x := e.(type) {
		case nil:
			parts[i] = "*"
		case int:
			parts[i] = strconv.Itoa(x)
		case string:
			parts[i] = x
		}
	}
	return strings.Join(parts, ".")
}

// elemMatches reports whether a path element selects the concrete step c
// (a string or an int).
func elemMatches(e, c any) bool {
	if e == nil {
		_, isIndex := c.(int)
		return isIndex
	}
	return e == c
}

// matchesPrefix reports whether p selects the first len(p) steps of the
// concrete path c (c is at or below what p selects).
func (p Path) matchesPrefix(c Path) bool {
	if len(c) < len(p) {
		return false
	}
	for i, e := range p {
		if !elemMatches(e, c[i]) {
			return false
		}
	}
	return true
}

// leadsTo reports whether the concrete path c is a strict ancestor of
// something p selects.
func (p Path) leadsTo(c Path) bool {
	if len(c) >= len(p) {
		return false
	}
	for i, s := range c {
		if !elemMatches(p[i], s) {
			return false
		}
	}
	return true
}

// child returns a copy of p with one more step.
func (p Path) child(step any) Path {
	out := make(Path, len(p)+1)
	copy(out, p)
	out[len(p)] = step
	return out
}

// resolve reports whether p selects at least one node of v.
func (p Path) resolve(v any) bool {
	if len(p) == 0 {
		return true
	}
	switch x := v.(type) {
	case map[string]any:
		name, ok := p[0].(string)
		if !ok {
			return false
		}
		c, ok := x[name]
		return ok && p[1:].resolve(c)
	case []any:
		switch e := p[0].(type) {
		case nil:
			for _, c := range x {
				if p[1:].resolve(c) {
					return true
				}
			}
		case int:
			return e < len(x) && p[1:].resolve(x[e])
		}
	}
	return false
}
