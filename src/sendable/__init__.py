"""sendable: direct messaging that explains every send attempt."""

__version__ = "1.0.0"
