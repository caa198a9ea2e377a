"""Free-text search over partnerships and organisations: one derived index, kept current on every write."""
