"""Developer tools: the demo portfolio (``agreements demo``) and the synthetic one (``agreements generate``)."""
