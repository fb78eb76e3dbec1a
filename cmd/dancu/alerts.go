package main

import (
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/anomaly"
)

// alertRuleFlags maps each anomaly rule to its threshold flag.
var alertRuleFlags = []struct{ rule, flag, env string }{
	{anomaly.RuleMassReads, "alert-mass-reads", "DANCU_ALERT_MASS_READS"},
	{anomaly.RuleJurisdiction, "alert-out-of-jurisdiction", "DANCU_ALERT_OUT_OF_JURISDICTION"},
	{anomaly.RuleQuota, "alert-quota-abuse", "DANCU_ALERT_QUOTA_ABUSE"},
	{anomaly.RuleOffPurpose, "alert-off-purpose", "DANCU_ALERT_OFF_PURPOSE"},
}

// alertFlags are the anomaly detector's settings: a JSON file, then a
// threshold flag per rule ("N/WINDOW" or "off") that overrides it.
func alertFlags() []cli.Flag {
	def := anomaly.DefaultConfig()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "alerts-file", Usage: "JSON file of anomaly alert thresholds (see docs/accesslog.md)", Sources: cli.EnvVars("DANCU_ALERTS_FILE")},
		&cli.DurationFlag{Name: "alert-interval", Value: def.Interval, Usage: "pause between the anomaly detector's scans of the access log", Sources: cli.EnvVars("DANCU_ALERT_INTERVAL")},
	}
	for _, f := range alertRuleFlags {
		flags = append(flags, &cli.StringFlag{Name: f.flag, Value: def.Threshold(f.rule).String(),
			Usage: fmt.Sprintf("alert threshold of rule %s: N/WINDOW (more than N within WINDOW) or off", f.rule), Sources: cli.EnvVars(f.env)})
	}
	return flags
}

// alertConfig returns the detector's configuration: the defaults, then
// the file, then each threshold flag or variable that is set.
func alertConfig(c *cli.Command) (anomaly.Config, error) {
	cfg := anomaly.DefaultConfig()
	var err error
	if path := c.String("alerts-file"); path != "" {
		if cfg, err = cfg.LoadFile(path); err != nil {
			return cfg, err
		}
	}
	if c.IsSet("alert-interval") {
		cfg.Interval = c.Duration("alert-interval")
	}
	for _, f := range alertRuleFlags {
		if !c.IsSet(f.flag) {
			continue
		}
		if err := cfg.Set(f.rule, c.String(f.flag)); err != nil {
			return cfg, fmt.Errorf("--%s: %w", f.flag, err)
		}
	}
	return cfg, cfg.Validate()
}
