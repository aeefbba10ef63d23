"""Demo seeding hooks. Each app that has demo data registers a seeder here; `zhifa demo`
runs them in registration order, once (a marker in the data dir records what was seeded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[[], str]  # returns a one-line summary
    order: int = 100


SEEDERS: dict[str, Seeder] = {}


def register(name: str, order: int = 100) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def decorate(func: Callable[[], str]) -> Callable[[], str]:
        SEEDERS[name] = Seeder(name, func, order)
        return func

    return decorate


def ordered() -> list[Seeder]:
    return sorted(SEEDERS.values(), key=lambda s: (s.order, s.name))
