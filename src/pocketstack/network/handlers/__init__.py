"""HTTP handlers, one module per noun: context -> authorize -> validate -> domain call -> serialize."""
