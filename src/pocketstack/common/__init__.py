"""Vocabulary shared by every service: context, domain errors, config, policy."""
