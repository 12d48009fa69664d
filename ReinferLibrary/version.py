"""The version of the distribution ``robotframework-reinfer``."""

__version__ = "0.1.0"
