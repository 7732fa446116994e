"""Label codes: 40 random bits in Crockford base32 plus one check character (design §4).

The check character is a weighted sum over GF(32), so it catches every single wrong character
and every swap of two characters, which a plain mod-32 sum cannot (design asks for both).
"""

from __future__ import annotations

import re
import secrets
from functools import cache

from repaircafe.domain.errors import CheckCharacterError, CodeError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 8
CODE_LENGTH = DATA_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_FORGIVEN = str.maketrans({"I": "1", "L": "1", "O": "0"})
_URL_CODE = re.compile(r"/i/([^/?#]+)/?(?:[?#].*)?$", re.IGNORECASE)

# GF(2^5) with the primitive polynomial x^5 + x^2 + 1; alpha = x has order 31.
_EXP: list[int] = []
_LOG: dict[int, int] = {}
_x = 1
for _i in range(31):
    _EXP.append(_x)
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 31]


def check_character(data: str) -> str:
    """The character that makes the weighted GF(32) sum of data + check zero."""
    total = 0
    for position, ch in enumerate(data):
        total ^= _mul(_EXP[(position + 1) % 31], _VALUE[ch])
    return ALPHABET[total]


def new_code() -> str:
    """A fresh random code (canonical form, no hyphens)."""
    value = secrets.randbits(5 * DATA_LENGTH)
    data = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(DATA_LENGTH))
    return data + check_character(data)


def new_codes(count: int) -> list[str]:
    """`count` distinct fresh codes, each drawn as `new_code` draws one.

    An import needs a code per object, tens of thousands at a time; computing each check
    character alone costs more than writing the tag, so ten bits at a time go through tables
    built from `check_character` once.
    """
    pairs, weights = _tables()
    low, second, third, high = weights
    drawn: set[str] = set()
    draw = secrets.randbits
    while len(drawn) < count:
        for _ in range(count - len(drawn)):
            value = draw(5 * DATA_LENGTH)
            a, b, c, d = value & 1023, (value >> 10) & 1023, (value >> 20) & 1023, value >> 30
            drawn.add(pairs[a] + pairs[b] + pairs[c] + pairs[d]
                      + ALPHABET[low[a] ^ second[b] ^ third[c] ^ high[d]])
    return list(drawn)


@cache
def _tables() -> tuple[list[str], tuple[list[int], ...]]:
    """The two characters each ten bits stand for (low bits first, as in `new_code`), and their
    share of the check character at each of the four places ten bits can take in a code.

    The check character is an exclusive or of one term per character and "0" adds nothing, so a
    character's term is the check character of a code that is zero elsewhere.
    """
    zeros = "0" * DATA_LENGTH

    def term(position: int, value: int) -> int:
        return _VALUE[check_character(zeros[:position] + ALPHABET[value] + zeros[position + 1:])]

    pairs = [ALPHABET[v & 31] + ALPHABET[v >> 5] for v in range(1024)]
    weights = tuple([term(2 * place, v & 31) ^ term(2 * place + 1, v >> 5) for v in range(1024)]
                    for place in range(DATA_LENGTH // 2))
    return pairs, weights


def normalise(text: str) -> str:
    """Upper-case, drop spaces and hyphens, read I/L as 1 and O as 0 (Crockford)."""
    cleaned = re.sub(r"[\s\-_.]", "", text.strip()).upper()
    return cleaned.translate(_FORGIVEN)


def extract(text: str) -> str:
    """The code part of what a scanner or a person typed: a label URL or a bare code."""
    stripped = text.strip()
    match = _URL_CODE.search(stripped)
    if match:
        return match.group(1)
    return stripped


def parse(text: str) -> str:
    """The canonical code in text, or a CodeError saying what is wrong with it.

    A code with a wrong check character raises CheckCharacterError so the user is told it
    looks like a typo rather than "unknown".
    """
    candidate = normalise(extract(text))
    if not candidate:
        raise CodeError("Please enter or scan a code.")
    bad = sorted({ch for ch in candidate if ch not in _VALUE})
    if bad:
        raise CodeError("“%(text)s” is not a label code (it contains %(bad)s).",
                        text=text.strip(), bad="".join(bad))
    if len(candidate) != CODE_LENGTH:
        raise CodeError("A label code has %(length)d characters; “%(text)s” has %(count)d.",
                        length=CODE_LENGTH, text=text.strip(), count=len(candidate))
    if check_character(candidate[:-1]) != candidate[-1]:
        raise CheckCharacterError(
            "“%(code)s” looks like a typo: its check character does not match.",
            code=display(candidate))
    return candidate


def is_valid(text: str) -> bool:
    """True when text parses as a code with a correct check character."""
    try:
        parse(text)
    except Exception:
        return False
    return True


def display(code: str) -> str:
    """Grouped for reading aloud: 7K3M-9QXA-2."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == CODE_LENGTH else code
