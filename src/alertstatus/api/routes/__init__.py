"""One module per API: each holds one router, and `api/app.py` includes them all."""
