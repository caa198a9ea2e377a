"""Checks a page against the basics of accessibility, in the browser, on the rendered DOM."""

from __future__ import annotations

from playwright.sync_api import Page

_AUDIT = """
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  if (!document.documentElement.lang) problems.push("the page has no lang attribute");
  if (!document.title.trim()) problems.push("the page has no title");
  const h1 = [...document.querySelectorAll("h1")].filter(visible);
  if (h1.length !== 1) problems.push(`expected one h1, found ${h1.length}`);
  if (!document.querySelector("main")) problems.push("no main landmark");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`a ${el.tagName.toLowerCase()} named ${el.name || "?"} has no label`);
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!visible(el)) continue;
    const name = (el.innerText || el.textContent || el.getAttribute("aria-label")
      || el.getAttribute("title") || "").trim();
    if (!name) problems.push(`a ${el.tagName.toLowerCase()} has no accessible name: ${el.outerHTML.slice(0, 80)}`);
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, count] of Object.entries(ids)) if (count > 1) problems.push(`id ${id} is used ${count} times`);
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const ref of el.getAttribute("aria-describedby").split(/\\s+/)) {
      if (ref && !document.getElementById(ref)) problems.push(`aria-describedby points at missing #${ref}`);
    }
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) problems.push("an img has no alt");
  const levels = [...document.querySelectorAll("h1, h2, h3, h4")].filter(visible).map((h) => +h.tagName[1]);
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] > levels[i - 1] + 1) problems.push(`heading level jumps from h${levels[i - 1]} to h${levels[i]}`);
  }
  return problems;
}
"""


def accessibility_problems(page: Page) -> list[str]:
    """What is wrong with the current page: missing labels, names, landmarks, duplicate ids, heading jumps."""
    # A click that navigates returns once the new document is committed, before it is parsed: audit the
    # page the user will see, not the empty document between the two.
    page.wait_for_load_state("domcontentloaded")
    return page.evaluate(_AUDIT)


def assert_accessible(page: Page) -> None:
    """Fail with every problem found on the current page."""
    problems = accessibility_problems(page)
    assert not problems, f"{page.url}: " + "; ".join(problems)


def assert_keyboard_reaches_main(page: Page) -> None:
    """The first Tab lands on the skip link, and following it moves focus to the main content."""
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content", f"first Tab focused {focused!r}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
