package web

// businessRoutes registers the area's pages.
func (u *UI) businessRoutes(page, post route) {}
