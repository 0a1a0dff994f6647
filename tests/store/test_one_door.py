"""The store is the only door to the database (DESIGN.md, "Layout and import direction").

This test parses the tree (nothing is imported or run) and fails on any database call
outside ``hub/store/`` and ``hub/models/``:

- a Beanie query class-method on a document class (``Conversation.find(...)``,
  ``User.get(...)``, ``Message.get_pymongo_collection()``…);
- a document's own write (``doc.insert()``, ``doc.save()``, ``doc.replace()``,
  ``doc.delete()``, ``doc.save_changes()``, ``doc.sync()``, ``doc.set({Model.f: …})``);
- raw driver access: ``get_pymongo_collection``, ``.watch(``, ``.command(``,
  ``start_session``, or an import of ``pymongo``, ``gridfs``, ``bson`` or Beanie's
  query operators.

``hub/db.py`` and ``hub/ops/`` may open the client (connect, initialize, back up).
Run it as a script (``python tests/store/test_one_door.py``) to list every call by module.
"""

from __future__ import annotations

import ast
import pathlib
import sys
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "connectors", "webchat_widget")
#: Where database calls belong.
ALLOWED = ("hub/store/", "hub/models/", "hub/db.py", "hub/ops/")

#: Beanie's query and write class-methods on a Document class.
CLASS_METHODS = frozenset(
    {
        "find",
        "find_one",
        "find_many",
        "find_all",
        "get",
        "insert_one",
        "insert_many",
        "delete_all",
        "count",
        "aggregate",
        "distinct",
        "update_all",
        "bulk_writer",
        "all",
        "inspect_collection",
    }
)
#: A document's own writes, called without arguments.
INSTANCE_WRITES = frozenset({"insert", "save", "replace", "save_changes", "sync", "delete"})
#: Raw driver calls on any object.
DRIVER = frozenset(
    {"get_pymongo_collection", "get_motor_collection", "watch", "command", "start_session"}
)
#: Driver packages nobody outside the store imports.
DRIVER_PACKAGES = ("pymongo", "gridfs", "bson", "motor")


def _document_classes() -> frozenset[str]:
    """The names of every Beanie document class declared in ``hub/models/``."""
    names: set[str] = set()
    bases = {"Document", "TenantDocument"}
    trees = [ast.parse(p.read_text()) for p in sorted((ROOT / "hub/models").glob("*.py"))]
    grew = True
    while grew:  # a document may subclass another document declared later
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    parents = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    if parents & (bases | names):
                        names.add(node.name)
                        grew = True
    return frozenset(names)


def _is_field_dict(node: ast.expr) -> bool:
    """``{Model.field: value, …}``: the argument shape of Beanie's ``set``/``inc``."""
    return isinstance(node, ast.Dict) and any(isinstance(k, ast.Attribute) for k in node.keys)


def calls_in(source: str, documents: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Each database call in ``source``: its line and what it is."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [module] if module else [alias.name for alias in node.names]
            for name in names:
                if name and name.split(".")[0] in DRIVER_PACKAGES:
                    yield node.lineno, f"import {name}"
                if name and name.startswith("beanie") and isinstance(node, ast.ImportFrom):
                    others = [a.name for a in node.names if a.name != "PydanticObjectId"]
                    if others:
                        yield node.lineno, f"from {name} import {', '.join(others)}"
            continue
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        if attr in DRIVER:
            yield node.lineno, f".{attr}()"
        elif isinstance(owner, ast.Name) and owner.id in documents and attr in CLASS_METHODS:
            yield node.lineno, f"{owner.id}.{attr}()"
        elif attr in INSTANCE_WRITES and not node.args and not node.keywords:
            yield node.lineno, f".{attr}()"
        elif attr in {"set", "inc"} and node.args and _is_field_dict(node.args[0]):
            yield node.lineno, f".{attr}({{Model.field: …}})"


def violations() -> dict[str, list[tuple[int, str]]]:
    documents = _document_classes()
    found: dict[str, list[tuple[int, str]]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(ALLOWED):
                continue
            calls = list(calls_in(path.read_text(), documents))
            if calls:
                found[rel] = calls
    return found


def test_no_database_call_outside_the_store() -> None:
    found = violations()
    listing = "\n".join(
        f"{path}:{line}: {what}" for path, calls in found.items() for line, what in calls
    )
    total = sum(len(calls) for calls in found.values())
    assert not found, (
        f"{total} database calls outside hub/store/ in {len(found)} modules:\n{listing}"
    )


def test_the_check_sees_each_kind_of_call() -> None:
    documents = frozenset({"Conversation"})
    source = (
        "from bson import ObjectId\n"
        "from beanie.operators import In\n"
        "async def f(doc, db):\n"
        "    await Conversation.find_one(Conversation.id == 1)\n"
        "    await doc.save()\n"
        "    await doc.set({Conversation.status: 'open'})\n"
        "    Conversation.get_pymongo_collection()\n"
        "    await db.watch([])\n"
        "    await doc.delete()\n"
        "    items.delete(1)\n"  # a dict or list's own method, not a document's
        "    values.update({'a': 1})\n"
    )
    kinds = sorted(calls_in(source, documents))
    assert [what for _, what in kinds] == [
        "import bson",
        "from beanie.operators import In",
        "Conversation.find_one()",
        ".save()",
        ".set({Model.field: …})",
        ".get_pymongo_collection()",
        ".watch()",
        ".delete()",
    ], kinds


if __name__ == "__main__":
    found = violations()
    for path, calls in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(calls):4} {path}")
    print(f"{sum(len(c) for c in found.values())} calls in {len(found)} modules", file=sys.stderr)
