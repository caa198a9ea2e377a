"""A small, strict reader of the Prometheus text exposition format, for the tests."""

from __future__ import annotations

import math
import re

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
Key = tuple[str, frozenset[tuple[str, str]]]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], value)


def _labels(text: str) -> frozenset[tuple[str, str]]:
    labels, position = [], 0
    while position < len(text):
        found = _LABEL.match(text, position)
        assert found, f"bad labels {text!r} at {position}"
        labels.append((found.group(1), _unescape(found.group(2))))
        position = found.end()
    return frozenset(labels)


def parse(text: str) -> tuple[dict[Key, float], dict[str, str]]:
    """Samples keyed by (name, labels) and the declared type of each family; asserts the text is well formed."""
    assert text.endswith("\n")
    samples: dict[Key, float] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in {"counter", "gauge", "histogram", "summary", "untyped"}, line
            assert name not in types, f"family {name} declared twice"
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        found = _SAMPLE.match(line)
        assert found, f"not a sample line: {line!r}"
        name, labels, value = found.group(1), _labels(found.group(3) or ""), found.group(4)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample {name} before its TYPE line"
        number = float(value.replace("+Inf", "inf"))
        assert not math.isnan(number)
        key = (name, labels)
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = number
    return samples, types


def value(samples: dict[Key, float], name: str, **labels: str) -> float:
    """One sample's value (0 when absent: counters that never moved)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: dict[Key, float], name: str) -> dict[frozenset[tuple[str, str]], float]:
    """Every sample of ``name`` by its labels."""
    return {labels: number for (found, labels), number in samples.items() if found == name}
