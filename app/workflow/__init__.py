"""Workflow domain."""
