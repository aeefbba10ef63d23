"""Demo seeding hooks. Each app that has demo data registers a seeder here; `zhifa demo`
runs them in registration order, once per database.

Whether a seeder already ran is read from the database itself, not from a file: a finished
seeder appends a `core.demo_seed` entry to the audit trail in the same transaction as its
data. A reset or different database therefore reseeds, and a seeder that failed half-way
left nothing behind (its transaction rolled back) and simply runs again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SEED_ACTION = "core.demo_seed"
SEED_OBJECT_TYPE = "core.seeder"


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[[], str]  # returns a one-line summary
    order: int = 100


SEEDERS: dict[str, Seeder] = {}
_reporter: list[Callable[[str], None]] = []


def register(name: str, order: int = 100) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def decorate(func: Callable[[], str]) -> Callable[[], str]:
        SEEDERS[name] = Seeder(name, func, order)
        return func

    return decorate


def ordered() -> list[Seeder]:
    return sorted(SEEDERS.values(), key=lambda s: (s.order, s.name))


@contextmanager
def reporting(callback: Callable[[str], None]) -> Iterator[None]:
    """Route `progress` messages of the seeders run inside the block to `callback`."""
    _reporter.append(callback)
    try:
        yield
    finally:
        _reporter.pop()


def progress(message: str) -> None:
    """A seeder reports a finished step (shown by `zhifa demo`; silent elsewhere)."""
    if _reporter:
        _reporter[-1](message)


def has_run(name: str) -> bool:
    from zhifa.core.models import AuditEntry

    return AuditEntry.objects.filter(
        action=SEED_ACTION, object_type=SEED_OBJECT_TYPE, object_id=name
    ).exists()


def run_once(seeder: Seeder) -> str | None:
    """Run the seeder unless it already ran in this database; its data and its marker commit
    together. Returns the seeder's summary, or None when it was skipped."""
    from django.db import transaction

    from zhifa.core import audit
    from zhifa.core.models import AuditChainHead

    with transaction.atomic():
        # Holding the chain head serialises two `zhifa demo` started at once on PostgreSQL.
        list(AuditChainHead.objects.select_for_update().filter(pk=1))
        if has_run(seeder.name):
            return None
        summary = seeder.run()
        audit.record(audit.Change(SEED_ACTION, SEED_OBJECT_TYPE, seeder.name, after={"summary": summary}))
    return summary
