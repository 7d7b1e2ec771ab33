"""Asynchronous closures: Elasticsearch `_update_by_query` tasks, their progress and cancel."""
