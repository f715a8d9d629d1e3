"""Block storage (Cinder v3): volumes, snapshots, types, quotas, attachments."""
