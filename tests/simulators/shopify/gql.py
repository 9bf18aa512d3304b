"""Schema per API version, and errors shaped like Shopify's (graphql-ruby) rather than graphql-core's.

Shopify answers a malformed or invalid document with HTTP 200 and an `errors` list whose messages come
from graphql-ruby ("Field 'x' doesn't exist on type 'Y'", extensions.code "undefinedField", a `path`
starting with the operation). graphql-core validates just as strictly, so the simulator validates with
graphql-core and rewrites the messages of the common rules into graphql-ruby's wording.
"""

import functools
import re
from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    OperationDefinitionNode,
    build_schema,
    get_named_type,
    print_ast,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values
from graphql.language import Visitor
from graphql.utilities import get_operation_ast

from .util import version_at_least

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
MARKER_RE = re.compile(r"#@(until|since):(\d{4}-\d{2}|unstable)\s*$")
MAX_PAGE = 250
MAX_INPUT_ARRAY = 250
# Input lists Shopify documents with a larger cap than the generic 250 (productSet takes up to 2,048
# variants per product since 2024-07/2025-xx); they are checked by the resolver instead.
INPUT_ARRAY_EXEMPT = {("ProductSetInput", "variants")}
BULK_HINT = (
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)


def _schema_source(version):
    lines = []
    for line in SCHEMA_FILE.read_text().splitlines():
        match = MARKER_RE.search(line)
        if match:
            kind, ref = match.groups()
            newer = version_at_least(version, ref)
            if (kind == "until" and newer) or (kind == "since" and not newer):
                continue
        lines.append(line)
    return "\n".join(lines)


def _variant_key(version):
    refs = sorted(set(MARKER_RE.findall(SCHEMA_FILE.read_text())))
    return tuple(version_at_least(version, ref) for _, ref in refs)


@functools.lru_cache(maxsize=8)
def _build(source):
    schema = build_schema(source)
    # UnsignedInt64 travels as a string in Shopify's responses (legacyResourceId: "1234").
    schema.type_map["UnsignedInt64"].serialize = str
    # So does BigInt ("encoded as a string": sourceId, sourceOrderTransactionId).
    schema.type_map["BigInt"].serialize = str
    return schema


def schema_for(version):
    """The GraphQLSchema served for an API version (fields removed in that version are absent)."""
    return _build(_schema_source(version))


# ------------------------------------------------------------------------------------------------ errors


def shopify_error(message, code=None, locations=None, path=None, **extensions):
    error = {"message": message}
    if locations:
        error["locations"] = locations
    if path:
        error["path"] = path
    if code:
        extensions = {"code": code, **extensions}
    if extensions:
        error["extensions"] = extensions
    return error


def _loc(nodes):
    out = []
    for node in nodes or ():
        if node is not None and node.loc is not None:
            loc = node.loc.source.get_location(node.loc.start)
            out.append({"line": loc.line, "column": loc.column})
    return out


def operation_label(operation):
    kind = operation.operation.value
    return f"{kind} {operation.name.value}" if operation.name else kind


def _paths(document):
    """Map id(node) -> graphql-ruby style path ['query Name', 'field', 'sub'] for every node."""
    paths = {}

    class PathVisitor(Visitor):
        def __init__(self):
            super().__init__()
            self.stack = []

        def enter(self, node, *_args):
            if isinstance(node, OperationDefinitionNode):
                self.stack.append(operation_label(node))
            elif isinstance(node, FieldNode):
                self.stack.append(node.name.value)
            paths[id(node)] = list(self.stack)

        def leave(self, node, *_args):
            if isinstance(node, OperationDefinitionNode | FieldNode):
                self.stack.pop()

    visit(document, PathVisitor())
    return paths


_RULES = [
    (
        re.compile(r"^Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        ),
    ),
    (
        re.compile(r"^Unknown argument '(?P<arg>[^']+)' on field '(?P<type>[^'.]+)\.(?P<field>[^']+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["arg"],
            },
        ),
    ),
    (
        re.compile(r"^Field '(?P<field>[^']+)' argument '(?P<arg>[^']+)' of type '[^']+' is required"),
        lambda m: (
            f"Field '{m['field']}' is missing required arguments: {m['arg']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["arg"],
            },
        ),
    ),
    (
        re.compile(r"^Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection of subfields"),
        lambda m: (
            f"Field must have selections (field '{m['field']}' returns {m['type']} but has no selections. "
            f"Did you mean '{m['field']} {{ ... }}'?)",
            {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'", "typeName": m["type"]},
        ),
    ),
    (
        re.compile(r"^Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)'"),
        lambda m: (
            f"Selections can't be made on scalars (field '{m['field']}' returns {m['type']} "
            "but has selections)",
            {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'", "typeName": m["type"]},
        ),
    ),
    (
        re.compile(
            r"^Variable '\$(?P<var>[^']+)' of type '(?P<vt>[^']+)' used in position expecting type "
            r"'(?P<et>[^']+)'"
        ),
        lambda m: (
            f"Type mismatch on variable ${m['var']} and argument ({m['vt']} / {m['et']})",
            {"code": "variableMismatch", "variableName": m["var"], "typeName": m["vt"]},
        ),
    ),
    (
        re.compile(r"^Unknown type '(?P<type>[^']+)'\."),
        lambda m: (f"{m['type']} isn't a defined input type", {"code": "variableRequiresValidType"}),
    ),
    (
        re.compile(r"^Variable '\$(?P<var>[^']+)' is never used"),
        lambda m: (
            f"Variable ${m['var']} is declared by anonymous query but not used",
            {"code": "variableNotUsed", "variableName": m["var"]},
        ),
    ),
    (
        re.compile(r"^Variable '\$(?P<var>[^']+)' is not defined"),
        lambda m: (
            f"Variable ${m['var']} is used by anonymous query but not declared",
            {"code": "variableNotDefined", "variableName": m["var"]},
        ),
    ),
]


def validation_error(error, document):
    """graphql-core validation GraphQLError -> Shopify-shaped error dict."""
    message, extensions = error.message, {}
    for pattern, render in _RULES:
        match = pattern.match(error.message)
        if match:
            message, extensions = render(match)
            break
    paths = _paths(document) if document is not None else {}
    path = paths.get(id(error.nodes[0])) if error.nodes else None
    return shopify_error(message, locations=_loc(error.nodes), path=path, **extensions)


_TOKEN_KINDS = {
    "}": "RCURLY",
    "{": "LCURLY",
    ")": "RPAREN",
    "(": "LPAREN",
    "]": "RBRACKET",
    "[": "LBRACKET",
    ":": "COLON",
    "!": "BANG",
    "$": "VAR_SIGN",
    "=": "EQUALS",
    "@": "DIR_SIGN",
    "...": "ELLIPSIS",
}


def syntax_error(error):
    """GraphQLSyntaxError -> graphql-ruby parse error: 'Parse error on "}" (RCURLY) at [1, 10]'."""
    line, column = (error.locations[0].line, error.locations[0].column) if error.locations else (1, 1)
    found = re.search(r"found (?:'([^']*)'|<EOF>|(\S+))", error.message)
    if found and found.group(1) is not None:
        token = found.group(1)
        kind = _TOKEN_KINDS.get(token, "IDENTIFIER" if token[:1].isalpha() else "UNKNOWN_CHAR")
        message = f'Parse error on "{token}" ({kind}) at [{line}, {column}]'
    elif "<EOF>" in error.message:
        message = f"Parse error on end of document at [{line}, {column}]"
    else:
        message = f"Parse error at [{line}, {column}]: {error.message}"
    return shopify_error(message, locations=[{"line": line, "column": column}])


def variable_error(error):
    """Variable coercion error (graphql-core) -> graphql-ruby's 'was provided invalid value'."""
    match = re.match(r"^Variable '\$(?P<var>[^']+)' (?P<rest>.*)$", error.message, re.S)
    if not match:
        return shopify_error(error.message, locations=_loc(error.nodes))
    rest = match["rest"]
    typ = re.search(r"of (?:required |non-null )?type '([^']+)'", rest)
    declared = getattr(error.nodes[0], "type", None) if error.nodes else None  # the variable definition
    typ = typ.group(1) if typ else (print_ast(declared) if declared is not None else "?")
    message = f"Variable ${match['var']} of type {typ} was provided invalid value"
    return shopify_error(
        message,
        locations=_loc(error.nodes),
        code="INVALID_VARIABLE",
        value=None,
        problems=[{"path": [], "explanation": rest}],
    )


def published_refusals(published, document, operation_name, variables):
    """What Shopify's published schema of the requested version finds wrong in a document: validation
    errors, else the variables' coercion errors (an input field, enum value or null it does not accept),
    in Shopify's shape. [] when it accepts the document (or when there is no published schema)."""
    if published is None:
        return []
    errors = validate(published, document)
    if errors:
        return [validation_error(e, document) for e in errors]
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []  # the simulator's own check answers it
    coerced = get_variable_values(published, operation.variable_definitions or (), variables or {})
    return [variable_error(e) for e in coerced] if isinstance(coerced, list) else []


# ------------------------------------------------------------------------------------------------ limits


class ShopifyChecks:
    """Shopify-specific static rules run after GraphQL validation, with variables known.

    - every connection field needs `first` or `last` (unless in a bulk query), at most 250;
    - every input array holds at most 250 items (MAX_INPUT_SIZE_EXCEEDED).
    """

    def __init__(self, schema, document, operation, variables, fragments, bulk=False):
        self.schema = schema
        self.document = document
        self.operation = operation
        self.variables = variables or {}
        self.fragments = fragments
        self.bulk = bulk
        self.errors = []
        self._label = operation_label(operation)

    def run(self):
        root = (
            self.schema.mutation_type
            if self.operation.operation.value == "mutation"
            else self.schema.query_type
        )
        self._selection_set(self.operation.selection_set, root, [self._label], set())
        return self.errors

    def _selection_set(self, selection_set, parent_type, path, seen_fragments):
        for selection in selection_set.selections:
            kind = selection.kind
            if kind == "field":
                self._field(selection, parent_type, path)
            elif kind == "inline_fragment":
                cond = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else None
                )
                self._selection_set(selection.selection_set, cond or parent_type, path, seen_fragments)
            elif kind == "fragment_spread":
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen_fragments:
                    continue
                cond = self.schema.get_type(fragment.type_condition.name.value)
                self._selection_set(fragment.selection_set, cond, path, seen_fragments | {name})

    def _field(self, node, parent_type, path):
        name = node.name.value
        if name.startswith("__") or not hasattr(parent_type, "fields") or name not in parent_type.fields:
            return
        field_def = parent_type.fields[name]
        here = [*path, node.name.value]
        args = {arg.name.value: self._value(arg.value) for arg in node.arguments or ()}
        named = get_named_type(field_def.type)
        if named.name.endswith("Connection") and not self.bulk:
            first, last = args.get("first"), args.get("last")
            if first is None and last is None:
                self.errors.append(
                    shopify_error("you must provide one of first or last", locations=_loc([node]), path=here)
                )
            if last is not None and args.get("before") is None:
                self.errors.append(
                    shopify_error(
                        "using last without before is not supported", locations=_loc([node]), path=here
                    )
                )
            for arg_name, value in (("first", first), ("last", last)):
                if isinstance(value, int) and value > MAX_PAGE:
                    self.errors.append(
                        shopify_error(
                            f"{arg_name} cannot exceed {MAX_PAGE}. {BULK_HINT}",
                            locations=_loc([node]),
                            path=here,
                        )
                    )
        for arg_name, arg_def in field_def.args.items():
            if arg_name in args:
                self._input_sizes(args[arg_name], arg_def.type, [*here, arg_name], node)
        if node.selection_set is not None:
            self._selection_set(node.selection_set, named, here, set())

    def _input_sizes(self, value, typ, path, node, owner=None):
        if value is None:
            return
        if isinstance(typ, GraphQLNonNull):
            typ = typ.of_type
        if isinstance(typ, GraphQLList):
            if not isinstance(value, list):
                value = [value]
            if len(value) > MAX_INPUT_ARRAY and owner not in INPUT_ARRAY_EXEMPT:
                self.errors.append(
                    shopify_error(
                        f"The input array size of {len(value)} is greater than the maximum allowed of "
                        f"{MAX_INPUT_ARRAY}.",
                        code="MAX_INPUT_SIZE_EXCEEDED",
                        locations=_loc([node]),
                        path=path,
                    )
                )
                return
            for index, item in enumerate(value[: MAX_INPUT_ARRAY * 10]):
                self._input_sizes(item, typ.of_type, [*path, index], node)
        elif isinstance(typ, GraphQLInputObjectType) and isinstance(value, dict):
            for name, field in typ.fields.items():
                if name in value:
                    self._input_sizes(value[name], field.type, [*path, name], node, owner=(typ.name, name))

    def _value(self, node):
        """Python value of an argument AST node, resolving variables from the raw variables."""
        kind = node.kind
        if kind == "variable":
            return self.variables.get(node.name.value)
        if kind == "int_value":
            return int(node.value)
        if kind == "float_value":
            return float(node.value)
        if kind in ("string_value", "enum_value"):
            return node.value
        if kind == "boolean_value":
            return node.value
        if kind == "null_value":
            return None
        if kind == "list_value":
            return [self._value(item) for item in node.values]
        if kind == "object_value":
            return {field.name.value: self._value(field.value) for field in node.fields}
        return None


def raise_error(message, code=None, **extensions):
    """GraphQLError for resolvers (graphql-core adds locations and path)."""
    ext = {"code": code, **extensions} if code else (extensions or None)
    raise GraphQLError(message, extensions=ext)
