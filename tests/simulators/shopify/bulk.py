"""Bulk query operations: bulkOperationRunQuery, polling, JSONL results with __parentId.

shopify.dev/docs/api/usage/bulk-operations/queries: the query must contain at least one connection, at
most five, nested at most two levels; `first` is not needed. The result is JSONL, one object per line;
objects of a nested connection are separate lines carrying `__parentId` (the id of their parent), after
their parent. From 2026-01 up to five bulk query operations may run at once per shop.
"""

import json

from graphql import (
    FieldNode,
    GraphQLSyntaxError,
    NameNode,
    SelectionSetNode,
    execute,
    get_named_type,
    parse,
    validate,
)

from .gql import published_refusals, schema_for, syntax_error, validation_error
from .payloads import bulk_operation
from .resolvers import Root
from .state import BulkOperation
from .views import Ctx

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
MAX_CONCURRENT = 5


class BulkRunner:
    def __init__(self, sim):
        self.sim = sim

    # ------------------------------------------------------------------ analysis

    def _walk(self, schema, selection_set, parent_type, depth, stats, fragments):
        for selection in selection_set.selections:
            if selection.kind == "fragment_spread":
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    self._walk(
                        schema,
                        fragment.selection_set,
                        schema.get_type(fragment.type_condition.name.value),
                        depth,
                        stats,
                        fragments,
                    )
                continue
            if selection.kind == "inline_fragment":
                cond = (
                    schema.get_type(selection.type_condition.name.value) if selection.type_condition else None
                )
                self._walk(schema, selection.selection_set, cond or parent_type, depth, stats, fragments)
                continue
            fields = getattr(parent_type, "fields", {}) or {}
            field_def = fields.get(selection.name.value)
            if field_def is None or selection.selection_set is None:
                continue
            named = get_named_type(field_def.type)
            here = depth
            if named.name.endswith("Connection"):
                stats["connections"] += 1
                here = depth + 1
                stats["depth"] = max(stats["depth"], here)
            self._walk(schema, selection.selection_set, named, here, stats, fragments)

    def _inject_ids(self, selection_set, parent_type):
        """Make every object that has nested connections select `id` (its children's __parentId).

        Returns the new selection set and whether it contains a connection somewhere below.
        """
        new, contains = [], False
        fields = getattr(parent_type, "fields", {}) or {}
        for selection in selection_set.selections:
            field_def = fields.get(selection.name.value) if selection.kind == "field" else None
            if field_def is None or selection.selection_set is None:
                new.append(selection)
                continue
            named = get_named_type(field_def.type)
            sub, sub_contains = self._inject_ids(selection.selection_set, named)
            contains = contains or sub_contains or named.name.endswith("Connection")
            new.append(
                FieldNode(
                    alias=selection.alias,
                    name=selection.name,
                    arguments=selection.arguments,
                    directives=selection.directives,
                    selection_set=sub,
                    loc=selection.loc,
                )
            )
        has_id = any(s.kind == "field" and s.name.value == "id" and s.alias is None for s in new)
        if (
            contains
            and "id" in fields
            and not parent_type.name.endswith(("Connection", "Edge"))
            and not has_id
        ):
            new.append(FieldNode(name=NameNode(value="id"), arguments=(), directives=()))
        return SelectionSetNode(selections=tuple(new)), contains

    # ------------------------------------------------------------------ run

    def run(self, ctx, query, group_objects=False):
        store = self.sim.store
        running = [
            op
            for op in store.bulk_operations.values()
            if op.type == "QUERY" and op.status in ("CREATED", "RUNNING")
        ]
        for op in running:
            self.refresh(op)
        running = [op for op in running if op.status in ("CREATED", "RUNNING")]
        if len(running) >= MAX_CONCURRENT:
            return None, [
                (
                    None,
                    f"A bulk query operation for this app and shop is already in progress: "
                    f"gid://shopify/BulkOperation/{running[-1].id}. Limit of {MAX_CONCURRENT} concurrent "
                    "bulk "
                    "query operations reached.",
                    "OPERATION_IN_PROGRESS",
                )
            ]
        schema = schema_for(ctx.version)
        try:
            document = parse(query)
        except GraphQLSyntaxError as exc:
            return None, [(["query"], f"Invalid bulk query: {syntax_error(exc)['message']}", "INVALID")]
        # The bulk query is a document too: Shopify's published schema checks it first.
        refused = published_refusals(self.sim.published.schema(ctx.version), document, None, None)
        if refused:
            self.sim.record_schema_violation(ctx.version, {"query": query}, refused)
            return None, [(["query"], f"Invalid bulk query: {refused[0]['message']}", "INVALID")]
        errors = validate(schema, document)
        if errors:
            return None, [
                (
                    ["query"],
                    f"Invalid bulk query: {validation_error(errors[0], document)['message']}",
                    "INVALID",
                )
            ]
        operations = [d for d in document.definitions if d.kind == "operation_definition"]
        fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
        if len(operations) != 1 or operations[0].operation.value != "query":
            return None, [(["query"], "Bulk queries must contain exactly one query operation.", "INVALID")]
        operation = operations[0]
        stats = {"connections": 0, "depth": 0}
        self._walk(schema, operation.selection_set, schema.query_type, 0, stats, fragments)
        if stats["connections"] == 0:
            return None, [(["query"], "Bulk queries must contain at least one connection.", "INVALID")]
        if stats["connections"] > MAX_CONNECTIONS:
            return None, [
                (
                    ["query"],
                    f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.",
                    "INVALID",
                )
            ]
        if stats["depth"] > MAX_DEPTH:
            return None, [
                (
                    ["query"],
                    f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}.",
                    "INVALID",
                )
            ]
        new_selection, _nested = self._inject_ids(operation.selection_set, schema.query_type)
        operation.selection_set = new_selection

        op = BulkOperation(
            id=store.next_id("BulkOperation"),
            query=query,
            created_at=store.now(),
            created_monotonic=self.sim.clock.monotonic(),
        )
        store.bulk_operations[op.id] = op
        bulk_ctx = Ctx(self.sim, ctx.version, bulk=True)
        bulk_ctx.scopes = set(ctx.scopes)
        result = execute(schema, document, root_value=Root(bulk_ctx), context_value=bulk_ctx)
        if result.errors:
            codes = {(e.extensions or {}).get("code") for e in result.errors}
            op.error_code = "ACCESS_DENIED" if "ACCESS_DENIED" in codes else "INTERNAL_SERVER_ERROR"
            return op, []
        lines, roots = [], 0
        for value in (result.data or {}).values():
            if _is_connection(value):
                for node in _nodes(value):
                    roots += 1
                    _emit(node, None, lines)
            elif isinstance(value, dict):
                roots += 1
                _emit(value, None, lines)
        op.data = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
        op.object_count, op.root_object_count = len(lines), roots
        return op, []

    def refresh(self, op):
        """Advance a bulk operation: RUNNING on the first look, COMPLETED (or FAILED) afterwards."""
        if op.status not in ("CREATED", "RUNNING"):
            return
        op.polls += 1
        elapsed = self.sim.clock.monotonic() - op.created_monotonic
        if op.status == "CREATED":
            op.status = "RUNNING"
        if op.polls > self.sim.bulk_polls_until_complete or elapsed >= self.sim.bulk_seconds:
            self.complete(op)

    def complete(self, op):
        if op.status not in ("CREATED", "RUNNING"):
            return
        store = self.sim.store
        op.completed_at = store.now()
        op.status = "FAILED" if op.error_code else "COMPLETED"
        store.emit("bulk_operations/finish", bulk_operation(store, op))

    def tick(self):
        for op in list(self.sim.store.bulk_operations.values()):
            if op.status in ("CREATED", "RUNNING"):
                elapsed = self.sim.clock.monotonic() - op.created_monotonic
                if elapsed >= self.sim.bulk_seconds:
                    self.complete(op)


def _is_connection(value):
    return (
        isinstance(value, dict)
        and value
        and set(value) <= {"edges", "nodes", "pageInfo"}
        and ("edges" in value or "nodes" in value)
    )


def _nodes(connection):
    if "nodes" in connection and isinstance(connection["nodes"], list):
        yield from connection["nodes"]
    elif isinstance(connection.get("edges"), list):
        for edge in connection["edges"]:
            if isinstance(edge, dict) and isinstance(edge.get("node"), dict):
                yield edge["node"]


def _strip(value, children):
    """Copy of an object without its nested connections (collected into `children`)."""
    out = {}
    for key, item in value.items():
        if _is_connection(item):
            children.append(item)
        elif isinstance(item, dict):
            out[key] = _strip(item, children)
        else:
            out[key] = item
    return out


def _emit(node, parent_id, lines):
    children = []
    line = _strip(node, children)
    if parent_id is not None:
        line["__parentId"] = parent_id
    lines.append(line)
    for connection in children:
        for child in _nodes(connection):
            _emit(child, node.get("id"), lines)
