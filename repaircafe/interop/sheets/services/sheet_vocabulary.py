"""The words cafés write in their own sheets, and how a cell's text is matched against them.

The words themselves are data (repaircafe/data/sheet_vocabulary.csv: kind, meaning, language,
phrase), so a new language or a café's habit is one more line there, not more code. Phrases
are written as people type them ("Onderdelen niet verkrijgbaar", "Machine à café") and
compared folded: lower case, no accents, letters and digits only, so spacing, case and
punctuation never matter ("Koffie zetapparaat" is "Koffiezetapparaat").

Cells are matched in three ways, each looser than the one before, and the first that finds a
meaning wins:

1. the whole cell, folded ("Casque audio");
2. the same with a plural ending dropped and doubled letters made single, on both sides, so
   "Koffiezetapparaten" finds "Koffiezetapparaat" and "Small kitchen items" finds
   "Small kitchen item" (only for words of five letters or more: short words are too easily
   another word);
3. for categories, runs of words within the cell, longest first and left to right
   ("Lampe de chevet" finds "Lampe"), then the end of a compound word, since Dutch and German
   put the thing last ("Schreibtischlampe" finds "Lampe", "Staafmixer" finds "Mixer").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("header", "outcome", "barrier", "category", "month")
_PLURALS = ("en", "es", "s", "n", "e")
_MIN_STEM = 5  # words shorter than this are only matched exactly
_MIN_PART = 4  # the shortest phrase found inside a longer word
# How far search looks, so a cell of thousands of words costs no more than a short one: the
# first words of a cell, runs of a few of them, and words no longer than a compound can be.
_SEARCH_WORDS = 12
_RUN_WORDS = 4
_LONGEST_WORD = 40
LONGEST_PHRASE = 60  # no phrase is longer: a longer cell has no stem worth looking up


_COMBINING = re.compile(r"[\u0300-\u036f]")  # the accents NFKD splits from their letters
_NOT_FOLDED = re.compile(r"[^a-z0-9?½/-]")


def _plain(text: Any) -> str:
    """Lower case without accents ("½" kept whole: NFKD would make it "1⁄2")."""
    lowered = str(text or "").strip().lower()
    if lowered.isascii():
        return lowered
    return "½".join(_COMBINING.sub("", unicodedata.normalize("NFKD", part))
                    for part in lowered.split("½"))


def fold(text: Any) -> str:
    """Lower case, no accents, letters and digits only: how headers and values are compared."""
    return _NOT_FOLDED.sub("", _plain(text))


def bare(text: Any) -> str:
    """Letters and digits only (no "?", "/" or "-" either)."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def words_of(text: Any) -> list[str]:
    """The cell's words, folded, in order: "Lampe de chevet" -> lampe, de, chevet."""
    return re.findall(r"[a-z0-9]+", _plain(text))


def stems(key: str) -> set[str]:
    """The forms a bare word is also known by: doubled letters made single, with and without
    a plural ending."""
    if not _MIN_STEM <= len(key) <= LONGEST_PHRASE:
        return set()
    single = re.sub(r"(.)\1+", r"\1", key)
    found = {single}
    for ending in _PLURALS:
        if key.endswith(ending) and len(key) - len(ending) >= _MIN_STEM - 1:
            found.add(re.sub(r"(.)\1+", r"\1", key[: -len(ending)]))
    return found


@dataclass(frozen=True)
class Vocabulary:
    """One kind of words: folded phrase -> meaning, and the same by stem."""

    exact: dict[str, str]
    by_stem: dict[str, str]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Vocabulary:
        """Built from (phrase, meaning) pairs; a phrase given twice keeps its first meaning."""
        exact: dict[str, str] = {}
        by_stem: dict[str, str] = {}
        for phrase, meaning in pairs:
            for key in {fold(phrase), bare(phrase)} - {""}:
                exact.setdefault(key, meaning)
                for stem in stems(key):
                    by_stem.setdefault(stem, meaning)
        return cls(exact, by_stem)

    def with_first(self, pairs: Iterable[tuple[str, str]]) -> Vocabulary:
        """This vocabulary with the given phrases put before its own."""
        given = Vocabulary.of(pairs)
        return Vocabulary({**self.exact, **given.exact}, {**self.by_stem, **given.by_stem})

    def lookup(self, key: str) -> str | None:
        """The meaning of a folded key, exactly or by its stem."""
        if not key:
            return None
        found = self.exact.get(key)
        if found is not None:
            return found
        for stem in sorted(stems(key), key=len, reverse=True):
            found = self.by_stem.get(stem)
            if found is not None:
                return found
        return None

    def match(self, cell: Any) -> str | None:
        """The meaning of the whole cell (steps 1 and 2 of the module's rules)."""
        return self.lookup(fold(cell)) or self.lookup(bare(cell))

    def search(self, cell: Any) -> str | None:
        """The meaning of a phrase within the cell (step 3): runs of words, then word ends."""
        words = words_of(cell)[:_SEARCH_WORDS]
        for size in range(min(len(words), _RUN_WORDS), 0, -1):
            for start in range(len(words) - size + 1):
                key = "".join(words[start:start + size])
                if size == 1 and len(key) < 3 and len(words) > 1:
                    continue
                found = self.lookup(key)
                if found is not None:
                    return found
        for word in (w for w in words if len(w) <= _LONGEST_WORD):
            for start in range(1, len(word) - _MIN_PART + 1):
                found = self.lookup(word[start:])
                if found is not None:
                    return found
        return None

    def within(self, cell: Any) -> str | None:
        """The meaning of the longest phrase the cell holds ("Helaas: te duur" holds "te duur")."""
        text = bare(cell)
        best = ""
        for key in self.exact:
            if len(key) > len(best) and len(key) >= _MIN_STEM and key.isalnum() and key in text:
                best = key
        return self.exact[best] if best else None


@cache
def rows() -> tuple[tuple[str, str, str, str], ...]:
    """Every line of the vocabulary file: (kind, meaning, language, phrase)."""
    text = resources.files("repaircafe").joinpath("data/sheet_vocabulary.csv").read_text("utf-8")
    return tuple((r["kind"], r["meaning"], r["lang"], r["phrase"])
                 for r in csv.DictReader(text.splitlines()))


@cache
def vocabulary(kind: str) -> Vocabulary:
    """The words of one kind (see KINDS), in the file's order."""
    return Vocabulary.of((phrase, meaning) for k, meaning, _, phrase in rows() if k == kind)
