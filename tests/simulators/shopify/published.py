"""Shopify's published Admin API schemas: every document the simulator receives is checked against them.

The simulator answers from its own `schema.graphql`, a hand-written subset of Shopify's schema. A subset
can drift: a field, argument or enum value Shopify never had, or a nullability Shopify does not allow,
would let a document pass here that the real API refuses. So each document is also validated (and its
variables coerced) against the schema Shopify publishes for the requested API version; a refusal is
answered as the real API answers (a GraphQL error) and recorded in `ShopifySimulator.schema_violations`
so that the test that sent it fails (see `ShopifySimulator.take_schema_violations`).

Shopify ships these schemas as introspection JSON in the npm package `@shopify/dev-mcp`
(`dist/data/admin_<version>.json.gz`). They are not committed: `scripts/lib.sh`
(`ensure_shopify_schemas`) fetches the pinned package with `npm pack`, extracts the files into a cache
directory and exports:

- `SHOPIFY_ADMIN_SCHEMA_DIR`: the directory holding `admin_<version>.json.gz`;
- `SHOPIFY_ADMIN_SCHEMA_REQUIRED=1`: a simulator refuses to start when a supported version's file is
  missing, so that the test run fails instead of silently checking nothing.

Without `SHOPIFY_ADMIN_SCHEMA_DIR` (a developer running the simulator by hand) the check is off, and the
simulator says so in its log.
"""

import functools
import gzip
import json
import os
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    Undefined,
    build_client_schema,
)

ENV_DIR = "SHOPIFY_ADMIN_SCHEMA_DIR"
ENV_REQUIRED = "SHOPIFY_ADMIN_SCHEMA_REQUIRED"
FILE_PATTERN = "admin_{version}.json.gz"
OFF_WARNING = (
    "Shopify's published Admin API schema check is OFF: documents are validated against the "
    "simulator's own schema.graphql only, so a document the real Shopify refuses may be answered. "
    "Run the simulator through scripts/test, scripts/demo or scripts/bench (they fetch the schemas), or "
    f"set {ENV_DIR} to a directory holding admin_<version>.json.gz from the npm package @shopify/dev-mcp."
)


class PublishedSchemaMissing(RuntimeError):
    """The check is required but a published schema file is missing."""


@functools.lru_cache(maxsize=8)
def _load(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        introspection = json.load(handle)
    return build_client_schema(introspection.get("data", introspection))


class PublishedSchemas:
    """The published schemas in one directory, loaded on first use (a few seconds each, then cached for
    the process).

    :param directory: a directory holding `admin_<version>.json.gz` files, or None (check off).
    """

    def __init__(self, directory):
        self.directory = Path(directory) if directory else None

    @classmethod
    def from_environment(cls):
        return cls(os.environ.get(ENV_DIR) or None)

    @property
    def enabled(self):
        return self.directory is not None

    def path(self, version):
        return self.directory / FILE_PATTERN.format(version=version) if self.directory else None

    def missing(self, versions):
        """The versions among `versions` that have no published schema file."""
        if not self.enabled:
            return list(versions)
        return [v for v in versions if not self.path(v).is_file()]

    def schema(self, version):
        """The published GraphQLSchema of `version`, or None when there is none to check against (check
        off, or a version Shopify's package does not ship, e.g. a release candidate)."""
        path = self.path(version)
        if path is None or not path.is_file():
            return None
        return _load(str(path))


def required_by_environment():
    return os.environ.get(ENV_REQUIRED, "").strip().lower() in ("1", "true", "yes")


def _required(typ, default):
    return isinstance(typ, GraphQLNonNull) and default is Undefined


def inventions(own, published):
    """What the simulator's schema `own` declares that Shopify's `published` schema has not, as sentences
    ([] when `own` is a faithful subset): types (and their kind), object/interface fields with their
    exact type, interfaces implemented, arguments with their exact type, enum values, union members,
    input fields with their exact type, directives and their arguments; and what `published` requires
    that `own` lacks (a required argument or input field), since a document valid here would be refused
    there."""
    found = []
    for name, typ in sorted(own.type_map.items()):
        if name.startswith("__"):
            continue
        real = published.type_map.get(name)
        if real is None:
            found.append(f"type {name} does not exist")
            continue
        if type(real) is not type(typ):
            found.append(f"type {name} is a {type(typ).__name__}, Shopify's a {type(real).__name__}")
            continue
        if isinstance(typ, GraphQLObjectType | GraphQLInterfaceType):
            real_interfaces = {i.name for i in real.interfaces}
            found += [
                f"{name} implements {i.name}, Shopify's does not"
                for i in typ.interfaces
                if i.name not in real_interfaces
            ]
            for field_name, field in typ.fields.items():
                real_field = real.fields.get(field_name)
                if real_field is None:
                    found.append(f"field {name}.{field_name} does not exist")
                    continue
                if str(field.type) != str(real_field.type):
                    found.append(f"field {name}.{field_name} is {field.type}, Shopify's {real_field.type}")
                for arg_name, arg in field.args.items():
                    real_arg = real_field.args.get(arg_name)
                    if real_arg is None:
                        found.append(f"argument {name}.{field_name}({arg_name}) does not exist")
                    elif str(arg.type) != str(real_arg.type):
                        found.append(
                            f"argument {name}.{field_name}({arg_name}) is {arg.type}, "
                            f"Shopify's {real_arg.type}"
                        )
                found += [
                    f"argument {name}.{field_name}({arg_name}) is required by Shopify but missing"
                    for arg_name, real_arg in real_field.args.items()
                    if arg_name not in field.args and _required(real_arg.type, real_arg.default_value)
                ]
        elif isinstance(typ, GraphQLInputObjectType):
            for field_name, field in typ.fields.items():
                real_field = real.fields.get(field_name)
                if real_field is None:
                    found.append(f"input field {name}.{field_name} does not exist")
                elif str(field.type) != str(real_field.type):
                    found.append(
                        f"input field {name}.{field_name} is {field.type}, Shopify's {real_field.type}"
                    )
            found += [
                f"input field {name}.{field_name} is required by Shopify but missing"
                for field_name, real_field in real.fields.items()
                if field_name not in typ.fields and _required(real_field.type, real_field.default_value)
            ]
        elif isinstance(typ, GraphQLEnumType):
            found += [f"enum value {name}.{v} does not exist" for v in typ.values if v not in real.values]
        elif isinstance(typ, GraphQLUnionType):
            members = {t.name for t in real.types}
            found += [f"union {name} has no member {t.name}" for t in typ.types if t.name not in members]
    for directive in own.directives:
        real = published.get_directive(directive.name)
        if real is None:
            found.append(f"directive @{directive.name} does not exist")
            continue
        for arg_name, arg in directive.args.items():
            real_arg = real.args.get(arg_name)
            if real_arg is None or str(arg.type) != str(real_arg.type):
                found.append(f"directive argument @{directive.name}({arg_name}: {arg.type}) differs")
        locations = {loc.name for loc in real.locations}
        found += [
            f"directive @{directive.name} on {loc.name} is not allowed by Shopify"
            for loc in directive.locations
            if loc.name not in locations and loc.name != "DIRECTIVE_DEFINITION"
        ]
    return found
