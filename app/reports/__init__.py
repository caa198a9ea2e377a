"""Reports: being built (issue 8)."""
