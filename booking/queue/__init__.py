"""The day at the office: arrival, the queue's tickets, counters that call, walk-ins,
estimated waits and the "now serving" display."""
