"""Calculated query cost and the leaky bucket of the GraphQL Admin API.

Rules (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits and Shopify Engineering, "Rate
limiting GraphQL APIs by calculating query complexity"):
- scalar and enum fields cost 0; `__typename` 0;
- an object (or interface/union) field costs 1 plus the cost of its selection;
- a connection costs 2 plus `first` (or `last`) times the cost of one node (edges/nodes/pageInfo
  wrappers themselves are free); nested connections multiply;
- a mutation field costs 10 (connections in its payload are added on top);
- the requested cost is computed before execution from the document and variables; the actual cost
  from what was returned (null objects cost nothing, connections count the nodes really returned).
Plain lists of objects cost one object each when sized by `ids`/`first`, else one object.
"""

import threading

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, get_named_type

MUTATION_COST = 10
CONNECTION_COST = 2
MAX_QUERY_COST = 1000


def _is_composite(named):
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


class CostCalculator:
    """Requested and actual cost of one operation."""

    def __init__(self, schema, operation, fragments, variables):
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables or {}
        self.is_mutation = operation.operation.value == "mutation"
        self.root = schema.mutation_type if self.is_mutation else schema.query_type

    # ------------------------------------------------------------------ helpers

    def _arg(self, node, name):
        for arg in node.arguments or ():
            if arg.name.value == name:
                value = arg.value
                if value.kind == "variable":
                    return self.variables.get(value.name.value)
                if value.kind == "int_value":
                    return int(value.value)
                if value.kind == "list_value":
                    return list(value.values)
                return None
        return None

    def _fields(self, selection_set, parent_type, seen=frozenset()):
        """Flatten a selection set into [(field_node, parent_type, fragment_type_or_None)]."""
        out = []
        for selection in selection_set.selections:
            if selection.kind == "field":
                out.append((selection, parent_type, None))
            elif selection.kind == "inline_fragment":
                cond = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else None
                )
                for field, ptype, _ in self._fields(selection.selection_set, cond or parent_type, seen):
                    out.append((field, ptype, cond if cond is not None and cond is not parent_type else None))
            elif selection.kind == "fragment_spread":
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                cond = self.schema.get_type(fragment.type_condition.name.value)
                for field, ptype, _ in self._fields(fragment.selection_set, cond, seen | {name}):
                    out.append((field, ptype, cond if cond is not parent_type else None))
        return out

    def _selection_cost(self, selection_set, parent_type, in_mutation_payload=False):
        """Cost of a selection set; fragments on different concrete types count their maximum."""
        common, by_type = 0, {}
        for field, ptype, cond in self._fields(selection_set, parent_type):
            cost = self._field_cost(field, ptype, in_mutation_payload)
            if cond is None:
                common += cost
            else:
                by_type[cond.name] = by_type.get(cond.name, 0) + cost
        return common + (max(by_type.values()) if by_type else 0)

    def _field_def(self, node, parent_type):
        fields = getattr(parent_type, "fields", None) or {}
        return fields.get(node.name.value)

    def _field_cost(self, node, parent_type, in_mutation_payload):
        if node.name.value.startswith("__"):
            return 0
        field_def = self._field_def(node, parent_type)
        if field_def is None:
            return 0
        named = get_named_type(field_def.type)
        if not _is_composite(named):
            return 0
        if named.name.endswith("Connection"):
            size = self._arg(node, "first") or self._arg(node, "last") or 0
            return CONNECTION_COST + size * self._node_cost(node, named, in_mutation_payload)
        children = (
            self._selection_cost(node.selection_set, named, in_mutation_payload) if node.selection_set else 0
        )
        if in_mutation_payload:
            return children  # payload objects ride on the mutation's flat cost; connections still add up
        multiplier = 1
        ids = self._arg(node, "ids")
        if isinstance(ids, list):
            multiplier = max(len(ids), 1)
        elif isinstance(self._arg(node, "first"), int):
            multiplier = max(self._arg(node, "first"), 1)
        return multiplier * (1 + children)

    def _node_cost(self, node, connection_type, in_mutation_payload):
        """Cost of one node of a connection: 1 + its selection, through edges{node} and nodes."""
        if node.selection_set is None:
            return 1
        total = 0
        for field, _ptype, _cond in self._fields(node.selection_set, connection_type):
            name = field.name.value
            if name == "nodes" and field.selection_set is not None:
                item_type = get_named_type(connection_type.fields["nodes"].type)
                total += 1 + self._selection_cost(field.selection_set, item_type, False)
            elif name == "edges" and field.selection_set is not None:
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for sub, _p, _c in self._fields(field.selection_set, edge_type):
                    if sub.name.value == "node" and sub.selection_set is not None:
                        item_type = get_named_type(edge_type.fields["node"].type)
                        total += 1 + self._selection_cost(sub.selection_set, item_type, False)
        return max(total, 1)

    # ------------------------------------------------------------------ public

    def requested(self):
        total = 0
        for field, ptype, _cond in self._fields(self.operation.selection_set, self.root):
            if self.is_mutation and not field.name.value.startswith("__"):
                field_def = self._field_def(field, ptype)
                payload = get_named_type(field_def.type) if field_def else None
                children = 0
                if payload is not None and field.selection_set is not None:
                    children = self._selection_cost(field.selection_set, payload, in_mutation_payload=True)
                total += MUTATION_COST + children
            else:
                total += self._field_cost(field, ptype, False)
        return total

    def actual(self, data):
        """Cost of what the response really holds."""
        if not isinstance(data, dict):
            return 0
        total = 0
        for field, ptype, _cond in self._fields(self.operation.selection_set, self.root):
            key = field.alias.value if field.alias else field.name.value
            if key not in data:
                continue
            if self.is_mutation and not field.name.value.startswith("__"):
                field_def = self._field_def(field, ptype)
                payload = get_named_type(field_def.type) if field_def else None
                children = 0
                if payload is not None and field.selection_set is not None and isinstance(data[key], dict):
                    children = self._actual_selection(field.selection_set, payload, data[key], True)
                total += MUTATION_COST + children
            else:
                total += self._actual_field(field, ptype, data[key], False)
        return total

    def _actual_selection(self, selection_set, parent_type, value, in_mutation_payload):
        total = 0
        for field, ptype, _cond in self._fields(selection_set, parent_type):
            key = field.alias.value if field.alias else field.name.value
            if key in value:
                total += self._actual_field(field, ptype, value[key], in_mutation_payload)
        return total

    def _actual_field(self, node, parent_type, value, in_mutation_payload):
        field_def = self._field_def(node, parent_type)
        if field_def is None or value is None:
            return 0
        named = get_named_type(field_def.type)
        if not _is_composite(named):
            return 0
        if named.name.endswith("Connection"):
            return CONNECTION_COST + self._actual_connection(node, named, value)
        if isinstance(value, list):
            return sum(self._actual_object(node, named, item, in_mutation_payload) for item in value)
        return self._actual_object(node, named, value, in_mutation_payload)

    def _actual_object(self, node, named, value, in_mutation_payload):
        if value is None:
            return 0
        children = 0
        if node.selection_set is not None and isinstance(value, dict):
            children = self._actual_selection(node.selection_set, named, value, in_mutation_payload)
        return children if in_mutation_payload else 1 + children

    def _actual_connection(self, node, connection_type, value):
        if node.selection_set is None or not isinstance(value, dict):
            return 0
        total = 0
        for field, _ptype, _cond in self._fields(node.selection_set, connection_type):
            key = field.alias.value if field.alias else field.name.value
            items = value.get(key)
            if field.name.value == "nodes" and isinstance(items, list):
                item_type = get_named_type(connection_type.fields["nodes"].type)
                total += sum(self._actual_object(field, item_type, item, False) for item in items)
            elif field.name.value == "edges" and isinstance(items, list):
                edge_type = get_named_type(connection_type.fields["edges"].type)
                item_type = get_named_type(edge_type.fields["node"].type)
                for edge in items:
                    for sub, _p, _c in self._fields(field.selection_set, edge_type):
                        sub_key = sub.alias.value if sub.alias else sub.name.value
                        if sub.name.value == "node" and isinstance(edge, dict):
                            total += self._actual_object(sub, item_type, edge.get(sub_key), False)
        return total


class LeakyBucket:
    """Per app+shop bucket: `maximum` points, refilled at `restore_rate` points per second.

    A request may run only if its requested cost fits what is available; the requested cost is taken
    before execution and the difference to the actual cost is given back afterwards.
    """

    def __init__(self, clock, maximum=2000.0, restore_rate=100.0):
        self.clock = clock
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self._available = float(maximum)
        self._stamp = clock.monotonic()
        self._lock = threading.Lock()

    def _refill(self):
        now = self.clock.monotonic()
        elapsed = max(now - self._stamp, 0.0)
        self._stamp = now
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)

    def try_take(self, cost):
        """Take `cost` points if available; False (nothing taken) when the request must be throttled."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points):
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + max(points, 0))

    def drain(self, points=None):
        """Test helper: empty the bucket (or take `points`)."""
        with self._lock:
            self._refill()
            self._available = max(0.0, self._available - (self.maximum if points is None else points))

    @property
    def available(self):
        with self._lock:
            self._refill()
            return self._available

    def status(self):
        def num(value):
            return int(value) if float(value).is_integer() else value

        return {
            "maximumAvailable": num(self.maximum),
            "currentlyAvailable": int(self.available),
            "restoreRate": num(self.restore_rate),
        }
