"""Read-only views across records: coverage, expiring certifications, the dashboard."""
