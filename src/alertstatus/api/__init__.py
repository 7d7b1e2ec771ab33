"""The HTTP edge: the only package that knows FastAPI.

`app.py` builds the app; `deps.py` holds the typed aliases routes declare; `spaces.py` the one way
to serve a route under `/s/{space_id}`; `errors.py` every dialect's error shapes; `schemas/` the
request and response bodies; `routes/` one module per API. The engine and the gateway never
import from here (docs/architecture.md).
"""
