"""Imports: being built (issue 8)."""
