"""The conductor: the database's voice for compute agents, and the build orchestrator."""
