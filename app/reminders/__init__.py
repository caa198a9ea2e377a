"""Reminders domain."""
