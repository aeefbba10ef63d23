"""zhifa (执法): administrative law enforcement and supervision platform."""

__version__ = "0.1.0"
