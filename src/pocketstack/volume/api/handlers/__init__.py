"""One handler module per noun of the volume API."""
