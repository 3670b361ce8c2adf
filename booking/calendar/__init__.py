"""When an office serves: session rules, the daily quota split, releasing dates,
and what is open to book."""
