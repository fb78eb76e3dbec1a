// Package proxy finds a request's client address behind trusted reverse
// proxies. Rate limits and sessions count by client address: behind a
// load balancer every request would otherwise seem to come from it, and
// a header a client sets itself must never be believed.
package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrusted parses a comma-separated list of proxy addresses and
// networks (10.0.0.0/8, 192.0.2.7, fd00::/8); an empty list trusts none.
func ParseTrusted(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a network", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// RealClient returns a handler that, for a request whose connection comes
// from a trusted proxy, replaces its RemoteAddr with the client address
// the proxies recorded in X-Forwarded-For: the rightmost one that is not
// itself a trusted proxy, since each proxy appends the address it saw and
// only the hops after the first untrusted one are ours to believe. A
// request from anywhere else, or whose header cannot be read, keeps its
// connection's address.
func RealClient(next http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip, ok := clientAddr(r, trusted); ok {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr returns the client address behind trusted proxies, if the
// connection comes from one.
func clientAddr(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok || !isTrusted(peer, trusted) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a hop we cannot read: believe none
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client, client != peer
}

func addrOf(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(remote)
	return a.Unmap(), err == nil
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
