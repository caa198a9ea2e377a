"""The SVG charts: well-formed, accessible (role, title, desc with the numbers, text labels), escaped, no <style>."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<b>&\"Ünïcode' </svg><script>alert(1)</script>\x00"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert not list(root.iter(f"{SVG}style")) and not list(root.iter(f"{SVG}script"))
    assert all("style" not in element.attrib for element in root.iter())
    return root


def _texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


def _desc(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text


BUILDERS = {
    "bar": lambda label: charts.bar_chart("c", "Title " + label, [(label, 3), ("Other", 1)]),
    "funnel": lambda label: charts.funnel_chart("c", "Title " + label, [(label, 4), ("Next", 2)]),
    "timeline": lambda label: charts.timeline_chart("c", "Title " + label, [("Jan 2027", 2), (label + " 2027", 0)]),
    "heat": lambda label: charts.heat_table("c", "Title " + label, [label, "Row"], ["Col", label], [[1, 2], [0, 5]]),
}


@pytest.mark.parametrize("kind", BUILDERS)
def test_every_chart_is_accessible_escaped_and_deterministic(kind):
    svg = BUILDERS[kind](HOSTILE)
    root = _parse(svg)
    assert "<script>" not in svg and "\x00" not in svg
    assert "Ünïcode" in root.find(f"{SVG}title").text
    assert svg == BUILDERS[kind](HOSTILE)


def test_bar_chart_writes_each_label_and_value():
    root = _parse(charts.bar_chart("kinds", "By kind", [("National CSO", 12), ("UN agency", 3)]))
    assert _texts(root) == ["National CSO", "12", "UN agency", "3"]
    assert _desc(root) == "National CSO: 12; UN agency: 3."
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(4 * widths[1])


def test_funnel_gives_counts_and_shares_of_the_first_step():
    root = _parse(charts.funnel_chart("f", "Funnel", [("Ad hoc", 200), ("Informal", 50), ("Formal", 10)]))
    assert "Ad hoc: 200 (100% of the first step); Informal: 50 (25% of the first step)" in _desc(root)
    assert "50 · 25%" in _texts(root) and "10 · 5%" in _texts(root)


def test_timeline_has_a_column_per_month_and_says_which_months_have_end_dates():
    months = [("Nov 2026", 0), ("Dec 2026", 4), ("Jan 2027", 1)]
    root = _parse(charts.timeline_chart("t", "End dates", months))
    assert _desc(root) == "3 months. Dec 2026: 4; Jan 2027: 1."
    assert len(root.findall(f"{SVG}rect")) == 2  # no column for an empty month, but its 0 is written
    assert _texts(root) == ["0", "Nov", "2026", "4", "Dec", "1", "Jan", "2027"]


def test_heat_table_writes_every_count_in_its_cell():
    root = _parse(charts.heat_table("h", "Matrix", ["Ad hoc", "Formal"], ["Health", "Rights"], [[0, 2], [7, 1]]))
    assert _desc(root) == "Ad hoc: Health 0, Rights 2; Formal: Health 7, Rights 1."
    assert _texts(root) == ["Health", "Rights", "Ad hoc", "0", "2", "Formal", "7", "1"]
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert fills[0] == "#ffffff" and fills[2] == charts.BAR  # empty cell white, the biggest the darkest


@pytest.mark.parametrize("kind", ["bar", "funnel", "timeline", "heat"])
def test_empty_charts_say_so(kind):
    svg = {
        "bar": lambda: charts.bar_chart("e", "Empty", [], empty="No partner yet."),
        "funnel": lambda: charts.funnel_chart("e", "Empty", [("Ad hoc", 0)], empty="No partner yet."),
        "timeline": lambda: charts.timeline_chart("e", "Empty", [], empty="No partner yet."),
        "heat": lambda: charts.heat_table("e", "Empty", [], [], [], empty="No partner yet."),
    }[kind]()
    root = _parse(svg)
    assert _texts(root) == ["No partner yet."]
