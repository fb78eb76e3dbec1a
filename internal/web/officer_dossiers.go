package web

// officerDossierRoutes registers the area's pages.
func (u *UI) officerDossierRoutes(page, post route) {}
