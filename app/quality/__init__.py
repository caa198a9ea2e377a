"""Quality: being built (issue 8)."""
