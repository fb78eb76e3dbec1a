package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// languages of the UI; the first is the default.
var languages = []string{"vi", "en"}

//go:embed i18n/*.json
var catalogueFS embed.FS

// catalogues holds every text of the UI, one flat map of keys per
// language, from i18n/<lang>.json and the areas' i18n/<area>.<lang>.json
// (a key defined twice is an error). Templates and handlers name keys only.
var catalogues = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range languages {
		files, err := fs.Glob(catalogueFS, "i18n/*"+l+".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		for _, f := range files {
			if base := path.Base(f); base != l+".json" && !strings.HasSuffix(base, "."+l+".json") {
				continue
			}
			b, err := catalogueFS.ReadFile(f)
			if err != nil {
				panic(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("web: catalogue %s: %v", f, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("web: catalogue %s: key %q defined twice", f, k))
				}
				m[k] = v
			}
		}
		out[l] = m
	}
	return out
}()

// translate returns the text of key in language l (falling back to the
// default language, then to the key itself, which tests forbid), with
// args formatted in when given.
func translate(l, key string, args ...any) string {
	s, ok := catalogues[l][key]
	if !ok {
		if s, ok = catalogues[languages[0]][key]; !ok {
			s = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether the catalogue of l holds key.
func has(l, key string) bool {
	_, ok := catalogues[l][key]
	return ok
}

// langOf picks the page language: the lang query value (which the switch
// link sets and then remembers in the lang cookie), then the cookie, then
// Vietnamese. The browser's Accept-Language is not followed: the service
// is Vietnamese first, and English is a choice the citizen makes.
func langOf(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookieValue(r, cookieLang)} {
		v = strings.ToLower(v)
		for _, l := range languages {
			if v == l || strings.HasPrefix(v, l+"-") {
				return l
			}
		}
	}
	return languages[0]
}
