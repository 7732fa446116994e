import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repaircafe.domain import codes
from repaircafe.domain.errors import CheckCharacterError, CodeError

data_codes = st.text(alphabet=codes.ALPHABET, min_size=codes.DATA_LENGTH, max_size=codes.DATA_LENGTH)


def with_check(data: str) -> str:
    return data + codes.check_character(data)


def test_new_codes_have_40_random_bits_and_a_valid_check():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert len(code) == 9 and codes.parse(code) == code


def test_display_groups_for_reading_aloud():
    assert codes.display("7K3M9QXA2") == "7K3M-9QXA-2"


@given(data_codes)
def test_parsing_forgives_case_spaces_hyphens_and_lookalikes(data):
    code = with_check(data)
    messy = " " + codes.display(code).lower().replace("1", "l").replace("0", "o") + " "
    assert codes.parse(messy) == code


@given(data_codes)
def test_label_urls_are_read_in_any_case(data):
    code = with_check(data)
    assert codes.parse(f"HTTPS://RC.EXAMPLE.ORG/I/{code}") == code
    assert codes.parse(f"https://rc.example.org/i/{code.lower()}?x=1") == code


@settings(max_examples=500)
@given(data_codes, st.integers(0, codes.CODE_LENGTH - 1), st.sampled_from(codes.ALPHABET))
def test_every_single_character_typo_is_detected(data, position, replacement):
    code = with_check(data)
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1:]
    with pytest.raises(CheckCharacterError):
        codes.parse(typo)


@settings(max_examples=500)
@given(data_codes, st.integers(0, codes.CODE_LENGTH - 2))
def test_every_swap_of_neighbours_is_detected(data, position):
    code = with_check(data)
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    with pytest.raises(CheckCharacterError):
        codes.parse(swapped)


@pytest.mark.parametrize("text,needle", [
    ("", "enter or scan"),
    ("7K3M-9QXA", "9 characters"),
    ("7K3M-9QXA-2Z", "9 characters"),
    ("7K3M-9QXA-U", "contains U"),
    ("hello world!", "not a label code"),
])
def test_malformed_codes_are_refused_with_a_reason(text, needle):
    with pytest.raises(CodeError) as info:
        codes.parse(text)
    assert needle in info.value.message
    assert not isinstance(info.value, CheckCharacterError)


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=2 ** (5 * codes.DATA_LENGTH) - 1))
def test_new_codes_draws_exactly_as_new_code_does(bits):
    """The table-driven batch and the one-at-a-time draw give the same code for the same bits,
    and that code parses with the check character `check_character` computes."""
    from unittest import mock

    with mock.patch.object(codes.secrets, "randbits", return_value=bits):
        single = codes.new_code()
        (batched,) = codes.new_codes(1)
    assert batched == single
    assert codes.parse(batched) == batched
    assert batched[-1] == codes.check_character(batched[:-1])


def test_new_codes_are_distinct_valid_and_use_every_character():
    drawn = codes.new_codes(3000)
    assert len(set(drawn)) == 3000
    assert all(codes.parse(code) == code and len(code) == codes.CODE_LENGTH for code in drawn)
    for position in range(codes.DATA_LENGTH):
        assert {code[position] for code in drawn} == set(codes.ALPHABET)
    assert codes.new_codes(0) == []
