"""Placement's domain objects: SQL and rules, no HTTP. Functions take an open session
(from ``Database.reader()``/``writer()``) so a handler decides the transaction."""
