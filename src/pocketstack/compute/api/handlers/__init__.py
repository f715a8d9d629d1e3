"""One module per noun of the compute API."""
