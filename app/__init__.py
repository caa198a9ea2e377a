"""Agreement lifecycle and workflow engine."""

__version__ = "0.1.0"
