"""Data quality: completeness checks of organisations and partnerships (``rules``), evaluated in SQL (``frames``),
kept per record in ``quality_scores`` (``models``, written by ``store``, on every write by ``tracking``), and
summarised or listed as records to fix (``service``; ``live`` computes the same from the source tables), over the
API, the CLI and the quality page."""
