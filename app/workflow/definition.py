"""Workflow definitions: states, groups of states, transitions and daily rules, loaded from ``app/workflows/*.yaml``,
checked once and immutable afterwards. Firing lives in :mod:`app.workflow.engine`.

A malformed file stops the process at start-up with the file, the line and the name at fault. Python code asks
this module for states by group (:func:`states`) and never names a state itself. What people read for a state, a
transition or a group is declared in the same file (English, the message ids of the ``vocab`` catalog) and given
here in the reader's language (:func:`label`, :func:`state_name`, :func:`trigger_label` …).

Size: the workflow's data class, its loader with an error message for every mistake a file can hold, and the
functions the rest of the code asks states and their words of, read best in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from transitions import Machine

from app.i18n import VOCAB
from app.resources import workflows_dir
from app.users.models import Role
from app.workflow.actor import SYSTEM_ROLE
from app.workflow.payload import PARSERS, PayloadField
from app.workflow.registry import CRITERIA, EFFECTS, GUARDS, is_registered

WORKFLOWS_DIR = workflows_dir()
STATE_ATTRIBUTES = {"partnership": "stage", "agreement": "status", "obligation": "status"}
_LINE = "__line__"


class WorkflowDefinitionError(Exception):
    """A workflow file is malformed; raised at start-up with a message naming the file, the line and the name."""


@dataclass(frozen=True)
class Transition:
    """One trigger leading from some states to one state, with who may fire it and what it checks and does."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str] = frozenset()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    payload: tuple[PayloadField, ...] = ()
    comment_required: bool = False
    internal: bool = False
    """Fired only by its own path (an import, recording a signed copy), never offered as an action."""
    label: str = ""
    """What a person reads for this trigger (a button, a history line); the trigger in words by default. English:
    the message id of the vocab catalog (``Workflow.trigger_label`` gives it in the reader's language)."""

    @property
    def automatic(self) -> bool:
        """Whether only the system fires it."""
        return self.roles == {SYSTEM_ROLE}


@dataclass(frozen=True)
class DailyRule:
    """An automatic transition the daily job fires for every entity the named criterion selects."""

    trigger: str
    when: str


@dataclass(frozen=True)
class Workflow:
    """States and transitions of one kind of entity, and which attribute holds its state."""

    name: str
    initial: str
    states: dict[str, str]
    transitions: tuple[Transition, ...]
    state_attribute: str = field(default="stage")
    daily: tuple[DailyRule, ...] = ()
    moves: dict[str, str] = field(default_factory=dict)
    machine: Machine | None = field(default=None, compare=False, repr=False)
    groups: MappingProxyType[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """Named sets of states (``in_force``, ``open``, ``closed`` …) that reports, checks and pages ask for."""
    short_labels: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """A state in a word or two, where a table, a chart or a badge has little room (English, the message id)."""
    group_labels: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """What people read for a group shown by name (the portfolio's modalities) (English, the message id)."""

    def group(self, name: str) -> frozenset[str]:
        """The states of the group ``name``; an unknown group is a programming error and says which exist."""
        try:
            return self.groups[name]
        except KeyError:
            known = ", ".join(sorted(self.groups)) or "none"
            raise KeyError(f"the {self.name} workflow has no state group {name!r}; its groups are: {known}") from None

    def label(self, state: str, language: str | None = None) -> str:
        """The human label of ``state``, in ``language`` (the current one by default)."""
        return VOCAB.gettext(self.states[str(getattr(state, "value", state))], language)

    def short_label(self, state: str, language: str | None = None) -> str:
        """``state`` in a word or two ("Ad hoc", "In review"): its short label, else its label's first clause."""
        code = str(getattr(state, "value", state))
        if code in self.short_labels:
            return VOCAB.gettext(self.short_labels[code], language)
        return self.label(code, language).split(":", 1)[0].strip()

    def name_of(self, state: str, language: str | None = None) -> str:
        """``state`` as a sentence names it: its label's first clause, lower-cased ("in review by …")."""
        text = self.label(state, language).split(":", 1)[0].strip()
        return text[:1].lower() + text[1:]

    def names_of(self, states: Iterable[str], joiner: str | None = None, language: str | None = None) -> str:
        """Several states as a sentence lists them, in the order the workflow file declares them ("a or b")."""
        wanted = {str(getattr(state, "value", state)) for state in states}
        # TRANSLATORS: joins the names of states in a sentence: "draft or in review".
        joiner = joiner if joiner is not None else " " + VOCAB.gettext("or", language) + " "
        return joiner.join(self.name_of(state, language) for state in self.states if state in wanted)

    def group_label(self, group: str, language: str | None = None) -> str:
        """What people read for the group ``group``: its declared label, else its name in words."""
        self.group(group)  # an unknown group is a programming error
        if group in self.group_labels:
            return VOCAB.gettext(self.group_labels[group], language)
        return group.replace("_", " ")

    def trigger_label(self, trigger: str, language: str | None = None) -> str:
        """What a person reads for ``trigger`` (its transition's label), in ``language``."""
        found = next((t.label for t in self.transitions if t.trigger == trigger), None)
        return VOCAB.gettext(found, language) if found else trigger.replace("_", " ")

    def find(self, trigger: str, source: str) -> Transition | None:
        """The transition for ``trigger`` from ``source``, if there is one (asked of the shared machine)."""
        source = str(getattr(source, "value", source))  # an enum column gives a StrEnum; the machine wants names
        if self.machine is not None and not self.machine.get_transitions(trigger=trigger, source=source):
            return None
        for transition in self.transitions:
            if transition.trigger == trigger and source in transition.sources:
                return transition
        return None

    def state_of(self, entity: Any) -> str:
        """The entity's current state, as a plain name."""
        value = getattr(entity, self.state_attribute)
        return str(getattr(value, "value", value))

    def triggers_from(self, source: str) -> list[str]:
        """The triggers that can fire from ``source``."""
        return [t.trigger for t in self.transitions if source in t.sources]

    def triggers(self) -> set[str]:
        """Every trigger of the workflow."""
        return {t.trigger for t in self.transitions}


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _where(origin: str, item: Any) -> str:
    line = item.get(_LINE) if isinstance(item, dict) else None
    return f"{origin}, line {line}" if line else origin


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _parse_payload_fields(spec: Any, where: str, trigger: str) -> tuple[PayloadField, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise WorkflowDefinitionError(f"{where}: payload of {trigger!r} must map field names to their types")
    fields = []
    for name, item in spec.items():
        if name == _LINE:
            continue
        item = item if isinstance(item, dict) else {"type": item}
        kind = item.get("type")
        if kind not in PARSERS:
            known = ", ".join(sorted(PARSERS))
            raise WorkflowDefinitionError(
                f"{where}: payload field {name!r} of {trigger!r} has unknown type {kind!r}; known: {known}"
            )
        description = str(item.get("description") or name.replace("_", " "))
        fields.append(PayloadField(str(name), str(kind), bool(item.get("required", False)), description))
    return tuple(fields)


def _parse_transition(item: Any, index: int, origin: str, states: dict[str, str]) -> Transition:
    where = _where(origin, item)
    if not isinstance(item, dict):
        raise WorkflowDefinitionError(f"{where}: transition {index} must be a mapping")
    trigger, dest = item.get("trigger"), item.get("dest")
    sources = tuple(_as_list(item.get("source")))
    if not trigger or not sources or not dest:
        raise WorkflowDefinitionError(f"{where}: transition {index} needs trigger, source and dest")
    unknown_keys = sorted(
        set(item)
        - {
            _LINE,
            "trigger",
            "source",
            "dest",
            "roles",
            "guards",
            "effects",
            "payload",
            "comment_required",
            "internal",
            "label",
        }
    )
    if unknown_keys:
        raise WorkflowDefinitionError(f"{where}: transition {trigger!r} has unknown key {unknown_keys[0]!r}")
    for state in (*sources, dest):
        if state not in states:
            raise WorkflowDefinitionError(f"{where}: transition {trigger!r} uses unknown state {state!r}")
    roles = _as_list(item.get("roles"))
    known_roles = {role.value for role in Role} | {SYSTEM_ROLE}
    for role in roles:
        if role not in known_roles:
            raise WorkflowDefinitionError(f"{where}: transition {trigger!r} names unknown role {role!r}")
    for kind, registry in (("guard", GUARDS), ("effect", EFFECTS)):
        for name in _as_list(item.get(f"{kind}s")):
            if name not in registry:
                raise WorkflowDefinitionError(f"{where}: transition {trigger!r} names unknown {kind} {name!r}")
    return Transition(
        trigger=str(trigger),
        sources=sources,
        dest=str(dest),
        roles=frozenset(roles),
        guards=tuple(_as_list(item.get("guards"))),
        effects=tuple(_as_list(item.get("effects"))),
        payload=_parse_payload_fields(item.get("payload"), where, str(trigger)),
        comment_required=bool(item.get("comment_required", False)),
        internal=bool(item.get("internal", False)),
        label=str(item.get("label") or str(trigger).replace("_", " ")),
    )


def _parse_daily(raw: Any, origin: str, triggers: set[str]) -> tuple[DailyRule, ...]:
    rules = []
    for item in _as_list(raw):
        where = _where(origin, item)
        trigger, when = (item.get("trigger"), item.get("when")) if isinstance(item, dict) else (None, None)
        if trigger not in triggers:
            raise WorkflowDefinitionError(f"{where}: daily rule names unknown trigger {trigger!r}")
        if when not in CRITERIA:
            raise WorkflowDefinitionError(f"{where}: daily rule for {trigger!r} names unknown criterion {when!r}")
        rules.append(DailyRule(str(trigger), str(when)))
    return tuple(rules)


def _parse_moves(raw: Any, origin: str) -> dict[str, str]:
    """Triggers of the partnership workflow that events of this workflow fire (checked against that file)."""
    if raw is None:
        return {}
    moves = {str(k): str(v) for k, v in dict(raw).items() if k != _LINE}
    known = get_workflow("partnership").triggers()
    for event_name, trigger in moves.items():
        if trigger not in known:
            raise WorkflowDefinitionError(
                f"{_where(origin, raw)}: partnership_moves.{event_name} names unknown partnership trigger {trigger!r}"
            )
    return moves


def _parse_groups(raw: Any, origin: str, states: dict[str, str]) -> MappingProxyType[str, frozenset[str]]:
    """Named groups of declared states; a group naming an unknown state fails with the file and line."""
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise WorkflowDefinitionError(f"{origin}: groups must map group names to lists of states")
    groups = {}
    for name, members in raw.items():
        if name == _LINE:
            continue
        listed = _as_list(members)
        for state in listed:
            if state not in states:
                raise WorkflowDefinitionError(f"{_where(origin, raw)}: group {name!r} names unknown state {state!r}")
        groups[str(name)] = frozenset(str(state) for state in listed)
    return MappingProxyType(groups)


def _parse_labels(raw: Any, origin: str, section: str, known: Iterable[str], what: str) -> MappingProxyType[str, str]:
    """A mapping of declared names (states or groups) to the words people read; an unknown name fails at start-up."""
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise WorkflowDefinitionError(f"{origin}: {section} must map {what} names to labels")
    names = set(known)
    labels = {}
    for name, text in raw.items():
        if name == _LINE:
            continue
        if name not in names:
            raise WorkflowDefinitionError(f"{_where(origin, raw)}: {section} names unknown {what} {name!r}")
        if not isinstance(text, str) or not text.strip():
            raise WorkflowDefinitionError(f"{_where(origin, raw)}: {section}.{name} must be a non-empty text")
        labels[str(name)] = text
    return MappingProxyType(labels)


def parse_workflow(raw: dict[str, Any], origin: str) -> Workflow:
    """Check and build a workflow from its YAML data; anything unknown fails with the file, line and name."""
    if not is_registered():
        raise WorkflowDefinitionError(
            f"{origin}: the workflow rules (guards, effects, criteria) are not registered yet; "
            "call app.rules.register_all() at start-up before loading workflows"
        )
    try:
        name = str(raw["name"])
        states = {str(k): str(v) for k, v in dict(raw["states"]).items() if k != _LINE}
        initial = str(raw["initial"])
        items = list(raw["transitions"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkflowDefinitionError(f"{origin}: missing or malformed section {exc}") from None
    if name not in STATE_ATTRIBUTES:
        raise WorkflowDefinitionError(
            f"{_where(origin, raw)}: unknown workflow name {name!r}; expected one of {sorted(STATE_ATTRIBUTES)}"
        )
    if initial not in states:
        raise WorkflowDefinitionError(f"{origin}: initial state {initial!r} is not declared in states")
    transitions = tuple(_parse_transition(item, index, origin, states) for index, item in enumerate(items, start=1))
    daily = _parse_daily(raw.get("daily"), origin, {t.trigger for t in transitions})
    moves = _parse_moves(raw.get("partnership_moves"), origin)
    groups = _parse_groups(raw.get("groups"), origin, states)
    short_labels = _parse_labels(raw.get("short_labels"), origin, "short_labels", states, "state")
    group_labels = _parse_labels(raw.get("group_labels"), origin, "group_labels", groups, "group")
    # One shared machine per workflow, never one per row: it answers "which transition?" for any entity.
    machine = Machine(
        model=None,
        states=list(states),
        initial=initial,
        transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in transitions],
        auto_transitions=False,
    )
    return Workflow(
        name,
        initial,
        MappingProxyType(states),
        transitions,
        STATE_ATTRIBUTES[name],
        daily,
        moves,
        machine,
        groups,
        short_labels,
        group_labels,
    )


def load_workflow_file(path: Path) -> Workflow:
    """Read and check one workflow file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise WorkflowDefinitionError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(raw, dict):
        raise WorkflowDefinitionError(f"{path}: expected a mapping with name, initial, states and transitions")
    return parse_workflow(raw, str(path))


@lru_cache
def get_workflow(name: str) -> Workflow:
    """The workflow called ``name``, loaded from ``app/workflows/<name>.yaml``."""
    path = WORKFLOWS_DIR / f"{name}.yaml"
    if not path.exists():
        raise WorkflowDefinitionError(f"no workflow file {path}")
    return load_workflow_file(path)


def load_all() -> list[Workflow]:
    """Load and check every workflow; called at start-up so a bad file stops the process."""
    return [get_workflow(name) for name in STATE_ATTRIBUTES]


def states(workflow_name: str, group: str | None = None) -> frozenset[str]:
    """The states of a workflow, or of one of its declared groups: the only way Python code names states."""
    workflow = get_workflow(workflow_name)
    return frozenset(workflow.states) if group is None else workflow.group(group)


def label(workflow_name: str, state: str, language: str | None = None) -> str:
    """The human label of a state, as its workflow file declares it, in the reader's language."""
    return get_workflow(workflow_name).label(state, language)


def short_label(workflow_name: str, state: str, language: str | None = None) -> str:
    """A state in a word or two ("Ad hoc", "In review"), in the reader's language."""
    return get_workflow(workflow_name).short_label(state, language)


def state_name(workflow_name: str, state: str, language: str | None = None) -> str:
    """A state as a message names it (never its code): ``state_name("agreement", "in_review")``."""
    return get_workflow(workflow_name).name_of(state, language)


def state_names(
    workflow_name: str, states: Iterable[str], joiner: str | None = None, language: str | None = None
) -> str:
    """Several states as a message lists them, in the workflow's order ("draft or in review")."""
    return get_workflow(workflow_name).names_of(states, joiner, language)


def trigger_label(workflow_name: str, trigger: str, language: str | None = None) -> str:
    """What a person reads for a trigger ("submit for review"), in the reader's language."""
    return get_workflow(workflow_name).trigger_label(trigger, language)


def group_label(workflow_name: str, group: str, language: str | None = None) -> str:
    """What a person reads for a group of states (a modality), in the reader's language."""
    return get_workflow(workflow_name).group_label(group, language)
