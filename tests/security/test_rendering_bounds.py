"""Rendering stays bounded under attack: numbers, text, output, time and memory of a template; comparison size.

Each test reproduces an attack from the security review (issue 16, item 1, and the redline cap of item 2).
The custom templates render in a worker process (app.drafting.render_pool); the shipped ones in-process.
"""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest

from app.agreements import service as agreements
from app.config import get_settings
from app.drafting import redline
from app.drafting.samples import sample_variables
from app.drafting.templates_engine import TemplateError, render, render_source
from app.users.service import create_token
from app.web.security import SESSION_COOKIE, csrf_for
from tests.builders import assert_problem, cast, draft_agreement
from tests.web.conftest import Browser

API = "/api/v1"
BITS = "larger than 4,096 bits"
SQUARED = "{% set ns = namespace(x=1, y=1) %}{% set ns.x = 2 ** 2000 - 1 %}"
SQUARE_TEN_TIMES = "{% for i in range(10) %}{% set ns.y = ns.x + 1 %}{% set ns.x = ns.x * ns.x %}{% endfor %}"
# Sorting a million items takes seconds, and this loop sorts them a thousand times.
RUNAWAY = "{% set s = ('ab' * 499999)|list %}{% for i in range(1000) %}{{ s|sort|length }}{% endfor %}"


@pytest.fixture
def configure(monkeypatch):
    """Set AGREEMENTS_<NAME> settings for this test only."""

    def _configure(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"AGREEMENTS_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield _configure
    get_settings.cache_clear()


def _signed_in(client, session, user) -> Browser:
    """The pages' client signed in as ``user`` (as tests/web's ``sign_in`` fixture does)."""
    _, secret = create_token(session, user, "sign-in", 1)
    session.commit()
    client.cookies.set(SESSION_COOKIE, secret)
    return Browser(client, user, csrf_for(secret))


# ---------------------------------------------------------------------------------------------------- numbers


def test_floor_division_of_huge_numbers_is_refused():
    # the review's attack: squarings build a number of millions of bits, then one // stalls the process
    with pytest.raises(TemplateError, match=BITS):
        render_source(SQUARED + SQUARE_TEN_TIMES + "{{ ns.x // ns.y > 1 }}", {})


def test_modulo_of_huge_numbers_is_refused():
    with pytest.raises(TemplateError, match=BITS):
        render_source(SQUARED + SQUARE_TEN_TIMES + "{{ ns.x % ns.y > 1 }}", {})


def test_repeated_squaring_is_refused_at_the_first_number_past_the_limit():
    source = SQUARED + "{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x > 0 }}"
    with pytest.raises(TemplateError, match=BITS):
        render_source(source, {})


@pytest.mark.parametrize("expression", ["n + 1", "n - 1", "n * 1", "n / 1", "n // 1", "n % 7", "n ** 1", "-n", "+n"])
def test_every_arithmetic_operator_refuses_a_number_past_the_limit(expression):
    with pytest.raises(TemplateError, match=BITS):
        render_source(f"{{{{ ({expression}) > 0 }}}}", {"n": 2**5000})


def test_multiplying_numbers_within_the_limit_is_refused_when_the_product_is_not():
    with pytest.raises(TemplateError, match=BITS):
        render_source("{{ n * n > 0 }}", {"n": 10**1000})  # 3,322 bits each, 6,644 bits together
    assert render_source("{{ n * 2 // 4 % 1000 }} {{ -n // n }} {{ 7 / 2 }}", {"n": 10**1000}) == "0 -1 3.5\n"


@pytest.mark.parametrize(
    ("source", "variables"),
    [
        ("{{ ('f' * 2000)|int(base=16) > 0 }}", {}),
        ("{% set x = 2 ** 4095 %}{{ [x, x, x]|sum > 0 }}", {}),
        ("{{ n|abs > 0 }}", {"n": -(2**5000)}),
        ("{{ (0).from_bytes(('a' * 1000).encode(), 'big') > 0 }}", {}),
        ("{{ n is divisibleby 3 }}", {"n": 2**5000}),
    ],
    ids=["int", "sum", "abs", "from_bytes", "divisibleby"],
)
def test_filters_methods_and_tests_cannot_make_or_use_huge_numbers(source, variables):
    with pytest.raises(TemplateError, match=BITS):
        render_source(source, variables)


@pytest.mark.parametrize("source", ["{{ pow(2, 10 ** 6) }}", "{{ range(2 ** 4000)|length }}", "{{ 2 ** (10 ** 6) }}"])
def test_pow_range_and_power_stay_closed(source):
    with pytest.raises(TemplateError):
        render_source(source, {})


# ---------------------------------------------------------------------------------------------------- text and output


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ (('a' * 20000)|list|join('b' * 9999))|length }}", "join() would make the text longer"),
        ("{{ (('a ' * 5000)|wordwrap(1, wrapstring='x' * 9999))|length }}", "wordwrap() would make the text longer"),
        ("{{ (('a.b ' * 2000)|urlize(rel='x' * 9999))|length }}", "urlize() would make the text longer"),
        ("{% set x = 2 ** 4000 %}{{ ([x] * 999)|length }}", "grew beyond 1,000,000 characters"),
    ],
    ids=["join", "wordwrap", "urlize", "numbers-as-text"],
)
def test_text_repeated_by_a_filter_is_refused_before_it_is_built(source, reason):
    with pytest.raises(TemplateError, match=re.escape(reason)):
        render_source(source, {})


def test_the_output_cap_is_a_setting_for_custom_and_shipped_templates(configure):
    configure(render_max_output_chars=2_000)
    with pytest.raises(TemplateError, match="longer than 2,000 characters"):
        render_source("{{ 'ab' * 5000 }}", {})
    with pytest.raises(TemplateError, match="longer than 2,000 characters"):
        render("mou", "en", sample_variables("mou"))


# ---------------------------------------------------------------------------------------------------- time and memory


def _stopped(process) -> bool:
    return process.poll() == -signal.SIGKILL


def test_a_template_that_never_ends_is_stopped_by_killing_its_worker():
    from app.drafting.render_pool import get_pool

    pool = get_pool()
    assert render_source("{{ 1 + 1 }}", {}) == "2\n"  # a warm worker
    before = pool.processes()
    with pytest.raises(TemplateError, match="took longer than 1 second to render; it was stopped"):
        render_source(RUNAWAY, {}, timeout_s=1)
    killed = [process for process in before if _stopped(process)]
    assert len(killed) == 1 and killed[0] not in pool.processes()
    assert render_source("{{ 6 * 7 }}", {}) == "42\n"  # a fresh worker takes its place


def test_the_server_stays_responsive_while_a_template_runs_away():
    from app.drafting.render_pool import get_pool

    pool = get_pool()
    outcome: dict[str, object] = {}

    def runaway() -> None:
        try:
            render_source(RUNAWAY, {}, timeout_s=3)
        except TemplateError as exc:
            outcome["error"] = exc.detail

    thread = threading.Thread(target=runaway)
    thread.start()
    for _ in range(1000):  # wait until the runaway render is in its worker
        if pool.in_flight() or not thread.is_alive():
            break
        time.sleep(0.01)
    running = pool.processes()
    # meanwhile this process renders the shipped MOU itself and a custom template in another worker
    assert render("mou", "en", sample_variables("mou")).text.startswith("# ")
    assert render_source("{{ 'still' ~ ' answering' }}", {}) == "still answering\n"
    thread.join()
    assert "took longer than 3 seconds to render; it was stopped" in str(outcome.get("error"))
    assert any(_stopped(process) for process in running)


def test_a_template_that_allocates_too_much_memory_is_refused():
    # 600 distinct texts of a million characters each: no single value is too large, together 600 MB
    source = "".join(f"{{% set v{i} = 'x' * 999990 ~ {i} %}}" for i in range(600)) + "{{ v599|length }}"
    with pytest.raises(TemplateError, match="needed more than 256 MB of memory"):
        render_source(source, {}, timeout_s=30)
    assert render_source("{{ 'fine' }}", {}) == "fine\n"


# ---------------------------------------------------------------------------------------------------- comparison


def _long_text(characters: int) -> str:
    paragraphs, size = [], 0
    while size < characters:
        paragraphs.append(f"Clause {len(paragraphs)}. The parties cooperate in good faith on migrant health.")
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def test_a_huge_comparison_is_refused_before_it_is_made():
    huge = _long_text(1_200_000)
    with pytest.raises(redline.ComparisonTooLarge, match="at most 1,000,000") as refused:
        redline.redline_html(huge, huge + "\n\nOne more clause.")
    assert {problem.field for problem in refused.value.problems} == {"old", "new"}
    with pytest.raises(redline.ComparisonTooLarge):
        redline.unified_diff("short", huge)


def test_a_comparison_of_versions_too_long_is_refused_through_the_api_and_the_page(
    client, session, make_user, auth, configure
):
    configure(redline_max_input_chars=10_000)
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    for body in (_long_text(20_000), _long_text(20_000) + "\n\nOne more clause."):
        agreements.add_version(session, agreement.id, body, people.manager)
    session.commit()
    first, last = [version.number for version in agreement.document_versions][-2:]
    _, headers = auth(user=people.manager)
    body = assert_problem(client.get(f"{API}/agreements/{agreement.id}/versions/{first}/diff/{last}", headers=headers),
                          422, "number", "other")  # fmt: skip
    assert f"version {first} is" in body["detail"] and "at most 10,000" in body["detail"]
    browser = _signed_in(client, session, people.manager)
    page = browser.get(f"/agreements/{agreement.id}/compare?old={first}&new={last}")
    assert page.status_code == 422 and "These versions cannot be compared" in page.text
    fragment = browser.get(f"/agreements/{agreement.id}/compare?old={first}&new={last}", headers={"HX-Request": "1"})
    assert fragment.status_code == 200 and "at most 10,000" in fragment.text


def _one_long_paragraph(characters: int, changed: bool) -> str:
    words = [("alpha", "beta", "the", "of", "and")[(i * 7) % 5] for i in range(characters // 5)]
    return " ".join("omega" if changed and i % 3 == 0 else word for i, word in enumerate(words))


def test_a_comparison_that_takes_too_long_is_stopped(client, session, make_user, auth, configure):
    # within the length cap, a word diff of one long paragraph of few distinct words takes tens of seconds
    configure(render_timeout_seconds=1)
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    for changed in (False, True):
        agreements.add_version(session, agreement.id, _one_long_paragraph(20_000, changed), people.manager)
    session.commit()
    first, last = [version.number for version in agreement.document_versions][-2:]
    _, headers = auth(user=people.manager)
    url = f"{API}/agreements/{agreement.id}/versions/{first}/diff/{last}"
    body = assert_problem(client.get(url, headers=headers), 422, "number", "other")
    assert f"comparing version {first} with version {last} took longer than 1 second" in body["detail"]
    assert client.get(f"{url}?format=unified", headers=headers).status_code == 200  # two lines: a quick line diff
    page = _signed_in(client, session, people.manager).get(f"/agreements/{agreement.id}/compare")
    assert page.status_code == 422 and "took longer than 1 second; it was stopped" in page.text


# ---------------------------------------------------------------------------------------------------- API and pages

HOUSE_MOU = {
    "title": "House MOU",
    "version": "2.0",
    "kinds": ["mou"],
    "variables": [{"name": "notice_period_days", "type": "integer", "required": True, "description": "the notice"}],
}
# The trial render gives 30 days, so the template is accepted; the agreement's 60 days then hit the limit.
LATE_BOMB = "# House MOU\n\n{% if notice_period_days != 30 %}{{ 2 ** 4000 * 2 ** 4000 }}{% endif %}Notice.\n"


def test_a_custom_template_hitting_a_limit_is_refused_naming_the_template_and_the_reason(
    client, session, make_user, auth
):
    people = cast(make_user)
    agreement = draft_agreement(session, people, notice=60)
    _, lawyer = auth(user=people.lawyer)
    _, manager = auth(user=people.manager)
    bomb = {**HOUSE_MOU, "source": "# House MOU\n\n{{ (2 ** 4000 * 2 ** 4000 > notice_period_days) }}\n"}
    refused = assert_problem(client.put(f"{API}/templates/mou/en", json=bomb, headers=lawyer), 422, "source")
    assert BITS in refused["detail"]
    saved = client.put(f"{API}/templates/mou/en", json={**HOUSE_MOU, "source": LATE_BOMB}, headers=lawyer)
    assert saved.status_code == 200, saved.text

    generated = client.post(f"{API}/agreements/{agreement.id}/versions/generate", json={}, headers=manager)
    body = assert_problem(generated, 422, "template")
    assert "template 'mou' (en)" in body["detail"] and BITS in body["detail"]
    browser = _signed_in(client, session, people.manager)
    page = browser.post(f"/agreements/{agreement.id}/versions", {"template": "mou", "language": "en"})
    assert page.status_code == 422 and BITS in page.text
