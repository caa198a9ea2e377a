"""Unified diffs and word-level HTML redlines between two versions of agreement text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app.drafting.redline import redline_html, redline_page, unified_diff

OLD = """# Memorandum of Understanding

## 1. Purpose

The Parties shall cooperate on labour migration.

## 2. Duration

This Memorandum remains in force for two years.
"""


def _marked(fragment: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", fragment, flags=re.S)


class _Balanced(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "meta":
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag

    def handle_data(self, data):
        self.text.append(data)


def test_identical_texts_have_no_marks_and_an_empty_diff():
    fragment = redline_html(OLD, OLD)

    assert "<ins>" not in fragment and "<del>" not in fragment
    assert "The Parties shall cooperate on labour migration." in fragment
    assert unified_diff(OLD, OLD, "v1", "v2") == ""
    page = redline_page(OLD, OLD, old_label="v1", new_label="v2")
    assert "<ins>" not in page and "<del>" not in page


def test_inserted_words_are_wrapped_in_ins():
    new = OLD.replace("on labour migration", "closely on labour migration")

    fragment = redline_html(OLD, new)

    assert _marked(fragment, "ins") == ["closely "]
    assert _marked(fragment, "del") == []


def test_deleted_words_are_wrapped_in_del():
    new = OLD.replace(" for two years", "")

    fragment = redline_html(OLD, new)

    assert _marked(fragment, "del") == [" for two years"]
    assert _marked(fragment, "ins") == []


def test_replaced_words_show_deletion_then_insertion_and_are_escaped():
    new = OLD.replace("labour migration", 'migrant health & <"safe"> return')

    fragment = redline_html(OLD, new)

    assert _marked(fragment, "del") == ["labour migration"]
    assert _marked(fragment, "ins") == ["migrant health &amp; &lt;&quot;safe&quot;&gt; return"]
    assert fragment.index("<del>") < fragment.index("<ins>")
    assert '<"safe">' not in fragment


def test_whole_paragraphs_added_or_removed_are_marked_as_such():
    new = OLD.replace("## 2. Duration\n\nThis Memorandum remains in force for two years.\n", "") + (
        "\n## 3. Ассоциация «Мигрант»\n\nНовый пункт.\n"  # noqa: RUF001
    )

    fragment = redline_html(OLD, new)

    assert "## 2. Duration" in " ".join(_marked(fragment, "del"))
    assert "This Memorandum remains in force for two years." in _marked(fragment, "del")
    assert _marked(fragment, "ins") == ["## 3. Ассоциация «Мигрант»", "Новый пункт."]


def test_an_edited_paragraph_next_to_an_inserted_one_is_shown_word_by_word():
    new = OLD.replace(
        "The Parties shall cooperate on labour migration.",
        "A new opening paragraph.\n\nThe Parties shall cooperate on labour and health migration.",
    )

    fragment = redline_html(OLD, new)

    assert _marked(fragment, "ins") == ["A new opening paragraph.", "and health "]
    assert _marked(fragment, "del") == []


def test_redline_page_is_a_complete_balanced_document_with_styles_and_labels():
    page = redline_page(OLD, OLD.replace("two", "three"), title="MOU <v1> & v2", old_label="v1", new_label="v2")
    parser = _Balanced()
    parser.feed(page)

    assert page.startswith("<!DOCTYPE html>")
    assert parser.stack == []
    assert "<title>MOU &lt;v1&gt; &amp; v2</title>" in page
    assert "ins {" in page and "del {" in page
    assert "<del>two</del><ins>three</ins>" in page


def test_unified_diff_has_labels_and_changed_lines():
    new = OLD.replace("two years", "three years")

    diff = unified_diff(OLD, new, "version 1", "version 2")

    assert diff.startswith("--- version 1\n+++ version 2\n@@ ")
    assert "-This Memorandum remains in force for two years.\n" in diff
    assert "+This Memorandum remains in force for three years.\n" in diff
    assert " ## 2. Duration\n" in diff


def test_unified_diff_handles_empty_sides_and_missing_final_newline():
    assert unified_diff("", "a\nb", "old", "new").splitlines()[-2:] == ["+a", "+b"]
    assert unified_diff("a\nb", "", "old", "new").splitlines()[-2:] == ["-a", "-b"]
    assert unified_diff("a", "a\n") == ""
    assert redline_html("", "") == '<div class="redline"></div>'
