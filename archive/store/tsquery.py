"""The store's search syntax (SQLite FTS5's query language) as a PostgreSQL ``tsquery``.

One syntax on both backends, so a saved query means the same thing wherever the archive lives. What maps:

- words, and "quoted phrases" (the words in a row);
- ``word*``: any word starting so;
- ``AND``, ``OR``, ``NOT`` (binary: ``a NOT b``), and words side by side meaning AND; parentheses;
- ``title:word``, ``title:"a phrase"``, ``title:(a OR b)``: only in the title (``text:`` only in the body).

FTS5's ``NEAR(...)``, ``+``, ``^`` (start of column) and ``{col1 col2}:`` column sets are refused with a
``QueryError`` on PostgreSQL; so is what FTS5 itself refuses, such as a hyphen outside quotes. Each word or
phrase is quoted for ``to_tsquery``, which splits and normalises it with the same configuration that indexed
the text, after the same punctuation is blanked out (so "COVID-19" and "Müller" match as they do in SQLite).
"""

from __future__ import annotations

import re

from archive.store.postgres import PUNCTUATION_RE
from archive.store.query import QueryError

# FTS5's barewords: ASCII letters, digits and "_", and any non-ASCII character; anything else must be quoted
TOKEN_RE = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>(?:[^"]|"")*)"(?P<pstar>\*)?'
                      r'|(?P<col>\w+):|(?P<word>(?:[A-Za-z0-9_]|[^\x00-\x7f])+\*?))')
OPERATORS = {"AND": "&", "OR": "|", "NOT": "& !"}
WEIGHTS = {"title": "A", "text": "D"}  # the index weighs title words A and body words D


def _quoted(words: str, prefix: bool, column: str | None) -> str:
    """One operand of to_tsquery: the words quoted (doubled quotes and backslashes escaped), then the
    prefix star and the column's weight."""
    words = PUNCTUATION_RE.sub(" ", words).strip() or words  # as the indexed text was split
    literal = "'" + words.replace("\\", "\\\\").replace("'", "''") + "'"
    suffix = ("*" if prefix else "") + (WEIGHTS[column] if column else "")
    return literal + (":" + suffix if suffix else "")


def to_tsquery_text(query: str) -> str:
    """The ``to_tsquery`` text for an FTS5 query, or ``QueryError`` when it uses what does not map.

    As in FTS5, words side by side bind tighter than NOT, AND and OR (``a NOT b c`` is ``a NOT (b c)``),
    and a parenthesised group cannot stand side by side with anything.
    """
    def fail(why: str) -> QueryError:
        return QueryError(f"cannot search for {query!r}: {why}")

    out: list[str] = []
    columns: list[str | None] = [None]  # the column filter in force, per parenthesis depth
    column: str | None = None  # a filter just read, for the next operand
    after_operand = False  # the last thing read was a word, a phrase or a closing parenthesis
    after_group = False  # ... a closing parenthesis
    side_by_side = False  # out ends in a run of operands side by side, opened with "("
    position = 0
    query = query.strip()

    def end_run() -> None:
        nonlocal side_by_side
        if side_by_side:
            out.append(")")
            side_by_side = False

    while position < len(query):
        match = TOKEN_RE.match(query, position)
        if not match or match.end() == position:
            raise fail(f"unexpected {query[position:].strip()[:20]!r}")
        position = match.end()
        word = match["word"]
        if match["col"]:
            if match["col"].lower() not in WEIGHTS:
                raise fail(f"no column {match['col']!r} (title or text)")
            column = match["col"].lower()
        elif word in OPERATORS:
            if not after_operand or column:
                raise fail(f"{word} needs something before it")
            end_run()
            out.append(OPERATORS[word])
            after_operand = after_group = False
        elif match["open"]:
            if after_operand:
                raise fail("a group cannot follow a word without AND, OR or NOT")
            out.append("(")
            columns.append(column or columns[-1])
            column = None
        elif match["close"]:
            if len(columns) == 1 or not after_operand or column:
                raise fail("unbalanced parentheses")
            end_run()
            out.append(")")
            columns.pop()
            after_group = True
        else:
            if word == "NEAR" and query[position:position + 1] == "(":
                raise fail("NEAR is not supported on PostgreSQL")
            if after_group:
                raise fail("a word cannot follow a group without AND, OR or NOT")
            if after_operand:  # side by side: all of them, grouped
                if not side_by_side:
                    out.insert(len(out) - 1, "(")
                    side_by_side = True
                out.append("&")
            in_force = column or columns[-1]
            if match["phrase"] is not None:
                out.append(_quoted(match["phrase"].replace('""', '"'), bool(match["pstar"]), in_force))
            else:
                out.append(_quoted(word.rstrip("*"), word.endswith("*"), in_force))
            after_operand, column = True, None
    if len(columns) > 1 or not after_operand or column:
        raise fail("it ends too early")
    end_run()
    return " ".join(out)
