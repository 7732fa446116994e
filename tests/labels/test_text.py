"""Text fitting: whatever the input, a line never ends up wider than its room."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from labels.fonts import CODE_FONT, ELLIPSIS, MIN_SIZE_PT, TEXT_FONT, fit_text, wrap_text

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=120
)
widths = st.floats(min_value=5, max_value=300)


@settings(max_examples=200, deadline=None)
@given(texts, widths, st.sampled_from([CODE_FONT, TEXT_FONT]))
def test_fitted_text_never_overflows(text: str, width: float, font: str) -> None:
    fitted = fit_text(text, font, 12, width)
    assert stringWidth(fitted.text, font, fitted.size) <= width + 1e-6
    assert fitted.size >= MIN_SIZE_PT or fitted.text == ""


@settings(max_examples=200, deadline=None)
@given(texts, widths, st.integers(min_value=0, max_value=5))
def test_wrapped_lines_never_overflow_or_exceed_the_line_count(
    text: str, width: float, lines: int
) -> None:
    wrapped = wrap_text(text, TEXT_FONT, 7, width, lines)
    assert len(wrapped) <= lines
    assert all(stringWidth(line, TEXT_FONT, 7) <= width + 1e-6 for line in wrapped)


def test_shrinks_before_truncating() -> None:
    fitted = fit_text("7K3M-9QXA-2", CODE_FONT, 12, 60)
    assert fitted.text == "7K3M-9QXA-2" and MIN_SIZE_PT <= fitted.size < 12
    cut = fit_text("7K3M-9QXA-2" * 5, CODE_FONT, 12, 60)
    assert cut.text.endswith(ELLIPSIS) and cut.size == MIN_SIZE_PT


def test_wrap_keeps_words_and_marks_what_was_cut() -> None:
    wrapped = wrap_text(
        "part of 7K3M-9QXA-2 heating element of a coffee machine", TEXT_FONT, 7, 60, 2
    )
    assert wrapped[0] == "part of"
    assert wrapped[1].endswith(ELLIPSIS)
