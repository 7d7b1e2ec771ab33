"""The hostile corpus, one module per red-team finding (docs/security.md maps each to a control)."""
