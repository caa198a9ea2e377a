"""Exports: being built (issue 8)."""
