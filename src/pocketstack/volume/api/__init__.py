"""The volume API (Cinder v3): route table, handlers, schemas, policy, views."""
