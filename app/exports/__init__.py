"""Exports: organisations, partnerships, agreements and obligations as CSV or XLSX, from the lists' own filters
(``tables`` declares the columns, ``writers`` the file formats, ``service`` prepares and streams them)."""
