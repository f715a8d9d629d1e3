"""Placement handlers, one module per noun: context -> authorize -> validate -> domain -> serialize."""
