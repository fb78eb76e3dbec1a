package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/dashboard"
)

// officerDashboardRoutes registers the programme's indicators.
func (u *UI) officerDashboardRoutes(page, _ route) {
	page("GET /officer/dashboard", u.officer(u.handleDashboard))
}

// dashboardPage is a unit's indicators: key figures on the last day,
// charts over the period (each with its figures in a table), and the
// sub-units side by side.
type dashboardPage struct {
	Page
	View     *dashboard.View
	Last     *dashboard.Point
	Totals   map[string]float64 // flows summed over the period
	OnTime   string             // on-time rate over the period, "" when nothing was decided
	Charts   []chart
	Children []dashboardRow
	UpURL    string // the parent unit's view, when the officer may see it
}

// dashboardRow is a sub-unit's line in the table.
type dashboardRow struct {
	Name, URL string
	Point     *dashboard.Point
}

// handleDashboard answers GET /officer/dashboard?unit=&from=&to=.
func (u *UI) handleDashboard(w http.ResponseWriter, r *http.Request) {
	o := officerFrom(r)
	p := &dashboardPage{Page: u.page(w, r, "officer", "title.dashboard")}
	q := r.URL.Query()
	p.Form.Values = q
	v, err := u.svc.Dashboard.View(r.Context(), o.actor(r), q.Get("unit"), q.Get("from"), q.Get("to"))
	switch apperr.Code(err) {
	case "":
	case apperr.InvalidDate, apperr.Invalid:
		// A bad period: the default one, with the error above the form.
		p.failErr(err, "from", "to")
		if v, err = u.svc.Dashboard.View(r.Context(), o.actor(r), q.Get("unit"), "", ""); err != nil {
			u.renderServiceError(w, r, err)
			return
		}
	default:
		u.renderServiceError(w, r, err)
		return
	}
	p.View = v
	p.Title = p.T("title.dashboard_of", v.Name)
	if len(p.Form.Summary) == 0 {
		p.Form.Values = url.Values{"unit": {v.Code}, "from": {v.From}, "to": {v.To}}
	}
	p.fill()
	if v.Parent != "" && u.svc.Dashboard.Allows(o.actor(r), v.Parent) {
		p.UpURL = dashboardURL(v.Parent, v.From, v.To)
	}
	u.render(w, r, statusOf(p.Form.Summary), "officer_dashboard", p)
}

// fill derives the page's figures from its view.
func (p *dashboardPage) fill() {
	v := p.View
	if n := len(v.Series); n > 0 {
		p.Last = &v.Series[n-1]
	}
	p.Totals = map[string]float64{}
	for _, pt := range v.Series {
		for _, ind := range dashboard.Flows {
			p.Totals[ind] += pt.Values[ind]
		}
	}
	if r, ok := dashboard.RatesOf(p.Totals)["on_time_rate"]; ok {
		p.OnTime = percent(r)
	}
	for _, c := range []struct {
		key  string
		rate bool
		name string
	}{
		{"card_coverage", true, "dashboard.rate.card_coverage"},
		{"eid_coverage", true, "dashboard.rate.eid_coverage"},
		{"quality_completeness", true, "dashboard.rate.quality_completeness"},
		{dashboard.DossiersSubmitted, false, "dashboard.ind.dossiers_submitted"},
	} {
		p.Charts = append(p.Charts, newChart(p.T(c.name), v.Series, c.key, c.rate))
	}
	if v.Code == dashboard.Country {
		p.Charts = append(p.Charts, newChart(p.T("dashboard.ind.verifications"), v.Series, dashboard.Verifications, false))
	}
	for _, c := range v.Children {
		p.Children = append(p.Children, dashboardRow{Name: c.Name, URL: dashboardURL(c.Code, v.From, v.To), Point: c.Point})
	}
}

func dashboardURL(unit, from, to string) string {
	return "/officer/dashboard?" + url.Values{"unit": {unit}, "from": {from}, "to": {to}}.Encode()
}

// percent formats a share as a percentage with one decimal, or two for a
// share under 1% that one decimal would show as nothing.
func percent(x float64) string {
	if x > 0 && x < 0.01 {
		return fmt.Sprintf("%.2f %%", 100*x)
	}
	return fmt.Sprintf("%.1f %%", 100*x)
}

// chart is a small SVG chart of one indicator or rate over days, drawn on
// the server (no script), with its figures for the table beside it.
type chart struct {
	Title   string
	Line    string // polyline points, for rates
	Dots    []chartPoint
	Bars    []chartBar // for counts
	Max     string     // the top of the scale
	First   string     // the first and last day shown
	Last    string
	Figures []chartFigure
}

type chartPoint struct{ X, Y float64 }

type chartBar struct{ X, Y, W, H float64 }

type chartFigure struct{ Day, Value string }

// The chart's drawing area inside its 320×160 view box.
const (
	chartLeft, chartTop, chartWidth, chartHeight = 40.0, 10.0, 270.0, 120.0
)

// newChart draws key (a rate when rate is set, else a value) over series.
func newChart(title string, series []dashboard.Point, key string, rate bool) chart {
	c := chart{Title: title}
	var values []float64
	for _, pt := range series {
		m := pt.Values
		if rate {
			m = pt.Rates
		}
		v, ok := m[key]
		if !ok {
			continue
		}
		values = append(values, v)
		f := fmt.Sprintf("%.0f", v)
		if rate {
			f = percent(v)
		}
		c.Figures = append(c.Figures, chartFigure{Day: pt.Day, Value: f})
	}
	if len(values) == 0 {
		return c
	}
	c.First, c.Last = c.Figures[0].Day, c.Figures[len(c.Figures)-1].Day
	top := 1.0 // rates: 0–100 %
	c.Max = "100 %"
	if !rate {
		for _, v := range values {
			top = max(top, v)
		}
		c.Max = fmt.Sprintf("%.0f", top)
	}
	step := chartWidth / float64(max(len(values)-1, 1))
	var line []string
	for i, v := range values {
		x := chartLeft + step*float64(i)
		if len(values) == 1 {
			x = chartLeft + chartWidth/2
		}
		y := chartTop + chartHeight*(1-v/top)
		if rate {
			c.Dots = append(c.Dots, chartPoint{x, y})
			line = append(line, fmt.Sprintf("%.1f,%.1f", x, y))
			continue
		}
		w := max(chartWidth/float64(len(values))*0.7, 1)
		c.Bars = append(c.Bars, chartBar{X: x - w/2, Y: y, W: w, H: chartTop + chartHeight - y})
	}
	c.Line = strings.Join(line, " ")
	return c
}

// Num formats a count with the language's digit grouping.
func (p *dashboardPage) Num(v float64) string {
	sep := "."
	if p.Lang == "en" {
		sep = ","
	}
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// Rate formats a point's rate as a percentage, "—" when it has none (a
// denominator of 0).
func (p *dashboardPage) Rate(pt *dashboard.Point, name string) string {
	if v, ok := pt.Rates[name]; ok {
		return percent(v)
	}
	return "—"
}
