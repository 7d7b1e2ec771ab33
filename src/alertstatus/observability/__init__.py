"""Metrics, request logs and request ids: what operators see of the running service."""
