"""Differences between two versions of agreement text: a unified diff, and a word-level HTML redline.

Comparing costs time that grows faster than the texts (and a page as long as both), so texts longer than the
setting ``redline_max_input_chars`` are refused at once with ``ComparisonTooLarge`` instead of compared.
"""

from __future__ import annotations

import difflib
import html
import re

from app.errors import DomainError, FieldProblem
from app.i18n import MESSAGES

__all__ = ["ComparisonTooLarge", "ensure_comparable", "redline_html", "redline_page", "unified_diff"]

_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
_WORD = re.compile(r"\w+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Paragraphs at least this similar are shown as one edited paragraph rather than one deleted and one inserted.
_PAIRING_RATIO = 0.5


class ComparisonTooLarge(DomainError):
    """A text is too long to compare; the problems name each one and its length."""

    status = 422
    title = "Too large to compare"


def ensure_comparable(
    old: str,
    new: str,
    *,
    max_chars: int | None = None,
    fields: tuple[str, str] = ("old", "new"),
    labels: tuple[str, str] = ("the old text", "the new text"),
) -> None:
    """Raise ``ComparisonTooLarge`` naming each text (by its field and label) longer than ``max_chars``."""
    if max_chars is None:
        from app.config import get_settings  # not at import: a comparison worker is given its limit instead

        max_chars = get_settings().redline_max_input_chars
    limit = max_chars
    problems = [
        FieldProblem(
            field,
            MESSAGES.gettext(
                "{label} is {len:,} characters long; a comparison takes at most {limit:,}",
                label=label,
                len=len(text or ""),
                limit=limit,
            ),
        )
        for field, label, text in zip(fields, labels, (old, new), strict=True)
        if len(text or "") > limit
    ]
    if problems:
        raise ComparisonTooLarge("; ".join(problem.reason for problem in problems), problems)


def unified_diff(
    old: str, new: str, old_label: str = "old", new_label: str = "new", *, max_chars: int | None = None
) -> str:
    """A line-based unified diff of two texts; empty when they are identical."""
    ensure_comparable(old, new, max_chars=max_chars)
    old_lines = [line + "\n" for line in (old or "").splitlines()]
    new_lines = [line + "\n" for line in (new or "").splitlines()]
    return "".join(difflib.unified_diff(old_lines, new_lines, fromfile=old_label, tofile=new_label))


def _paragraphs(text: str) -> list[str]:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip("\n") for part in _PARAGRAPH_BREAK.split(text) if part.strip()]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _word_segments(old: str, new: str) -> list[tuple[str, str, str]]:
    """Word-level (tag, old_text, new_text) segments; whitespace between two changes joins them into one."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        segments.append(("equal" if tag == "equal" else "change", "".join(a[i1:i2]), "".join(b[j1:j2])))
    merged: list[tuple[str, str, str]] = []
    for index, (tag, old_text, new_text) in enumerate(segments):
        between_changes = 0 < index < len(segments) - 1 and segments[index + 1][0] == "change"
        if tag == "equal" and not old_text.strip() and between_changes and merged and merged[-1][0] == "change":
            tag = "change"
        if tag == "change" and merged and merged[-1][0] == "change":
            _, previous_old, previous_new = merged.pop()
            merged.append(("change", previous_old + old_text, previous_new + new_text))
        else:
            merged.append((tag, old_text, new_text))
    return merged


def _changed_paragraph(old: str, new: str) -> str:
    out: list[str] = []
    for tag, old_text, new_text in _word_segments(old, new):
        if tag == "equal":
            out.append(_e(new_text))
            continue
        if old_text:
            out.append(f"<del>{_e(old_text)}</del>")
        if new_text:
            out.append(f"<ins>{_e(new_text)}</ins>")
    return '<p class="changed">' + "".join(out) + "</p>"


def _similarity(old: str, new: str) -> float:
    """How alike two paragraphs are by their words alone (punctuation and spacing would make anything look alike)."""
    return difflib.SequenceMatcher(None, _WORD.findall(old), _WORD.findall(new), autojunk=False).ratio()


def _replaced_block(old: list[str], new: list[str]) -> list[str]:
    """Pair the old and new paragraphs of a replaced run in order; unpaired ones are whole deletions/insertions."""
    out: list[str] = []
    j = 0
    for paragraph in old:
        match = next((k for k in range(j, len(new)) if _similarity(paragraph, new[k]) >= _PAIRING_RATIO), None)
        if match is None:
            out.append(f'<p class="deleted"><del>{_e(paragraph)}</del></p>')
            continue
        out.extend(f'<p class="inserted"><ins>{_e(inserted)}</ins></p>' for inserted in new[j:match])
        out.append(_changed_paragraph(paragraph, new[match]))
        j = match + 1
    out.extend(f'<p class="inserted"><ins>{_e(inserted)}</ins></p>' for inserted in new[j:])
    return out


def redline_html(old: str, new: str, *, max_chars: int | None = None) -> str:
    """An HTML fragment showing new against old: word-level insertions in <ins>, deletions in <del>."""
    ensure_comparable(old, new, max_chars=max_chars)
    old_paragraphs, new_paragraphs = _paragraphs(old), _paragraphs(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(f"<p>{_e(paragraph)}</p>" for paragraph in new_paragraphs[j1:j2])
        elif tag == "delete":
            out.extend(f'<p class="deleted"><del>{_e(paragraph)}</del></p>' for paragraph in old_paragraphs[i1:i2])
        elif tag == "insert":
            out.extend(f'<p class="inserted"><ins>{_e(paragraph)}</ins></p>' for paragraph in new_paragraphs[j1:j2])
        else:
            out.extend(_replaced_block(old_paragraphs[i1:i2], new_paragraphs[j1:j2]))
    return '<div class="redline">' + "\n".join(out) + "</div>"


_PAGE_CSS = """
body { font-family: "DejaVu Serif", Georgia, serif; font-size: 11pt; line-height: 1.5; max-width: 180mm;
  margin: 10mm auto; padding: 0 8mm; color: #111; }
h1 { font-size: 15pt; }
.labels { color: #555; font-size: 9.5pt; }
.redline p { white-space: pre-wrap; margin: 0 0 3mm; }
.labels .old { text-decoration: line-through; }
ins { background: #e6ffec; color: #05612d; text-decoration: underline; }
del { background: #ffebe9; color: #a40e26; text-decoration: line-through; }
@page { size: A4; margin: 20mm; }
"""


def redline_page(
    old: str,
    new: str,
    *,
    title: str = "Changes",
    old_label: str = "",
    new_label: str = "",
    max_chars: int | None = None,
) -> str:
    """A complete standalone HTML5 page around redline_html, with its styles and the two version labels."""
    labels = ""
    if old_label or new_label:
        labels = (
            f'<p class="labels"><span class="old">{_e(old_label or "previous")}</span> &rarr; '
            f'<span class="new">{_e(new_label or "current")}</span></p>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n{labels}\n{redline_html(old, new, max_chars=max_chars)}\n</body>\n</html>\n"
    )
