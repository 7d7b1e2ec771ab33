"""The typed query model: every query, aggregation and sort the API accepts, as Pydantic models.

A caller's query is parsed into these models and Elasticsearch gets only what they re-serialise,
so a type, parameter or value the model does not declare never reaches the cluster. The entry
points are in engine/guard.py; docs/security.md lists what is allowed and why.
"""
