"""The shipped agreement template library on disk: each template's metadata, read and validated.

Templates are data under ``app/templates/agreements/<key>/``: ``template.yaml`` (metadata and the variables it needs,
described in plain words) and one ``<lang>.md.j2`` per language; the MOU clauses live in ``clauses/``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

import yaml

from app.drafting.errors import TemplateError, UnknownTemplate
from app.drafting.sandbox import TEMPLATES_DIR

KINDS = frozenset(
    {"mou", "amendment", "extension", "renewal", "termination_notice", "undertaking_record", "ad_hoc_note"}
)
VARIABLE_TYPES = frozenset(
    {"text", "date", "integer", "boolean", "list", "parties", "obligations", "areas", "contacts"}
)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_CLAUSES_DIR = "clauses"


@dataclass(frozen=True)
class Variable:
    """One variable a template needs, with its type and a plain-words description."""

    name: str
    type: str
    required: bool
    description: str
    unit: str | None = None


@dataclass(frozen=True)
class TemplateInfo:
    """What a template is, which kinds of document it serves, its languages and its variables."""

    key: str
    title: str
    version: str
    languages: tuple[str, ...]
    kinds: tuple[str, ...]
    variables: tuple[Variable, ...]
    path: Path = field(compare=False)

    def file_for(self, language: str) -> str:
        """The loader name of the template file in ``language``."""
        return f"{self.key}/{language}.md.j2"


def _fail(path: Path, reason: str) -> TemplateError:
    return TemplateError(f"{path}: {reason}")


def _load_variable(path: Path, index: int, raw: Any) -> Variable:
    where = f"variable {index + 1}"
    if not isinstance(raw, Mapping):
        raise _fail(path, f"{where} must be a mapping with name, type, required and description")
    for name in ("name", "type", "required", "description"):
        if name not in raw:
            raise _fail(path, f"{where} has no {name}")
    name = raw["name"]
    if not isinstance(name, str) or not name.isidentifier():
        raise _fail(path, f"{where} has an invalid name {name!r}")
    if raw["type"] not in VARIABLE_TYPES:
        raise _fail(path, f"variable {name!r} has unknown type {raw['type']!r}")
    if not isinstance(raw["required"], bool):
        raise _fail(path, f"variable {name!r}: required must be true or false")
    if not isinstance(raw["description"], str) or not raw["description"].strip():
        raise _fail(path, f"variable {name!r} needs a description in plain words")
    unknown = set(raw) - {"name", "type", "required", "description", "unit"}
    if unknown:
        raise _fail(path, f"variable {name!r} has unknown fields: {', '.join(sorted(unknown))}")
    return Variable(name, raw["type"], raw["required"], raw["description"].strip(), raw.get("unit"))


_INFO_CACHE_SIZE = 128
_INFOS: OrderedDict[tuple[str, int, int, int], TemplateInfo] = OrderedDict()
_INFOS_LOCK = threading.Lock()


def load_template_info(directory: Path) -> TemplateInfo:
    """Read and validate ``directory/template.yaml``; raise ``TemplateError`` naming the file and the reason.

    Read once per version of the file: a file edited (another modification time, size or inode) is read again.
    """
    info = _kept_info(Path(directory))
    if info is None:
        raise _fail(Path(directory) / "template.yaml", "cannot be read: there is no such file")
    return info


def _kept_info(directory: Path) -> TemplateInfo | None:
    """The metadata in ``directory``, read once per version of its file; None when there is no file."""
    path = directory / "template.yaml"
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _INFOS_LOCK:
        info = _INFOS.get(key)
        if info is not None:
            _INFOS.move_to_end(key)
            return info
    info = _read_template_info(directory)
    with _INFOS_LOCK:
        _INFOS[key] = info
        while len(_INFOS) > _INFO_CACHE_SIZE:
            _INFOS.popitem(last=False)
    return info


def clear_info_cache() -> None:
    """Forget every template's metadata read so far (benchmarks measure a cold read with it)."""
    with _INFOS_LOCK:
        _INFOS.clear()


def _read_template_info(directory: Path) -> TemplateInfo:
    path = directory / "template.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(path, f"cannot be read: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise _fail(path, "must be a mapping")
    for name in ("key", "title", "version", "languages", "kinds", "variables"):
        if name not in raw:
            raise _fail(path, f"missing field {name!r}")
    key = raw["key"]
    if key != directory.name or not isinstance(key, str) or not _KEY_RE.match(key):
        raise _fail(path, f"key {key!r} must be lowercase and equal the directory name {directory.name!r}")
    if not isinstance(raw["title"], str) or not raw["title"].strip():
        raise _fail(path, "title must be text")
    if not isinstance(raw["version"], str) or not re.match(r"^\d+(\.\d+)*$", raw["version"]):
        raise _fail(path, 'version must be quoted text like "1.0"')
    languages = raw["languages"]
    if not isinstance(languages, list) or not languages:
        raise _fail(path, "languages must be a non-empty list")
    for language in languages:
        if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
            raise _fail(path, f"invalid language {language!r}")
        if not (directory / f"{language}.md.j2").is_file():
            raise _fail(path, f"language {language!r} has no file {language}.md.j2")
    kinds = raw["kinds"]
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= KINDS:
        raise _fail(path, f"kinds must be a non-empty list drawn from {', '.join(sorted(KINDS))}")
    if not isinstance(raw["variables"], list):
        raise _fail(path, "variables must be a list")
    variables = tuple(_load_variable(path, i, v) for i, v in enumerate(raw["variables"]))
    names = [v.name for v in variables]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(path, f"variables declared twice: {', '.join(duplicates)}")
    return TemplateInfo(key, raw["title"].strip(), raw["version"], tuple(languages), tuple(kinds), variables, directory)


def list_templates(root: Path = TEMPLATES_DIR) -> list[TemplateInfo]:
    """Every template under ``root``, validated, sorted by key."""
    directories = sorted(p for p in Path(root).iterdir() if p.is_dir() and (p / "template.yaml").is_file())
    return [load_template_info(p) for p in directories if p.name != _CLAUSES_DIR]


def get_template_info(key: str, root: Path = TEMPLATES_DIR) -> TemplateInfo:
    """The template with ``key``; ``UnknownTemplate`` if there is none."""
    info = _kept_info(Path(root) / key) if _KEY_RE.match(key) and key != _CLAUSES_DIR else None
    if info is None:
        raise UnknownTemplate(f"there is no agreement template {key!r}")
    return info


def find_template(key: str, language: str, root: Path = TEMPLATES_DIR) -> tuple[TemplateInfo, str]:
    """The template and the language to use: exact language, then its base (``fr-CH`` → ``fr``), then English."""
    info = get_template_info(key, root)
    wanted = (language or "").strip().lower().replace("_", "-")
    for candidate in (wanted, wanted.split("-")[0], "en"):
        if candidate in info.languages:
            return info, candidate
    return info, info.languages[0]
