"""The legal rules as data: the catalogue of statutory parameters, regional settings, clocks."""

from typing import Any

__all__ = ["rule", "value"]


def __getattr__(name: str) -> Any:
    """`from zhifa.rules import rule, value` without importing models at app-loading time."""
    if name in ("rule", "value", "effective", "Rule", "CATALOGUE", "RULES"):
        from zhifa.rules import catalogue

        return getattr(catalogue, name)
    raise AttributeError(name)
