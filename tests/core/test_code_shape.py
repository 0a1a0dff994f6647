"""The shape of the code that the store issue set: typed signatures, small modules, rooms.

Parsed from the files (nothing is imported or run). Each check prints what it counted.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "connectors", "webchat_widget")

#: Public functions that may still take or return ``dict[str, Any]`` (JSON at an edge).
MAX_UNTYPED_SIGNATURES = 20
MAX_MODULE_LINES = 400
#: Hand-written ``while …: await asyncio.sleep`` loops; timed work runs on hub.tasks.Periodic.
MAX_SLEEP_LOOPS = 3
#: Modules directly in hub/centre/ besides its rooms (routing/, sla/, callbacks/, csat/, reports/).
MAX_LOOSE_CENTRE_MODULES = 8


def _modules() -> list[pathlib.Path]:
    return [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    found = [a.annotation for a in every if a is not None and a.annotation is not None]
    return [*found, node.returns] if node.returns is not None else found


def untyped_signatures() -> list[str]:
    """``path:function`` for each public function with ``dict[str, Any]`` in its signature."""
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            public = not node.name.startswith("_")
            if public and any("dict[str, Any]" in ast.unparse(a) for a in _annotations(node)):
                found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_few_public_signatures_carry_untyped_dicts() -> None:
    found = untyped_signatures()
    print(f"{len(found)} public functions with dict[str, Any] in their signature")
    assert len(found) <= MAX_UNTYPED_SIGNATURES, "\n".join(found)


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def _a_bare_yield(call: ast.Call) -> bool:
    """``asyncio.sleep(0)`` hands the loop a turn (a coroutine trampoline's bare yield); it
    waits for no time, so a loop around it is not a timer."""
    return [ast.unparse(a) for a in call.args] == ["0"]


def test_timed_loops_run_on_the_periodic_helper() -> None:
    loops = []
    for path in sorted((ROOT / "hub").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "hub/tasks.py":
            continue  # the helper's own loop
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.While) and any(
                isinstance(n, ast.Call)
                and ast.unparse(n.func).endswith("asyncio.sleep")
                and not _a_bare_yield(n)
                for n in ast.walk(node)
            ):
                loops.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    print(f"{len(loops)} hand-written sleep loops: {loops}")
    assert len(loops) <= MAX_SLEEP_LOOPS, loops


def test_the_contact_centre_is_in_rooms() -> None:
    centre = ROOT / "hub" / "centre"
    rooms = {p.name for p in centre.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"routing", "sla", "callbacks", "csat", "reports"} <= rooms
    loose = sorted(p.name for p in centre.glob("*.py"))
    print(f"loose modules in hub/centre: {loose}")
    assert len(loose) <= MAX_LOOSE_CENTRE_MODULES, loose
