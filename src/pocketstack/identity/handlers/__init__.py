"""Identity API handlers, one module per noun."""
