"""sendable: direct messaging that explains every send attempt."""

__version__ = "0.1.0"
