package web

import "net/http"

// homePage is the start page: every area, and the demo accounts on a demo.
type homePage struct {
	Page
	DemoInfo *Demo
}

// handleHome answers GET /: links to every area; on a demo server, the
// demo accounts to try them with.
func (u *UI) handleHome(w http.ResponseWriter, r *http.Request) {
	p := &homePage{Page: u.page(w, r, "home", "title.home"), DemoInfo: u.demo.Load()}
	u.render(w, r, http.StatusOK, "home", p)
}
