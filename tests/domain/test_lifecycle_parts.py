"""Part and circularity rules of the lifecycle: states, loans, and lineage loops."""

import pytest

from repaircafe.domain import lifecycle
from repaircafe.domain.errors import TransitionRefused


def test_part_goes_from_stock_to_one_final_fate():
    assert lifecycle.next_part_state(None, "harvested", {}) == "in_stock"
    assert lifecycle.next_part_state("in_stock", "installed", {}) == "installed"
    assert lifecycle.next_part_state("installed", "removed", {}) == "in_stock"
    assert lifecycle.next_part_state("in_stock", "written_off", {}) == "written_off"
    assert lifecycle.next_part_state("written_off", "recycled", {}) == "recycled"


@pytest.mark.parametrize("state, kind, reason", [
    ("installed", "installed", "already installed"),
    ("recycled", "installed", "already been recycled"),
    ("written_off", "installed", "written off"),
    ("recycled", "recycled", "already been recycled"),
    ("in_stock", "removed", "in stock"),
    ("installed", "moved", "already installed"),
])
def test_impossible_part_events_are_refused_with_a_reason(state, kind, reason):
    with pytest.raises(TransitionRefused, match=reason):
        lifecycle.next_part_state(state, kind, {})


def test_donor_is_harvested_then_recycled_and_then_nothing():
    state = lifecycle.next_item_state("end_of_life", "parts_harvested", {})
    assert state == "harvested"
    assert lifecycle.next_item_state(state, "parts_harvested", {}) == "harvested"
    state = lifecycle.next_item_state(state, "recycled", {})
    with pytest.raises(TransitionRefused, match="install a part into it: it has already been"):
        lifecycle.next_item_state(state, "part_installed", {})
    with pytest.raises(TransitionRefused, match="recycle it"):
        lifecycle.next_item_state(state, "recycled", {})


def test_refurbished_object_is_lent_and_comes_back():
    state = lifecycle.next_item_state("fixed", "refurbished", {})
    state = lifecycle.next_item_state(state, "handed_over", {"to": "lent"})
    assert state == "in_use"
    assert lifecycle.next_item_state(state, "returned", {}) == "refurbished"


def test_install_closes_loop_for_the_donor_and_its_ancestors():
    links = {2: {1}, 3: {2}}  # 1 gave a part to 2, 2 gave a part to 3
    assert lifecycle.ancestors(links, 3) == {1, 2}
    assert lifecycle.install_closes_loop(links, donor_id=3, recipient_id=3)
    assert lifecycle.install_closes_loop(links, donor_id=3, recipient_id=1)
    assert not lifecycle.install_closes_loop(links, donor_id=1, recipient_id=3)
    assert not lifecycle.install_closes_loop(links, donor_id=None, recipient_id=1)


def test_find_cycle_names_the_loop():
    assert lifecycle.find_cycle([(1, 2), (2, 3), (1, 3)]) is None
    assert lifecycle.find_cycle([(1, 2), (2, 3), (3, 1), (5, 6)]) == [1, 2, 3, 1]
    assert lifecycle.find_cycle([(4, 4)]) == [4, 4]
