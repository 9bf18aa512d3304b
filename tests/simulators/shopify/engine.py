"""One GraphQL Admin API request, start to end: parse, validate, Shopify limits, cost, bucket, execute.

Returns the JSON body Shopify would send (always HTTP 200 once authenticated): `errors` for a malformed
or invalid document, THROTTLED / MAX_COST_EXCEEDED for rate limits, `data` + `errors` for execution, and
`extensions.cost` with the bucket's status.
"""

import logging
import time
import traceback
import uuid

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from .cost import MAX_QUERY_COST, CostCalculator
from .gql import (
    ShopifyChecks,
    published_refusals,
    schema_for,
    shopify_error,
    syntax_error,
    validation_error,
    variable_error,
)
from .resolvers import Root
from .views import Ctx

_logger = logging.getLogger(__name__)
RATE_LIMIT_DOC = "https://shopify.dev/api/usage/rate-limits"
INTERNAL_MESSAGE = "Internal error. Looks like something went wrong on our end."


def _cost_ext(requested, actual, bucket):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": bucket.status(),
        }
    }


def _max_cost_error(cost):
    return shopify_error(
        f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
        "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n",
        code="MAX_COST_EXCEEDED",
        cost=cost,
        maxCost=MAX_QUERY_COST,
        documentation=RATE_LIMIT_DOC,
    )


def prepare(schema, query, operation_name, variables, bulk=False, published=None, violations=None):
    """Parse, validate and coerce. Returns (document, operation, fragments, coerced variables, errors).

    `published` is Shopify's published schema of the version (or None): a document it refuses is
    answered with its errors, even where the simulator's own schema could answer it, and the errors are
    appended to `violations`.
    """
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return None, None, None, None, [syntax_error(exc)]
    refused = published_refusals(published, document, operation_name, variables)
    if refused:
        if violations is not None:
            violations.extend(refused)
        return document, None, None, None, refused
    errors = validate(schema, document)
    if errors:
        return document, None, None, None, [validation_error(e, document) for e in errors]
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f'No operation named "{operation_name}"' if operation_name else "An operation name is required"
        )
        return document, None, None, None, [shopify_error(message)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return document, operation, fragments, None, [variable_error(e) for e in coerced]
    checks = ShopifyChecks(schema, document, operation, coerced, fragments, bulk=bulk).run()
    if checks:
        return document, operation, fragments, coerced, checks
    return document, operation, fragments, coerced, []


def format_execution_error(sim, error):
    formatted = dict(error.formatted)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        request_id = str(uuid.uuid4())
        _logger.error(
            "simulator resolver crashed (request %s): %s",
            request_id,
            "".join(traceback.format_exception(original)),
        )
        sim.internal_errors.append(
            {
                "request_id": request_id,
                "error": repr(original),
                "traceback": "".join(traceback.format_exception(original)),
            }
        )
        formatted = {
            "message": INTERNAL_MESSAGE,
            "locations": formatted.get("locations"),
            "path": formatted.get("path"),
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
    return {k: v for k, v in formatted.items() if v is not None}


def run_graphql(sim, version, body, scopes=None):
    """Execute one request body (dict with query, variables, operationName). Returns the response dict."""
    started = time.perf_counter()
    record = {
        "time": sim.clock.now().isoformat(),
        "version": version,
        "operation_name": body.get("operationName"),
        "query": body.get("query"),
        "variables": body.get("variables"),
        "requested_cost": None,
        "actual_cost": None,
        "throttled": False,
        "errors": 0,
        "root_fields": [],
    }
    schema = schema_for(version)
    bucket = sim.bucket
    refused = []
    document, operation, fragments, variables, errors = prepare(
        schema,
        body.get("query") or "",
        body.get("operationName"),
        body.get("variables"),
        published=sim.published.schema(version),
        violations=refused,
    )
    if refused:
        sim.record_schema_violation(version, body, refused)
    if errors:
        record["errors"] = len(errors)
        response = {"errors": errors, "extensions": _cost_ext(0, 0, bucket)}
        sim.record_call(record, started)
        return response
    record["operation_name"] = operation.name.value if operation.name else record["operation_name"]
    record["root_fields"] = [s.name.value for s in operation.selection_set.selections if s.kind == "field"]
    calculator = CostCalculator(schema, operation, fragments, variables)
    requested = calculator.requested()
    record["requested_cost"] = requested
    if requested > MAX_QUERY_COST:
        record["errors"] = 1
        sim.record_call(record, started)
        return {"errors": [_max_cost_error(requested)]}
    if not bucket.try_take(requested):
        record["throttled"] = True
        record["errors"] = 1
        sim.record_call(record, started)
        return {
            "errors": [shopify_error("Throttled", code="THROTTLED", documentation=RATE_LIMIT_DOC)],
            "extensions": _cost_ext(requested, None, bucket),
        }
    ctx = Ctx(sim, version)
    if scopes is not None:
        ctx.scopes = set(scopes)
    with sim.store.lock:
        result = execute(
            schema,
            document,
            root_value=Root(ctx),
            context_value=ctx,
            variable_values=body.get("variables") or {},
            operation_name=body.get("operationName"),
        )
    actual = calculator.actual(result.data) if result.data else 0
    actual = min(actual, requested)
    bucket.refund(requested - actual)
    response = {}
    if result.errors:
        response["errors"] = [format_execution_error(sim, e) for e in result.errors]
        record["errors"] = len(result.errors)
    response["data"] = result.data
    extensions = _cost_ext(requested, actual, bucket)
    if ctx.search_warnings:
        extensions["search"] = ctx.search_warnings
    response["extensions"] = extensions
    record["actual_cost"] = actual
    sim.record_call(record, started)
    return response
