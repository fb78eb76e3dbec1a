// Command loadgen drives a running dancu server with officer requests and
// reports throughput and latency percentiles. It targets loopback only and
// stops by itself after -duration.
//
//	go run ./tools/loadgen -demo dancu-data/demo.json -scenario get -c 64 -duration 20s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type demoFile struct {
	BaseURL  string `json:"base_url"`
	Officers []struct {
		Username string `json:"username"`
		Token    string `json:"token"`
	} `json:"officers"`
}

func main() {
	demoPath := flag.String("demo", "dancu-data/demo.json", "demo.json written by `dancu demo` (base URL and tokens)")
	base := flag.String("url", "", "base URL (overrides the demo file)")
	token := flag.String("token", "", "bearer token (overrides the demo file's province officer)")
	scenario := flag.String("scenario", "get", "get (GET /persons/{id}), search (GET /persons?name=…), verify (POST /verify, partner token) or pages (the officer console's HTML pages)")
	partnerToken := flag.String("partner-token", "", "verify: a partner access token with scope ekyc (default: from the demo file's partner)")
	conc := flag.Int("c", 64, "concurrent clients")
	duration := flag.Duration("duration", 20*time.Second, "how long to run")
	ids := flag.Int("ids", 5000, "distinct persons to sample for the get scenario")
	sampleOut := flag.String("sample-out", "", "write the sampled persons (ID number|full name per line) to this file for tools/loadgen/verify.lua, and exit")
	flag.Parse()

	if *base == "" || *token == "" {
		var df demoFile
		raw, err := os.ReadFile(*demoPath)
		if err != nil {
			log.Fatalf("read %s: %v (give -url and -token instead)", *demoPath, err)
		}
		if err := json.Unmarshal(raw, &df); err != nil {
			log.Fatal(err)
		}
		if *base == "" {
			*base = df.BaseURL
		}
		for _, o := range df.Officers {
			if o.Username == "demo-province" && *token == "" {
				*token = o.Token
			}
		}
	}
	if u, err := url.Parse(*base); err != nil || !isLoopback(u.Hostname()) {
		log.Fatalf("refusing to load %s: loadgen only targets loopback addresses", *base)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2, MaxConnsPerHost: *conc * 2}, Timeout: 10 * time.Second}
	get := func(path string) (int, []byte, error) {
		req, _ := http.NewRequest("GET", *base+path, nil)
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	sample, names, fullNames := collect(get, *ids)
	if *sampleOut != "" {
		writeSample(*sampleOut, sample, fullNames)
		return
	}
	if *scenario == "verify" && *partnerToken == "" {
		*partnerToken = demoPartnerToken(client, *base, *demoPath)
	}
	if len(sample) == 0 {
		log.Fatal("found no persons to request: is the database seeded?")
	}
	fmt.Printf("loadgen: %s scenario, %d clients, %s, %d persons sampled\n", *scenario, *conc, *duration, len(sample))

	var ok, failed atomic.Int64
	lat := make([][]time.Duration, *conc)
	// pages: each kind of page's latencies apart, as well as all together.
	kinds := []string{"person", "search", "dossiers", "quality"}
	kindLat := make([][][]time.Duration, *conc)
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for ctx.Err() == nil {
				path := "/api/v1/persons/" + sample[r.IntN(len(sample))]
				if *scenario == "search" {
					path = "/api/v1/persons?limit=20&name=" + url.QueryEscape(names[r.IntN(len(names))])
				}
				t0 := time.Now()
				var status int
				var err error
				kind := -1
				switch *scenario {
				case "verify":
					i := r.IntN(len(sample))
					body, _ := json.Marshal(map[string]string{"id_number": sample[i], "full_name": fullNames[i]})
					status, err = post(client, *base+"/api/v1/verify", *partnerToken, body)
				case "pages":
					kind = r.IntN(len(kinds))
					status, err = page(client, *base+pagePath(kinds[kind], r, sample, names), *token)
				default:
					status, _, err = get(path)
				}
				if err != nil || status != 200 {
					failed.Add(1)
					continue
				}
				d := time.Since(t0)
				lat[w] = append(lat[w], d)
				if kind >= 0 {
					if kindLat[w] == nil {
						kindLat[w] = make([][]time.Duration, len(kinds))
					}
					kindLat[w][kind] = append(kindLat[w][kind], d)
				}
				ok.Add(1)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(p*float64(len(all)-1))]
	}
	fmt.Printf("requests ok %d, failed %d in %.1fs: %.0f req/s; latency p50 %s p95 %s p99 %s max %s\n",
		ok.Load(), failed.Load(), elapsed.Seconds(), float64(ok.Load())/elapsed.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.95).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	for k, name := range kinds {
		var ls []time.Duration
		for _, w := range kindLat {
			if w != nil {
				ls = append(ls, w[k]...)
			}
		}
		if len(ls) == 0 {
			continue
		}
		slices.Sort(ls)
		fmt.Printf("  %-9s %6d pages: p50 %s p95 %s\n", name, len(ls),
			ls[len(ls)/2].Round(10*time.Microsecond), ls[int(0.95*float64(len(ls)-1))].Round(10*time.Microsecond))
	}
}

// pagePath picks an officer console page of a kind.
func pagePath(kind string, r *rand.Rand, ids, names []string) string {
	switch kind {
	case "person":
		return "/officer/persons/" + ids[r.IntN(len(ids))]
	case "search":
		return "/officer/?name=" + url.QueryEscape(names[r.IntN(len(names))])
	case "dossiers":
		return "/officer/dossiers"
	}
	return "/officer/quality"
}

// page loads an HTML page of the officer console, whose cookie holds the
// officer's token, and drains it.
func page(client *http.Client, target, token string) (int, error) {
	req, _ := http.NewRequest("GET", target, nil)
	req.AddCookie(&http.Cookie{Name: "dancu_officer", Value: token})
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// post sends a JSON body with a bearer token and drains the answer.
func post(client *http.Client, target, token string, body []byte) (int, error) {
	req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Purpose", "load_test")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// writeSample writes the sampled persons for wrk's verify.lua: the load
// driver in Go costs as much CPU as a third of the server it measures
// when both share two cores; wrk costs a fifth of that.
func writeSample(path string, ids, fullNames []string) {
	var b strings.Builder
	for i, id := range ids {
		fmt.Fprintf(&b, "%s|%s\n", id, fullNames[i])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loadgen: %d persons written to %s\n", len(ids), path)
}

// demoPartnerToken gets a client-credentials token for the demo partner.
func demoPartnerToken(client *http.Client, base, demoPath string) string {
	var df struct {
		Partner struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"partner"`
	}
	raw, err := os.ReadFile(demoPath)
	if err != nil || json.Unmarshal(raw, &df) != nil || df.Partner.ClientID == "" {
		log.Fatalf("verify needs -partner-token, or a demo file with a partner: %v", err)
	}
	req, _ := http.NewRequest("POST", base+"/oauth/token", strings.NewReader("grant_type=client_credentials&scope=ekyc"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(df.Partner.ClientID, df.Partner.ClientSecret)
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		log.Fatalf("partner token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// collect samples ID numbers, their names and name prefixes through the
// search API.
func collect(get func(string) (int, []byte, error), want int) (ids, names, fullNames []string) {
	seenName := map[string]bool{}
	for _, prefix := range []string{"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong"} {
		cursor := ""
		for len(ids) < want {
			status, body, err := get("/api/v1/persons?limit=200&name=" + prefix + "&cursor=" + cursor)
			if err != nil || status != 200 {
				log.Fatalf("sample persons: status %d %v %.200s", status, err, body)
			}
			var page struct {
				Persons []struct {
					IDNumber string `json:"id_number"`
					FullName string `json:"full_name"`
				} `json:"persons"`
				Next string `json:"next_cursor"`
			}
			json.Unmarshal(body, &page)
			for _, p := range page.Persons {
				ids, fullNames = append(ids, p.IDNumber), append(fullNames, p.FullName)
				words := strings.Fields(p.FullName)
				if len(words) >= 2 {
					n := strings.Join(words[:2], " ")
					if !seenName[n] {
						seenName[n] = true
						names = append(names, n)
					}
				}
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
	}
	return ids, names, fullNames
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}
