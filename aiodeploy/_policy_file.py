"""Reading a policy file (YAML, or JSON): its data, and the line of every key in it, so that
a mistake is reported as ``file:line``.

YAML is read with PyYAML's safe loader; JSON with the standard library (its syntax errors
carry their line), its key lines taken from the same text read as YAML (JSON is YAML). A
key given twice in one object is an error: YAML would silently keep the last.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import AiodeployError

__all__ = ["KeyLines", "PolicyError", "read_policy_file"]

KeyLines = dict[tuple[str, ...], int]
"""The 1-based line of each key, by its path from the top (``("settings", "health")``)."""


class PolicyError(AiodeployError, ValueError):
    """A policy file cannot be used: unreadable, malformed, or naming an unknown family,
    field or filter, or a value of the wrong kind. Raised before any request.

    Attributes:
        source: the file (or ``<policy>`` for a policy given as data).
        line: the 1-based line of the mistake, when known.
        problem: what is wrong.
    """

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


def _key_lines(node: yaml.Node, found: KeyLines, source: str) -> None:
    """Record the line of every key under ``node``, refusing repeated keys.

    Iterative, and each node is walked once: a YAML alias is the node of its anchor, so an
    alias inside its own anchor makes a cycle (refused), and aliases of aliases would
    otherwise be walked once per use, exponentially often ("billion laughs").
    """
    walked: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...], frozenset[int]]] = [(node, (), frozenset())]
    while stack:
        node, path, inside = stack.pop()
        if id(node) in inside:
            line = node.start_mark.line + 1
            dotted = ".".join(path) or "the policy"
            raise PolicyError(source, line, f"{dotted} refers to itself (an alias in its anchor)")
        if id(node) in walked:
            continue  # an alias of a node already read: its lines are known
        walked.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                line = key.start_mark.line + 1
                if name in seen:
                    dotted = ".".join((*path, name))
                    raise PolicyError(source, line, f"{dotted} is given twice")
                seen.add(name)
                where = (*path, name)
                found[where] = line
                stack.append((value, where, inside | {id(node)}))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                where = (*path, str(index))
                found.setdefault(where, item.start_mark.line + 1)
                stack.append((item, where, inside | {id(node)}))


def _yaml_problem(source: str, exc: yaml.YAMLError) -> PolicyError:
    mark = getattr(exc, "problem_mark", None)
    line = None if mark is None else mark.line + 1
    problem = getattr(exc, "problem", None) or str(exc)
    return PolicyError(source, line, f"not valid YAML: {problem}")


def read_policy_file(path: str | Path) -> tuple[Any, KeyLines]:
    """The data of a policy file and the lines of its keys.

    Args:
        path: a ``.json`` file is read as JSON; any other as YAML.

    Raises:
        PolicyError: the file cannot be read or parsed, repeats a key, refers to itself
            (a YAML alias inside its own anchor) or is nested too deeply.
    """
    source = str(path)
    try:
        # utf-8-sig: Notepad and PowerShell save "UTF-8" with a byte order mark, which
        # json.loads refuses (YAML and CSV plans skip it already)
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(source, None, f"cannot read the policy: {exc}") from None
    try:
        return _parse(source, text)
    except RecursionError:  # the parsers recurse per level of nesting
        raise PolicyError(source, None, "the policy is nested too deeply") from None


def _parse(source: str, text: str) -> tuple[Any, KeyLines]:
    lines: KeyLines = {}
    if source.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(source, exc.lineno, f"not valid JSON: {exc.msg}") from None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None  # valid JSON YAML cannot read (rare): errors go without a line
        if node is not None:
            _key_lines(node, lines, source)
        return data, lines
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(source, exc) from None
    if node is not None:
        _key_lines(node, lines, source)  # first: it refuses a policy that refers to itself
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_problem(source, exc) from None
    return data, lines
