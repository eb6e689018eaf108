"""Option values that start with ``-``: ``--order-by -createdAtTimestamp`` means what it says.

argparse takes any word that starts with ``-`` (and is not a negative number) for an option,
so ``--order-by -createdAtTimestamp`` fails with "expected one argument", though a
descending order, a search text or a token may well start with ``-``. Before parsing, such a
word is glued to the option before it (``--order-by=-createdAtTimestamp``), the form
argparse reads as written. A word that is itself an option is left alone, so a forgotten
value still gets argparse's own error instead of swallowing the next flag.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence

__all__ = ["glue_dash_values", "option_strings"]


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    # argparse has no public way to list a parser's options (see ARCHITECTURE.md)
    return list(parser._actions)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in _actions(parser):
        if isinstance(action.choices, dict):  # the subcommands: name -> parser
            for child in action.choices.values():
                if isinstance(child, argparse.ArgumentParser):
                    yield from _parsers(child)


def option_strings(parser: argparse.ArgumentParser) -> tuple[frozenset[str], frozenset[str]]:
    """The options of the whole command tree: ``(taking one value, all)``.

    An option that is a flag in one command and takes a value in another counts as a flag:
    gluing a word to it could change what a command line means.
    """
    valued: set[str] = set()
    flags: set[str] = set()
    for each in _parsers(parser):
        for action in _actions(each):
            # nargs None: exactly one value (store, append, choices); 0: a flag
            target = valued if action.nargs is None else flags
            target.update(action.option_strings)
    return frozenset(valued - flags), frozenset(valued | flags)


def glue_dash_values(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` with each value that starts with ``-`` joined to its option by ``=``.

    Args:
        parser: the whole command tree (its options are looked up in every subcommand).
        argv: the words as given.

    Returns:
        The words to parse; those after ``--`` are never touched.
    """
    valued, known = option_strings(parser)
    words = list(argv)
    glued: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            glued.extend(words[index:])
            break
        following = words[index + 1] if index + 1 < len(words) else None
        if (
            word in valued
            and following is not None
            and following.startswith("-")
            and following != "--"
            and following.split("=", 1)[0] not in known
        ):
            glued.append(f"{word}={following}")
            index += 2
            continue
        glued.append(word)
        index += 1
    return glued
