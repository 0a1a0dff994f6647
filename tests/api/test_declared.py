"""Every API route is declared once with its OpenAPI metadata (``hub.api.declare``)."""

from __future__ import annotations

from starlette.routing import Route

from hub.api import api_routes
from hub.api.endpoints import OPERATIONS
from hub.api.openapi import document


def test_every_route_is_a_documented_operation() -> None:
    """A route added beside the declarations (without operationId, tag…) fails here."""
    paths = document("http://hub.test")["paths"]
    assert isinstance(paths, dict)
    mounted = set()
    for route in api_routes:
        assert isinstance(route, Route)
        if route.path == "/openapi.json":
            continue
        for method in route.methods or ():
            if method == "HEAD":
                continue
            mounted.add((method.lower(), route.path))
            operations = paths.get(route.path)
            assert isinstance(operations, dict), f"{route.path} is not in the document"
            op = operations.get(method.lower())
            assert isinstance(op, dict), f"{method} {route.path} is not in the document"
            assert op["operationId"] and op["tags"] and op["summary"], (method, route.path)
    documented = {(m, p) for p, ops in paths.items() if isinstance(ops, dict) for m in ops}
    assert mounted == documented


def test_each_operation_is_declared_once_with_its_handler() -> None:
    keys = [(op.method, op.path) for op in OPERATIONS]
    assert len(keys) == len(set(keys))
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for op in OPERATIONS:
        assert op.summary and op.tag and callable(op.handler), op
        assert op.response is not None, f"{op.method} {op.path} declares no response model"
        if op.method in ("post", "patch", "put"):
            assert op.body is not None, f"{op.method} {op.path} declares no request body"
