"""Cursor pagination over any tenant collection: ``(documents, next_cursor)`` by a time field."""

from __future__ import annotations

from typing import Any, TypeVar

from beanie import Document

from hub.store.conversations import decode_cursor, encode_cursor

D = TypeVar("D", bound=Document)


async def page_of(
    model: type[D],
    query: dict[str, Any],
    limit: int,
    cursor: str | None,
    field: str = "created_at",
    descending: bool = True,
) -> tuple[list[D], str | None]:
    """Up to ``limit`` documents of ``query`` after ``cursor``, ordered by (field, _id)."""
    if cursor:
        at, id_ = decode_cursor(cursor)
        op = "$lt" if descending else "$gt"
        query = {**query, "$or": [{field: {op: at}}, {field: at, "_id": {op: id_}}]}
    order = "-" if descending else "+"
    docs = await model.find(query).sort(order + field, order + "_id").limit(limit + 1).to_list()
    if len(docs) <= limit:
        return docs, None
    docs = docs[:limit]
    return docs, encode_cursor(getattr(docs[-1], field), docs[-1].id)
