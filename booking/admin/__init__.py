"""Office administration: quotas, closures, check-in, the day list, statistics,
announcements, admin roles, loading offices and the audit log."""
