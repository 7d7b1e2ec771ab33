"""Operator commands behind the CLI: thin option parsing stays in cli.py, the work lives here."""
