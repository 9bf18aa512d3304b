"""The `query:` argument of Shopify connections (search syntax), reduced to what the connector sends.

Supported: `field:value`, `field:>value` (also >=, <, <=), quoted values ('...' or "..."), `value*`
prefix wildcards, `-field:value` / `NOT field:value` negation, implicit AND, `OR` between terms, and bare
words (free text). Unknown fields are ignored with a warning in `extensions.search`, as Shopify does
("Invalid search field for this query.").
"""

import re

from .util import parse_time

TOKEN_RE = re.compile(
    r"""\s*(?:(-)?([A-Za-z_][\w.]*):(>=|<=|>|<|=)?('[^']*'|"[^"]*"|\S+)|("[^"]*"|'[^']*'|\S+))"""
)


class Term:
    __slots__ = ("field", "op", "value", "negated")

    def __init__(self, field, op, value, negated=False):
        self.field, self.op, self.value, self.negated = field, op, value, negated


def parse(query):
    """Parsed query: list of OR-groups, each a list of Terms (AND)."""
    groups, current, negate_next = [], [], False
    for match in TOKEN_RE.finditer(query or ""):
        neg, field, op, value, word = match.groups()
        if word is not None:
            upper = word.upper()
            if upper == "OR":
                groups.append(current)
                current = []
                continue
            if upper == "AND":
                continue
            if upper == "NOT":
                negate_next = True
                continue
            current.append(Term(None, "=", word.strip("'\""), negate_next))
        else:
            current.append(Term(field.lower(), op or "=", value.strip("'\""), bool(neg) or negate_next))
        negate_next = False
    groups.append(current)
    return [group for group in groups if group]


def _compare(actual, op, expected, kind):
    if actual is None:
        return False
    if kind == "date":
        expected_dt = parse_time(expected)
        if expected_dt is None:
            return False
        left, right = parse_time(actual), expected_dt
        if len(expected) == 10 and op == "=":  # a bare date matches the whole day
            return left.date() == right.date()
    elif kind == "int":
        try:
            left, right = int(actual), int(str(expected).rsplit("/", 1)[-1])
        except ValueError:
            return False
    else:
        left, right = str(actual).lower(), str(expected).lower()
        if op == "=":
            if right.endswith("*"):
                return left.startswith(right[:-1])
            return left == right
    return {
        "=": left == right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def build_filter(query, fields, text_fields=()):
    """(predicate(record) -> bool, warnings) for a search query.

    `fields` maps a search field to (getter(record) -> value or list of values, kind) with kind one of
    'str', 'int', 'date'. `text_fields` are getters used for free-text words.
    """
    warnings = []
    groups = []
    for group in parse(query):
        kept = []
        for term in group:
            if term.field is not None and term.field not in fields:
                warnings.append({"field": term.field, "message": "Invalid search field for this query."})
                continue
            kept.append(term)
        if kept:
            groups.append(kept)

    def term_matches(record, term):
        if term.field is None:
            needle = term.value.lower().rstrip("*")
            hit = any(needle in str(getter(record) or "").lower() for getter in text_fields)
        else:
            getter, kind = fields[term.field]
            values = getter(record)
            values = values if isinstance(values, list | tuple | set) else [values]
            hit = any(_compare(value, term.op, term.value, kind) for value in values)
        return hit != term.negated

    def predicate(record):
        if not groups:
            return True
        return any(all(term_matches(record, term) for term in group) for group in groups)

    return predicate, warnings
