import pytest

from reports.survival import Followed, follow, kaplan_meier, survival_at, survival_table


def test_kaplan_meier_matches_a_hand_computed_example() -> None:
    # Five objects: failures at 3 and 6 months, censored at 3, 6 and 12.
    data = [Followed("x", 3, True), Followed("x", 3, False), Followed("x", 6, True),
            Followed("x", 6, False), Followed("x", 12, False)]
    steps = kaplan_meier(data)
    assert [(m, n, d) for m, n, d, _s in steps] == [(3, 5, 1), (6, 3, 1)]
    assert steps[0][3] == pytest.approx(4 / 5)
    assert steps[1][3] == pytest.approx(4 / 5 * 2 / 3)
    assert survival_at(data, 12).survival == pytest.approx(8 / 15)
    assert survival_at(data, 12).at_risk == 1


def test_no_estimate_beyond_the_longest_follow_up() -> None:
    data = [Followed("x", 3, False), Followed("x", 6, False)]
    assert survival_at(data, 6).survival == 1.0
    checkpoint = survival_at(data, 12)
    assert checkpoint.survival is None and checkpoint.at_risk == 0


def test_an_object_is_followed_to_its_first_failure_or_its_last_good_answer() -> None:
    assert follow("lamp", [(6, True), (3, True)]) == Followed("lamp", 6, False)
    assert follow("lamp", [(3, True), (12, True), (6, False)]) == Followed("lamp", 6, True)
    assert follow("lamp", []) is None


def test_the_table_has_a_row_per_category_and_one_for_all() -> None:
    data = [Followed("Toaster", 3, True), Followed("Toaster", 12, False),
            Followed("Lamp", 6, False)]
    rows = survival_table(data)
    assert [(r.category, r.kind, r.followed, r.broke, r.censored) for r in rows] == [
        ("Toaster", "category", 2, 1, 1), ("Lamp", "category", 1, 0, 1), ("", "all", 3, 1, 2)]
    toaster = rows[0].checkpoints
    assert [c.survival for c in toaster] == [pytest.approx(0.5)] * 3


def test_categories_too_small_to_read_alone_are_pooled() -> None:
    data = [Followed("Toaster", 3, True), Followed("Toaster", 12, False),
            Followed("Lamp", 6, False), Followed("Kettle", 6, True)]
    rows = survival_table(data, pool_below=2)
    assert [(r.category, r.kind, r.followed, r.broke) for r in rows] == [
        ("Toaster", "category", 2, 1), ("", "other", 2, 1), ("", "all", 4, 2)]
