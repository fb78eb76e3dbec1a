package web

// officerResidenceRoutes registers the area's pages.
func (u *UI) officerResidenceRoutes(page, post route) {}
