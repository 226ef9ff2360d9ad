"""fmt.fit: a number fits its cell by losing digits, never by losing its exponent (issue 12, item 1)."""
import math

import pytest

from tui_trainer.widgets.fmt import fit, num


@pytest.mark.parametrize("v", [-0.5501, -7.428e-5, 98640.0, 0.00034, 123.456, -1e-7, 1e-300, 3.0e8, -2.5])
@pytest.mark.parametrize("width", [5, 6, 7, 8, 9, 10])
def test_fit_is_never_a_cut_number(v, width):
    text = fit(v, width)
    # whatever fits must read back as the same number to the digits it keeps
    back = float(text)
    assert math.isclose(back, v, rel_tol=0.5), (v, width, text)
    assert len(text) <= width or "e" in text  # too narrow: wider, never cut


def test_fit_keeps_the_exponent_where_a_cell_used_to_cut_it():
    # issue 12: '-5.501e-01' in a nine-column cell showed as '-5.501e-0'
    assert float(fit(-0.5501, 9)) == pytest.approx(-0.5501, rel=1e-3)
    assert fit(-7.428e-5, 9) == "-7.428e-5"
    assert fit(98640.0, 7) == "9.864e4"
    assert fit(0.00034, 6) == "3.4e-4"


def test_fit_never_shows_minus_zero():
    assert fit(-0.0, 4) == "0"
    assert num(-0.0) == "0"


def test_fit_passes_through_the_non_numbers():
    assert fit(None, 3) == "—"
    assert fit(float("nan"), 3) == "nan"
    assert fit(float("-inf"), 4) == "-inf"


def test_index_ranges_summarise_a_long_list():
    from tui_trainer.widgets.fmt import index_ranges
    assert index_ranges([0, 1, 2, 5, 7, 8]) == "0–2, 5, 7–8"
    rows = [0, 1, 2, 3, 4, 7] + list(range(9, 400, 2))
    assert index_ranges(rows, max_parts=3) == f"0–4, 7, 9, … ({len(rows)} in all)"
    assert index_ranges(range(200), max_parts=3) == "0–199"  # one run is short already
