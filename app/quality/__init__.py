"""Data quality: completeness checks of organisations and partnerships (``rules``), scored in SQL (``frames``) and
summarised or listed as records to fix (``service``), over the API, the CLI and the quality page."""
