from __future__ import annotations

import random

import pytest
from stdnum.cn import ric, uscc

from zhifa.core.identifiers import (
    USCC_ALPHABET,
    mask_id_number,
    mask_phone,
    ric_check_char,
    ric_problem,
    uscc_check_char,
    uscc_problem,
)


def random_uscc(rng: random.Random) -> str:
    body = (
        rng.choice("19") + rng.choice("123") + "330502" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    )
    return body + uscc_check_char(body)


def random_ric(rng: random.Random) -> str:
    body = f"330502{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ric_check_char(body)


def test_generated_credit_codes_agree_with_python_stdnum():
    rng = random.Random(7)
    for _ in range(500):
        code = random_uscc(rng)
        assert uscc_problem(code) is None
        assert uscc.is_valid(code), code


def test_generated_id_numbers_agree_with_python_stdnum():
    rng = random.Random(11)
    for _ in range(500):
        number = random_ric(rng)
        assert ric_problem(number) is None
        # stdnum's own birth-place table lacks some current county codes, so compare check digits.
        assert ric.calc_check_digit(number) == number[17], number  # (stdnum wants the full number)


@pytest.mark.parametrize("code", ["91330100MA27XK9A1B", "91110000600007336X"])
def test_real_world_credit_codes(code):
    assert (uscc_problem(code) is None) == uscc.is_valid(code)


def test_every_single_character_change_of_a_credit_code_is_caught():
    code = random_uscc(random.Random(3))
    for position in range(18):
        for replacement in USCC_ALPHABET:
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            if position >= 2 and position < 8 and not replacement.isdigit():
                assert uscc_problem(mutated).code == "invalid_format"
            else:
                assert uscc_problem(mutated) is not None, mutated


def test_credit_code_problems_carry_stable_codes():
    good = random_uscc(random.Random(5))
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert uscc_problem(wrong_check).code == "invalid_check_digit"
    assert uscc_problem(good[:17]).code == "invalid_length"
    assert uscc_problem(good[:16] + "O" + good[17]).code == "invalid_format"  # O is not in the alphabet
    assert uscc_problem(good.lower()) is None  # case is normalised


def test_id_number_problems_carry_stable_codes():
    good = random_ric(random.Random(9))
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert ric_problem(wrong_check).code == "invalid_check_digit"
    assert ric_problem(good[:10] + "1399" + good[14:]).code == "invalid_birth_date"
    assert ric_problem(good[:17]).code == "invalid_length"
    assert ric_problem("33050219850317A12X").code == "invalid_format"


def test_x_check_character_accepted_in_either_case():
    rng = random.Random(1)
    number = next(n for n in (random_ric(rng) for _ in range(1000)) if n.endswith("X"))
    assert ric_problem(number.lower()) is None


def test_masking_hides_birth_date_and_middle_of_phone():
    assert mask_id_number("33050219850317123X") == "330502********123X"
    assert mask_phone("13905721234") == "139****1234"
    assert mask_id_number(None) is None
