"""Diagrams drawn from the same workflow definitions that run, so documentation never drifts."""

from __future__ import annotations

from app.workflow.engine import SYSTEM_ROLE, Workflow


def mermaid(workflow: Workflow) -> str:
    """A Mermaid state diagram: every state, every transition labelled with its trigger and roles."""
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.initial}"]
    for state, description in workflow.states.items():
        lines.append(f"    {state} : {description.replace(':', ' -')}")
    for transition in workflow.transitions:
        roles = "automatic" if transition.roles == {SYSTEM_ROLE} else ", ".join(sorted(transition.roles))
        label = f"{transition.trigger} ({roles})" if roles else transition.trigger
        for source in transition.sources:
            lines.append(f"    {source} --> {transition.dest} : {label}")
    sources = {source for transition in workflow.transitions for source in transition.sources}
    for state in workflow.states:
        if state not in sources:
            lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
