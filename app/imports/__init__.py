"""Imports: an inventory of organisations and partnerships (CSV or XLSX) read, matched and written through the
services and the workflow engine; the pipeline is described in ``service`` and docs/imports.md."""
