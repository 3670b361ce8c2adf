"""The outbox (rows written with the change that causes them, claimed with leases
by the sender) and the reminder policy (when an appointment's reminders are due)."""
