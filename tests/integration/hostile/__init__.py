"""The hostile corpus, one module per red-team finding.

docs/security.md maps each finding to its control.
"""
