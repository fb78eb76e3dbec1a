package httpapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
)

// metrics are the server's Prometheus instruments.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry, log *accesslog.Log) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dancu_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dancu_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if log != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "dancu_accesslog_entries_total", Help: "Access-log entries appended by this process.",
		}, func() float64 { return float64(log.Stats().Entries) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "dancu_accesslog_batches_total", Help: "Access-log group commits by this process.",
		}, func() float64 { return float64(log.Stats().Batches) }))
	}
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// alertMetrics exports the anomaly detector's figures: alerts opened by
// this process (a counter) and alerts open in the database (a gauge), by
// rule. It reads Server.Alerts at scrape time, since that is set after New.
type alertMetrics struct{ s *Server }

var (
	alertsTotalDesc = prometheus.NewDesc("dancu_alerts_total", "Anomaly alerts opened by this process, by rule.", []string{"rule"}, nil)
	alertsOpenDesc  = prometheus.NewDesc("dancu_alerts_open", "Anomaly alerts open (not acknowledged), by rule.", []string{"rule"}, nil)
)

// Describe implements prometheus.Collector.
func (m alertMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- alertsTotalDesc
	ch <- alertsOpenDesc
}

// Collect implements prometheus.Collector.
func (m alertMetrics) Collect(ch chan<- prometheus.Metric) {
	if m.s.Alerts == nil {
		return
	}
	st := m.s.Alerts.Stats()
	for _, rule := range anomaly.Rules() {
		ch <- prometheus.MustNewConstMetric(alertsTotalDesc, prometheus.CounterValue, float64(st.Raised[rule]), rule)
		ch <- prometheus.MustNewConstMetric(alertsOpenDesc, prometheus.GaugeValue, float64(st.Open[rule]), rule)
	}
}
