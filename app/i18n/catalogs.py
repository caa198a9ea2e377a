"""The gettext catalogs: extract each domain's messages, merge them into the French and Spanish catalogs, compile.

The same extraction ``pybabel`` runs from the command line (``app/locale/<domain>.cfg`` is its mapping file)::

    pybabel extract -F app/locale/web.cfg -o app/locale/web.pot .
    pybabel update -D web -i app/locale/web.pot -d app/locale
    pybabel compile -D web -d app/locale

``python -m app.i18n.catalogs update`` does all three for every domain; ``check`` lists every message that is
missing, untranslated, fuzzy or not compiled (tests/i18n/test_catalogs.py fails on any).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from app.i18n import DEFAULT_LANGUAGE, DOMAINS, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "app" / "locale"
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy": None,
    "N_": None,  # marks a message translated later, where it is shown
}


def mapping_file(domain: str) -> Path:
    """The pybabel mapping of ``domain``: which files hold its messages, and how to read them."""
    return LOCALE / f"{domain}.cfg"


def po_file(language: str, domain: str) -> Path:
    """The editable catalog of ``domain`` in ``language``."""
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str) -> Catalog:
    """Every message of ``domain`` found in the files its mapping names (a fresh template catalog)."""
    with mapping_file(domain).open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project="agreements", domain=domain, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _read(path: Path, language: str, domain: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, domain=domain, project="agreements", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def update(domain: str) -> None:
    """Merge the messages extracted for ``domain`` into each translated catalog, then compile them."""
    template = extract(domain)
    for language in TRANSLATED:
        path = po_file(language, domain)
        catalog = _read(path, language, domain)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=120, sort_output=True, omit_header=False)
    compile_domain(domain)


def compile_domain(domain: str) -> None:
    """Write the ``.mo`` of each translated catalog of ``domain`` (fuzzy entries are left out, as gettext does)."""
    for language in TRANSLATED:
        path = po_file(language, domain)
        if path.exists():
            catalog = _read(path, language, domain)
            with path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)


def problems(domain: str) -> list[str]:
    """What is wrong with ``domain``'s catalogs: messages missing, untranslated, fuzzy, or a stale ``.mo``."""
    found: list[str] = []
    wanted = {message.id for message in extract(domain) if message.id}
    for language in TRANSLATED:
        path = po_file(language, domain)
        catalog = _read(path, language, domain)
        have = {message.id: message for message in catalog if message.id}
        for key in sorted(wanted - have.keys(), key=str):
            found.append(f"{language}/{domain}: not in the catalog: {key!r}")
        for key, message in have.items():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{language}/{domain}: untranslated: {key!r}")
            if message.fuzzy:
                found.append(f"{language}/{domain}: fuzzy: {key!r}")
        compiled = path.with_suffix(".mo")
        if path.exists() and not compiled.exists():
            found.append(f"{language}/{domain}: {compiled.name} missing (python -m app.i18n.catalogs compile)")
        elif path.exists():
            with compiled.open("rb") as handle:
                built = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
            sources = {_key(key): _key(m.string) for key, m in have.items() if not m.fuzzy and all(
                m.string if isinstance(m.string, tuple) else (m.string,))}  # fmt: skip
            if built != sources:
                found.append(f"{language}/{domain}: {compiled.name} is older than the .po (compile again)")
    return found


def _key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    """A message id or string as one comparable value (a compiled plural comes back as a list)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def main(argv: list[str]) -> int:
    """``update`` (extract, merge, compile), ``compile`` or ``check`` every domain, or those named after."""
    command, *names = argv or ["check"]
    domains = names or [domain for domain in DOMAINS if mapping_file(domain).exists()]
    if command == "update":
        for domain in domains:
            update(domain)
    elif command == "compile":
        for domain in domains:
            compile_domain(domain)
    elif command == "check":
        found = [problem for domain in domains for problem in problems(domain)]
        print(
            "\n".join(found) or f"every catalog complete: {', '.join(domains)}",
            file=sys.stderr if found else sys.stdout,
        )
        return 1 if found else 0
    else:
        print(f"unknown command {command!r}: update, compile or check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
