"""HTTP layer: the app factory, problem+json errors and shared dependencies."""
