"""Numbers as people type them: plain ASCII decimals, where ``float()`` takes far more."""

from __future__ import annotations

import pytest

from aiodeploy._numbers import decimal, whole


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), (" 0.5 ", 0.5), (".5", 0.5), ("5.", 5.0), ("-3", -3.0), ("+2", 2.0),
     ("1e-3", 0.001), ("2E3", 2000.0)],
)  # fmt: skip
def test_decimals(text, value) -> None:
    assert decimal(text) == value


@pytest.mark.parametrize(
    "text",
    ["", " ", "1_0", "1_000.5", "nan", "inf", "-infinity", "\u0661\u0660", "0x10", "1e",
     "e3", ".", "1.2.3", "10%", "1 0"],
)  # fmt: skip
def test_what_float_takes_and_a_person_would_not_type_is_refused(text) -> None:
    with pytest.raises(ValueError, match="is not a number"):
        decimal(text)


def test_whole_numbers() -> None:
    assert [whole(t) for t in ("12", " 7 ", "-3", "+4", "007")] == [12, 7, -3, 4, 7]
    for text in ("1_0", "1.0", "1e3", "\u0661", "", "ten"):
        with pytest.raises(ValueError, match="is not a whole number"):
            whole(text)
