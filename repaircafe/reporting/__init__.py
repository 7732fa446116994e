"""Reporting: impact figures, the rollup, dashboards, scheduled reports and mail."""
