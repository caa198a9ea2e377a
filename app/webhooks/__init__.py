"""Webhooks: subscriptions of outside systems to workflow events, delivered through an outbox after commit."""
