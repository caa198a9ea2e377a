"""Partner links: a personal, expiring, revocable link through which a partner focal point works, no account."""
