package web

// portalRoutes registers the area's pages.
func (u *UI) portalRoutes(page, post route) {}
