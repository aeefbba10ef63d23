"""The powers demo seeder on a small fixture law: lists, benchmarks inside the statute, rules,
checklists; and a graceful skip when the law library is empty."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from tests.powers_support import food_law_fixture  # noqa: F401
from zhifa.core.models import AuditEntry
from zhifa.powers.models import BenchmarkTier, Checklist, NoPenaltyRule, Power
from zhifa.powers.seed import LEGACY_NOTE, amount_in, seed_powers


def test_amounts_in_conditions():
    assert amount_in("货值金额不足一万元的") == Decimal(10000)
    assert amount_in("违法所得五千元以上的") == Decimal(5000)
    assert amount_in("情节严重的") is None


def test_seeder_skips_without_laws(city):
    with transaction.atomic():
        assert "未生成" in seed_powers()
    assert not Power.objects.exists()


def test_seeder_builds_lists_benchmarks_rules_and_checklists(city, food_law):
    with transaction.atomic():
        summary = seed_powers()
    assert "职权" in summary
    market = Power.objects.filter(holder=city.market_city)
    assert (
        market.filter(kind="penalty").count() == 3
        and market.filter(status="active").count() == market.count()
    )
    assert not Power.objects.filter(holder=city.ecology_nanxun).exists()
    tiers = BenchmarkTier.objects.filter(benchmark__power__holder=city.market_city, range_kind="fixed")
    checked = tiers.exclude(benchmark__note=LEGACY_NOTE)
    assert checked.exists()
    for tier in checked.select_related("benchmark__power"):
        assert tier.maximum <= Decimal(100000)
    # the versions "migrated from the former system" are the planted exception (clue model
    # tier_outside_statute): their aggravated tier exceeds the statutory maximum
    legacy = BenchmarkTier.objects.filter(benchmark__note=LEGACY_NOTE, tier="aggravated")
    assert legacy.exists() and all(t.maximum > Decimal(100000) for t in legacy.filter(range_kind="fixed"))
    assert NoPenaltyRule.objects.exists()
    checklist = Checklist.objects.filter(agency=city.market_city, power__kind="inspection").first()
    assert checklist is not None
    assert checklist.versions.get().items.filter(citation__startswith="《食品安全法》第一百一十条").exists()
    assert AuditEntry.objects.filter(action="powers.power_generate_draft").count() == Power.objects.count()
