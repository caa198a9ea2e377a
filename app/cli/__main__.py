"""``python -m app.cli``: the ``agreements`` command line."""

from app.cli import main

main()
