"""The scheduler: host states, placement candidates, filters, weighers, atomic claim."""
