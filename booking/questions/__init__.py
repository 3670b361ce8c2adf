"""Free-text questions: the knowledge base, matching a question to an entry,
per-office facts, tickets to the office's staff, and answer feedback."""
