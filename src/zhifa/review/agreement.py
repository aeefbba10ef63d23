"""Inter-rater agreement between the first and the second reviewer of a round.

Over the double-scored cases and the rubric's *reviewer* items (structural items are decided by
the data, identically for both, and would only inflate agreement), each rating is binary:
`deduct` (deduction > 0) or `pass` (0 or not scored — an item left alone was passed).

* observed agreement  p_o = (both deduct + both pass) / n
* chance agreement    p_e = p1·p2 + (1 − p1)(1 − p2), p1, p2 = each reviewer's share of `deduct`
* Cohen's kappa       κ = (p_o − p_e) / (1 − p_e); when p_e = 1 (both rated everything the same
  single way) κ is 1 if p_o = 1, else undefined (None)

and on the case totals (100 − all deductions, the structural ones included for both):

* mean absolute difference  MAD = Σ |T1 − T2| / m over the m double-scored cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    pairs: int  # n: item ratings compared
    cases: int  # m: double-scored cases
    both_deduct: int
    both_pass: int
    observed: float | None
    expected: float | None
    kappa: float | None
    mean_abs_difference: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "pairs": self.pairs,
            "cases": self.cases,
            "both_deduct": self.both_deduct,
            "both_pass": self.both_pass,
            "observed": self.observed,
            "expected": self.expected,
            "kappa": self.kappa,
            "mean_abs_difference": self.mean_abs_difference,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None, float | None]:
    """(p_o, p_e, κ) for binary ratings (True = deduct)."""
    n = len(pairs)
    if n == 0:
        return None, None, None
    p_o = sum(1 for a, b in pairs if a == b) / n
    p1 = sum(1 for a, _ in pairs if a) / n
    p2 = sum(1 for _, b in pairs if b) / n
    p_e = p1 * p2 + (1 - p1) * (1 - p2)
    if p_e >= 1:
        return p_o, p_e, 1.0 if p_o == 1 else None
    return p_o, p_e, (p_o - p_e) / (1 - p_e)


def agreement(pairs: Sequence[tuple[bool, bool]], totals: Sequence[tuple[float, float]]) -> Agreement:
    p_o, p_e, kappa = cohen_kappa(pairs)
    mad = sum(abs(a - b) for a, b in totals) / len(totals) if totals else None
    return Agreement(
        pairs=len(pairs),
        cases=len(totals),
        both_deduct=sum(1 for a, b in pairs if a and b),
        both_pass=sum(1 for a, b in pairs if not a and not b),
        observed=_round(p_o),
        expected=_round(p_e),
        kappa=_round(kappa),
        mean_abs_difference=_round(mad),
    )
