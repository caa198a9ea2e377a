"""Rendering caches: compiled templates, template metadata and preflight answers are kept per template version.

A kept answer equals the one computed afresh; a template edited renders its new text at once; every cache is
bounded; two threads rendering at once get their own documents. Custom templates are compiled and kept in the
render worker (``app.drafting.render_pool``), where an edit is another source and so another compiled template.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from app.drafting import preflight as preflight_module
from app.drafting import render_pool
from app.drafting.errors import PreflightFailed
from app.drafting.preflight import check_variables, clear_preflight_cache, preflight
from app.drafting.render_pool import RenderJob, RenderPool
from app.drafting.samples import sample_variables
from app.drafting.sandbox import COMPILED_CACHE_SIZE, TEMPLATES_DIR, cached_environment, clear_environments
from app.drafting.template_files import clear_info_cache, find_template
from app.drafting.templates_engine import render, render_source
from tests.builders import assert_problem, cast, draft_agreement, formalising_partnership

API = "/api/v1"


def _clear() -> None:
    clear_environments()
    clear_info_cache()
    clear_preflight_cache()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A copy of the shipped MOU and its clauses, to edit."""
    for name in ("mou", "clauses"):
        shutil.copytree(Path(TEMPLATES_DIR) / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    """Change a file as a person would, a moment later (its modification time moves on)."""
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_kept_render_equals_one_made_with_every_cache_empty(language):
    variables = sample_variables("mou")
    _clear()
    cold = render("mou", language, variables)
    warm = [render("mou", language, variables) for _ in range(3)]
    assert all(again == cold for again in warm)


def test_a_kept_preflight_answer_equals_the_one_computed_afresh_and_tells_types_apart():
    info, _ = find_template("mou", "en")
    variables = sample_variables("mou")
    sets = [
        variables,
        {**variables, "notice_period_days": 30},
        {**variables, "notice_period_days": True},  # a boolean is no whole number, though True == 1
        {**variables, "notice_period_days": "30"},
        {**variables, "handles_personal_data": 1},
        {**variables, "purpose": None},
        {**variables, "partners": [{"legal_name": ""}]},
    ]
    for _ in range(2):  # the second round answers from the cache
        for values in sets:
            assert preflight(info, values) == check_variables(info, values)
    assert [p.variable for p in preflight(info, sets[2])] == ["notice_period_days"]
    assert preflight(info, sets[1]) == []
    answer = preflight(info, sets[5])
    answer.clear()  # a caller changing its list leaves the kept answer alone
    assert preflight(info, sets[5]) == check_variables(info, sets[5]) != []


def test_an_edited_template_file_renders_its_new_text_at_once(library):
    variables = sample_variables("mou")
    before = render("mou", "en", variables, root=library).text
    _edit(library / "mou" / "en.md.j2", "# Memorandum of Understanding", "# Memorandum of Understanding, edited")
    assert render("mou", "en", variables, root=library).text.startswith("# Memorandum of Understanding, edited\n")
    clause = library / "clauses" / "purpose.en.md.j2"
    _edit(clause, "\n", "\nAn included clause edited.\n")
    edited = render("mou", "en", variables, root=library).text
    assert "An included clause edited." in edited and edited != before


def test_a_template_saved_by_rename_within_the_same_second_is_read_again(library):
    variables = sample_variables("mou")
    render("mou", "en", variables, root=library)
    path = library / "mou" / "en.md.j2"
    stat = path.stat()
    replacement = library / "mou" / "en.md.j2.new"
    replacement.write_text(path.read_text(encoding="utf-8").replace("# Memorandum", "# Memo", 1), encoding="utf-8")
    os.replace(replacement, path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time: another inode and size
    assert render("mou", "en", variables, root=library).text.startswith("# Memo of Understanding")


def test_edited_metadata_gives_a_new_version_and_its_preflight_at_once(library):
    variables = {**sample_variables("mou"), "reference": None}
    assert render("mou", "en", variables, root=library).missing == ["reference"]
    meta = library / "mou" / "template.yaml"
    _edit(meta, 'version: "1.0"', 'version: "1.1"')
    _edit(meta, "{name: reference, type: text, required: false", "{name: reference, type: text, required: true")
    info, _ = find_template("mou", "en", library)
    assert info.version == "1.1"
    assert [p.variable for p in preflight(info, variables)] == ["reference"]
    with pytest.raises(PreflightFailed, match="reference number"):
        render("mou", "en", variables, root=library)


def test_the_caches_are_bounded(monkeypatch):
    assert cached_environment(TEMPLATES_DIR).cache.capacity == COMPILED_CACHE_SIZE
    monkeypatch.setattr(preflight_module, "PREFLIGHT_CACHE_SIZE", 5)
    info, _ = find_template("mou", "en")
    for days in range(20):
        preflight(info, {**sample_variables("mou"), "notice_period_days": days})
    assert len(preflight_module._RESULTS) == 5


def _job(source: str, template: str | None = None) -> RenderJob:
    return RenderJob(source, str(Path(TEMPLATES_DIR).resolve()), 10_000, 4096, 5.0, 512, {"n": 1}, None, None,
                     template)  # fmt: skip


def test_the_worker_keeps_a_bounded_number_of_compiled_templates_and_drops_old_versions(monkeypatch):
    monkeypatch.setattr(render_pool, "_COMPILED", render_pool.OrderedDict())
    monkeypatch.setattr(render_pool, "_LATEST", {})
    monkeypatch.setattr(render_pool, "_COMPILED_CACHE_SIZE", 4)
    for number in range(10):
        assert render_pool._run(_job(f"{number} {{{{ n }}}}")) == {"text": f"{number} 1"}
    assert render_pool.compiled_count() == 4
    assert render_pool._run(_job("edited {{ n }}", "custom:note/en")) == {"text": "edited 1"}
    assert render_pool._run(_job("edited again {{ n }}", "custom:note/en")) == {"text": "edited again 1"}
    kept = render_pool.compiled_count()
    assert render_pool._run(_job("edited {{ n }}", "custom:note/en")) == {"text": "edited 1"}  # back: compiled anew
    assert render_pool.compiled_count() == kept


def test_a_warm_worker_renders_each_edit_of_a_custom_template_at_once():
    pool = RenderPool(1)
    try:
        texts = [
            render_source(f"# Note {number}\n{{{{ who }}}}", {"who": "A"}, pool=pool, template="custom:note/en")
            for number in (1, 2, 1, 3)
        ]
        assert texts == ["# Note 1\nA\n", "# Note 2\nA\n", "# Note 1\nA\n", "# Note 3\nA\n"]
        assert len(pool.processes()) == 1  # one warm worker did them all
    finally:
        pool.close()


def test_two_threads_rendering_at_once_each_get_their_own_document():
    _clear()
    variables = sample_variables("mou")
    other = {**variables, "purpose": "A purpose only the second thread renders."}
    expected = {"en": render("mou", "en", variables).text, "fr": render("mou", "fr", other).text}
    custom = {"first": "# First {{ n }}", "second": "# Second {{ n }}"}
    _clear()
    pool = RenderPool(2)
    failures: list[str] = []
    start = threading.Barrier(2)

    def work(language: str, values: dict, name: str) -> None:
        start.wait()
        for number in range(25):
            if render("mou", language, values).text != expected[language]:
                failures.append(f"{language} render {number}")
            if render_source(custom[name], {"n": number}, pool=pool) != f"# {name.title()} {number}\n":
                failures.append(f"{name} custom render {number}")
            if number % 10 == 0:
                clear_preflight_cache()

    threads = [
        threading.Thread(target=work, args=("en", variables, "first")),
        threading.Thread(target=work, args=("fr", other, "second")),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        pool.close()
    assert failures == []


def test_a_custom_template_edited_through_the_api_renders_its_new_text_at_once(client, session, make_user, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people, formalising_partnership(session, people))
    manager, lawyer = auth(user=people.manager)[1], auth(user=people.lawyer)[1]
    template = {
        "title": "House MOU",
        "version": "2.0",
        "kinds": ["mou"],
        "variables": [{"name": "reference", "type": "text", "required": True, "description": "the reference"}],
        "source": "# House MOU\n\nReference: {{ reference|inline }}\n",
    }
    generate = f"{API}/agreements/{agreement.id}/versions/generate"
    saved = client.put(f"{API}/templates/mou/en", json=template, headers=lawyer)
    assert saved.status_code == 200, saved.text
    first = client.post(generate, json={}, headers=manager)
    assert first.status_code == 201, first.text
    assert first.json()["body"].startswith("# House MOU\n")

    edited = {**template, "source": "# House MOU, second edition\n\nReference: {{ reference|inline }}\n"}
    saved = client.put(f"{API}/templates/mou/en", json=edited, headers={**lawyer, "If-Match": saved.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    second = client.post(generate, json={}, headers=manager).json()
    assert second["body"].startswith("# House MOU, second edition\n") and second["template_version"] == "2.0"

    stricter = {**edited, "version": "2.1"}
    stricter["variables"] = [*edited["variables"], {"name": "purpose", "type": "text", "required": True,
                                                     "description": "the purpose"}]  # fmt: skip
    stricter["source"] += "\n{{ purpose|inline }}\n"
    saved = client.put(f"{API}/templates/mou/en", json=stricter, headers={**lawyer, "If-Match": saved.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    refused = client.post(generate, json={}, headers=manager)  # the partnership states no purpose yet
    assert_problem(refused, 422, "purpose")
    agreement.partnership.objectives = "To protect migrants' rights."
    session.commit()
    third = client.post(generate, json={}, headers=manager).json()
    assert third["template_version"] == "2.1" and third["body"].endswith("To protect migrants' rights.\n")
