"""The fields an inventory may hold, and which column of a file holds which field, by meaning.

A header is normalised to words (case, accents, punctuation, filler words, plurals and abbreviations
ignored), then matched: exactly (the field's name or label), by alias, by meaning (each word names a
concept — "e-mail", "focal point", "end" — and rules say which concepts make which field), and last by a
fuzzy comparison with the aliases for typos. Each field is taken by one column at most, the best one.
Pure functions, no database.

The fields and header words are in ``header_fields``, the guess for one header in ``header_guess``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from app.i18n import MESSAGES
from app.imports.header_fields import (
    FIELDS,
    IGNORE,
    MIN_RESEMBLANCE,
    ColumnMatch,
    FieldSpec,
    MappingError,
    field_label,
    given_key,
    header_key,
    header_words,
)
from app.imports.header_guess import guess_field
from app.organisations.models import plain_words

__all__ = [
    "FIELDS",
    "ColumnMatch",
    "FieldSpec",
    "HeaderMapping",
    "MappingError",
    "header_score",
    "header_words",
    "load_mapping",
    "match_columns",
    "missing_message",
    "save_mapping",
]


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def header_score(cells: list[object], given: dict[str, str] | None = None) -> int:
    """How many distinct fields the cells name (0 for a title row, a data row scores low).

    ``given`` (a ``--map`` mapping) counts its headers as naming their fields.
    """
    named_by_hand = {given_key(header): value for header, value in (given or {}).items()}
    fields: set[str] = set()
    for cell in cells:
        if not isinstance(cell, str):
            continue
        text = _text(cell)
        by_hand = named_by_hand.get(given_key(text)) if text else None
        if by_hand is not None:
            if by_hand.strip().lower() != IGNORE:
                fields.add(by_hand)
            continue
        found = guess_field(text)
        if found is not None:
            fields.add(found[0])
    return len(fields)


def two_row_header(
    groups: list[object], headers: list[object], given: dict[str, str] | None = None
) -> list[str] | None:
    """The header of a table whose columns are grouped under a row above ("Focal point" over "Name | E-mail |
    Phone", a merged cell in Excel): each group's label joined to the headers under it, or ``None`` when the
    joined header names no more fields than the lower row alone.

    A label runs right until the next one (merged cells read as one label and blanks); a column keeps its own
    header where the joined words name nothing, and a column with no header of its own takes the label above it.
    """
    if sum(1 for cell in groups if _text(cell)) < 2:  # one cell is a title, not groups
        return None
    joined: list[str] = []
    label = ""
    for index, cell in enumerate(headers):
        above = _text(groups[index]) if index < len(groups) else ""
        label = above or label
        own = _text(cell)
        if not own:
            joined.append(above)
        elif label and guess_field(f"{label} {own}") is not None:
            joined.append(f"{label} {own}")
        else:
            joined.append(own)
    if header_score(list(joined), given) <= header_score(list(headers), given):
        return None
    return joined


# The mapping of one file ---------------------------------------------------------------------------------------


@dataclass
class HeaderMapping:
    """Which column holds which field, which headers are ignored and which required fields are missing."""

    columns: list[ColumnMatch]
    ignored: list[str]
    missing: list[str]
    headers: list[str] = field(default_factory=list)
    """The file's header row as read (used to keep the file's order when saving)."""

    def by_index(self) -> dict[int, str]:
        """Column position → field name."""
        return {column.index: column.field for column in self.columns}

    def describe(self) -> list[str]:
        """One line per column for the user: what each mapped column holds, then the ignored ones."""
        lines = [
            MESSAGES.gettext('column "{header}" → {field}', header=column.header, field=field_label(column.field))
            for column in self.columns
        ]
        holders = {column.field: column.header for column in self.columns}
        for header in self.ignored:
            found = guess_field(header)
            if found and found[0] in holders and holders[found[0]] != header:
                lines.append(
                    MESSAGES.gettext(
                        'column "{header}" ignored ({field} comes from "{holder}")',
                        header=header,
                        field=field_label(found[0]),
                        holder=holders[found[0]],
                    )
                )
            else:
                lines.append(MESSAGES.gettext('column "{header}" ignored', header=header))
        return lines

    def as_saved(self) -> dict[str, str]:
        """``{"Header text": "field"}`` for every mapped column and ``"ignore"`` for the others, in file order."""
        by_index = self.by_index()
        saved: dict[str, str] = {}
        if self.headers:
            for index, header in enumerate(self.headers):
                text = _text(header)
                if index in by_index:
                    saved.setdefault(text, by_index[index])
                elif text:
                    saved.setdefault(text, IGNORE)
            return saved
        for column in self.columns:
            saved.setdefault(column.header, column.field)
        for header in self.ignored:
            saved.setdefault(header, IGNORE)
        return saved


def _field_named(value: object) -> str:
    """The field (or ``"ignore"``) a mapping value names: the field's name or label, in any case or spacing."""
    text = _text(value)
    if text.lower() == IGNORE:
        return IGNORE
    wanted = "_".join(plain_words(text))
    for spec in FIELDS.values():
        if wanted in (spec.name, "_".join(plain_words(spec.label))):
            return spec.name
    close = max(FIELDS, key=lambda name: fuzz.ratio(wanted, name))
    hint = f' (did you mean "{close}"?)' if fuzz.ratio(wanted, close) >= 70 else ""
    raise MappingError(
        MESSAGES.gettext(
            'unknown field "{text}" in the column mapping{hint}; valid fields: {values} (or '
            '"{IGNORE}" to leave a column out)',
            text=text,
            hint=hint,
            values=", ".join(FIELDS),
            IGNORE=IGNORE,
        )
    )


def match_columns(headers: list[str], given: dict[str, str] | None = None) -> HeaderMapping:
    """Map each header cell to a field: given ones first, then exact, alias and meaning; one column per field.

    ``given`` is ``{"Header text": "field" | "ignore"}`` (``--map`` or a mapping file); its header texts are
    compared ignoring case, accents, spaces and punctuation. ``MappingError`` names an unknown field, or a
    given header that is not in the file.
    """
    texts = [_text(header) for header in headers]
    chosen: dict[int, ColumnMatch] = {}
    left_out: set[int] = set()
    for header, value in (given or {}).items():
        target = _field_named(value)
        same = [i for i, text in enumerate(texts) if text == _text(header)] or [
            i for i, text in enumerate(texts) if given_key(header) and given_key(text) == given_key(header)
        ]
        if not same:
            shown = ", ".join(f'"{text}"' for text in texts if text) or "none"
            raise MappingError(
                MESSAGES.gettext(
                    'the column mapping names the header "{header}", which is not in the file; '
                    "its headers are: {shown}",
                    header=header,
                    shown=shown,
                )
            )
        index = next((i for i in same if i not in chosen and i not in left_out), None)
        if index is None:
            raise MappingError(
                MESSAGES.gettext('the column mapping names the header "{header}" more than once', header=header)
            )
        if target == IGNORE:
            left_out.add(index)
            continue
        taken = next((match for match in chosen.values() if match.field == target), None)
        if taken is not None:
            raise MappingError(
                MESSAGES.gettext(
                    'the column mapping gives {label} twice: "{header}" and "{value}"',
                    label=field_label(target),
                    header=taken.header,
                    value=texts[index],
                )
            )
        chosen[index] = ColumnMatch(index, texts[index], target, "given")
    candidates = []
    for index, text in enumerate(texts):
        if index in chosen or index in left_out:
            continue
        found = guess_field(text)
        if found is not None:
            candidates.append((-found[2], index, found[0], found[1]))
    taken_fields = {match.field for match in chosen.values()}
    for _score, index, name, how in sorted(candidates):
        if name not in taken_fields:
            taken_fields.add(name)
            chosen[index] = ColumnMatch(index, texts[index], name, how)
    _contact_block(chosen)
    columns = [chosen[index] for index in sorted(chosen)]
    ignored = [text for index, text in enumerate(texts) if text and index not in chosen]
    missing = [spec.name for spec in FIELDS.values() if spec.required and spec.name not in taken_fields]
    return HeaderMapping(columns, ignored, missing, list(texts))


CONTACT_FOLLOWERS = {"email": "contact_email"}


def _contact_block(chosen: dict[int, ColumnMatch]) -> None:
    """A bare "E-mail" just after the contact person's name (or after its phone) is that person's e-mail.

    Offices write "Contact person | E-mail | Phone": the e-mail there is not the organisation's general one.
    Only when no column says contact e-mail outright, and never over a column the user mapped by hand.
    """
    fields = {match.field for match in chosen.values()}
    if "contact_name" not in fields or "contact_email" in fields:
        return
    name_index = next(index for index, match in chosen.items() if match.field == "contact_name")
    for index in (name_index + 1, name_index + 2):
        match = chosen.get(index)
        if match is None:
            return
        if match.field in CONTACT_FOLLOWERS and match.how != "given":
            chosen[index] = ColumnMatch(index, match.header, CONTACT_FOLLOWERS[match.field], "meaning")
            return
        if match.field != "contact_phone":
            return


def _resemblance(header: str, name: str) -> int:
    """How much a header looks like a field, 0-100: the best of its fuzzy scores against the field's wordings."""
    key = header_key(header)
    if not key:
        return 0
    spec = FIELDS[name]
    wordings = [header_key(text) for text in (spec.name, spec.label, *spec.aliases)]
    return round(max(max(fuzz.ratio(key, w), fuzz.token_set_ratio(key, w)) for w in wordings if w))


def missing_message(mapping: HeaderMapping, headers: list[str], api: bool = False) -> str:
    """For each missing required field: its label, the closest headers of the file and the mapping that fixes it
    (``--map "Header=field"`` on the command line, ``{"Header": "field"}`` in the API's ``mapping`` field)."""

    def fix(header: str, name: str) -> str:
        if api:
            return MESSAGES.gettext('put {{"{header}": "{name}"}} in the mapping field', header=header, name=name)
        return MESSAGES.gettext('add --map "{header}={name}"', header=header, name=name)

    sure = {column.index for column in mapping.columns if column.how != "meaning"}
    lines = []
    for name in mapping.missing:
        label = field_label(name)
        scored = [
            (_resemblance(text, name), index, text)
            for index, text in enumerate(_text(header) for header in headers)
            if text and index not in sure
        ]
        ranked = sorted(scored, key=lambda candidate: (-candidate[0], candidate[1]))
        closest = [(score, text) for score, _index, text in ranked if score >= MIN_RESEMBLANCE][:3]
        if closest:
            shown = ", ".join(f'"{text}" ({score}%)' for score, text in closest)
            lines.append(
                MESSAGES.gettext(
                    'required column "{label}" not found; closest headers: {shown}; if one of them is it, {fix}',
                    label=label,
                    shown=shown,
                    fix=fix(closest[0][1], name),
                )
            )
        else:
            lines.append(
                MESSAGES.gettext(
                    'required column "{label}" not found and no header of the file resembles it; '
                    "add the column, or name it: {fix}",
                    label=label,
                    fix=fix("<header>", name),
                )
            )
    return "\n".join(lines)


def load_mapping(path: Path) -> dict[str, str]:
    """Read a mapping file: a JSON object ``{"header": "field" or "ignore"}``; ``MappingError`` says what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(
            MESSAGES.gettext("cannot read the mapping file {path}: {value}", path=path, value=exc.strerror or exc)
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(
            MESSAGES.gettext("the mapping file {path} is not valid JSON: {exc}", path=path, exc=exc)
        ) from None
    if not isinstance(data, dict):
        raise MappingError(
            MESSAGES.gettext(
                'the mapping file {path} must hold one JSON object such as {{"Raison sociale": '
                '"organisation_name"}}, not a {name}',
                path=path,
                name=type(data).__name__,
            )
        )
    mapping: dict[str, str] = {}
    for header, value in data.items():
        if not isinstance(value, str):
            raise MappingError(
                MESSAGES.gettext(
                    'in the mapping file {path}, "{header}" must name a field as text (e.g. "country"), not {dumps}',
                    path=path,
                    header=header,
                    dumps=json.dumps(value),
                )
            )
        try:
            mapping[header] = _field_named(value)
        except MappingError as exc:
            raise MappingError(
                MESSAGES.gettext('in the mapping file {path}, for "{header}": {exc}', path=path, header=header, exc=exc)
            ) from None
    return mapping


def save_mapping(path: Path, mapping: HeaderMapping) -> None:
    """Write the mapping as JSON (UTF-8, indented), headers in the file's order, so a later import can reuse it."""
    text = json.dumps(mapping.as_saved(), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
