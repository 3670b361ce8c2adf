"""The tables, the engine, shared write transactions and migrations.
Nothing here knows a booking rule."""
