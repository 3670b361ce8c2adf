"""The outbox: reminders and notices written with the change that causes them,
claimed with leases by the sender."""
