"""Print plans (rosterkit.xlsx.pagesetup): one page wide while legible, else split across pages at ≥ 8 pt."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rosterkit.xlsx.pagesetup import MIN_PT, SLACK, column_points, plan_pages, printable_points, width_left


def pages(pixels: list[float], breaks: tuple[int, ...], repeat: int | None) -> list[list[int]]:
    starts = [0, *breaks, len(pixels)]
    lead = list(range(repeat + 1)) if repeat is not None else []
    return [(lead if i else []) + list(range(a, b)) for i, (a, b) in enumerate(zip(starts, starts[1:]))]


def test_narrow_sheet_is_fit_one_page_wide() -> None:
    plan = plan_pages([100.0] * 8, 10)
    assert plan.fit and plan.scale == 100 and plan.breaks == ()


def test_29_columns_are_split_with_the_lead_repeated() -> None:
    pixels = [47, 117, 61, 47, 75] + [90] * 24  # 序号 学校 年级 班级 姓名, then the rest
    assert 10 * printable_points() / column_points(sum(pixels)) < MIN_PT  # one page wide: illegible
    plan = plan_pages(pixels, 10, repeat=4)
    assert not plan.fit and plan.text_pt(10) >= MIN_PT and plan.repeat == 4
    room = printable_points() * SLACK / (plan.scale / 100)
    laid = pages(pixels, plan.breaks, plan.repeat)
    assert all(sum(column_points(pixels[c]) for c in page) <= room for page in laid)
    assert all(page[:5] == [0, 1, 2, 3, 4] for page in laid)


def test_lead_wider_than_half_a_page_is_not_repeated() -> None:
    plan = plan_pages([900] + [200] * 20, 10, repeat=0)
    assert not plan.fit and plan.repeat is None


def test_width_left_is_the_most_one_page_wide_allows() -> None:
    others = [30, 12, 8, 14, 24]
    left = int(width_left(11, others))
    px = [int(w * 7 + 0.5) + 5 for w in others]
    assert plan_pages([*px, left * 7 + 5], 11).fit
    assert not plan_pages([*px, (left + 3) * 7 + 5], 11).fit


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(20, 300), min_size=1, max_size=60), st.sampled_from([9, 10, 11, 12]),
       st.one_of(st.none(), st.integers(0, 4)))
def test_any_plan_prints_legibly_and_each_page_holds_its_columns(pixels: list[int], font: int,
                                                                 repeat: int | None) -> None:
    repeat = repeat if repeat is not None and repeat < len(pixels) else None
    plan = plan_pages(pixels, font, repeat=repeat)
    assert plan.text_pt(font) >= MIN_PT
    if plan.fit:
        assert sum(map(column_points, pixels)) * plan.scale / 100 <= printable_points() * SLACK
        return
    laid = pages(pixels, plan.breaks, plan.repeat)
    lead = plan.repeat + 1 if plan.repeat is not None else 0
    own = [laid[0]] + [page[lead:] for page in laid[1:]]
    assert [c for page in own for c in page] == list(range(len(pixels)))  # every column once, in order
    room = printable_points() * SLACK / (plan.scale / 100)
    for page, mine in zip(laid, own):  # a page overflows only when one column of its own is too wide for it
        assert sum(column_points(pixels[c]) for c in page) <= room or len(mine) == 1
