"""The stylesheet's text colours meet WCAG 2.1 AA contrast (4.5:1) on the backgrounds they are used on."""

from __future__ import annotations

import re

import pytest

from app.web.rendering import STATIC_DIR

CSS = (STATIC_DIR / "app.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))

PAIRS = [
    ("ink", "paper"),
    ("ink", "canvas"),
    ("muted", "paper"),
    ("muted", "canvas"),
    ("brand", "paper"),
    ("brand", "canvas"),
    ("#ffffff", "brand"),
    ("#ffffff", "brand-dark"),
    ("brand-dark", "brand-tint"),
    ("ok", "ok-tint"),
    ("warn", "warn-tint"),
    ("bad", "bad-tint"),
    ("bad", "paper"),
    ("#5f6b76", "#eef1f4"),  # disabled buttons
    ("muted", "#e9edf1"),  # pipeline columns
]


def _colour(name: str) -> str:
    return name if name.startswith("#") else VARIABLES[name]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_ratio_is_computed_right() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey


@pytest.mark.parametrize(("foreground", "background"), PAIRS)
def test_text_colours_meet_aa(foreground: str, background: str) -> None:
    ratio = contrast(_colour(foreground), _colour(background))
    assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}:1"
