"""Reports: the portfolio report (``sections`` are its aggregate queries, ``service`` shapes them), rendered as JSON,
text, charts and PDF, over the API, the CLI and the reports page."""
