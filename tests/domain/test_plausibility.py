from repaircafe.domain.plausibility import WeightDoubt, doubtful_weight


def test_a_lamp_of_499_kg_is_doubted_against_its_category_average() -> None:
    assert doubtful_weight(499.0, 1.0) == WeightDoubt("too_heavy", 499.0, 1.0)


def test_weights_near_the_average_are_plausible() -> None:
    for kg in (0.2, 1.0, 1.4, 9.5, 21.0):
        assert doubtful_weight(kg, 1.0) is None


def test_a_weight_far_below_the_average_is_doubted() -> None:
    assert doubtful_weight(0.002, 1.2) == WeightDoubt("too_light", 0.002, 1.2)


def test_without_an_average_only_what_no_one_carries_in_is_doubted() -> None:
    assert doubtful_weight(80.0, None) is None
    assert doubtful_weight(400.0, None) == WeightDoubt("too_heavy", 400.0, None)


def test_no_weight_is_no_doubt() -> None:
    assert doubtful_weight(None, 1.0) is None
    assert doubtful_weight(0.0, 1.0) is None
