"""Calendars that stay true: each user's private subscription feed of their deadlines, and one per partnership."""
