"""Obligations domain."""
