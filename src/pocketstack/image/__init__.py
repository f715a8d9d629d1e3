"""Image service (Glance v2) and the tiny test guest builder."""
