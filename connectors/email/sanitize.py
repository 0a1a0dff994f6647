"""HTML from mail made safe for the inbox: no scripts, no handlers, nothing remote loads by itself.

nh3 (ammonia) does the sanitizing with an allowlist: scripts and styles go
with their content, event handlers and unknown attributes go, and URLs keep
only the http(s), mailto, tel and cid schemes. Remote images are then
disarmed: their ``src`` moves to ``data-remote-src``, which no browser loads,
so the inbox can offer "load images" and a sender learns nothing from an
opened mail (tracking pixels). ``cid:`` images stay: they point at the
message's own inline attachments (``Attachment.content_id``).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import ClassVar

import nh3

TAGS = (nh3.ALLOWED_TAGS - {"area", "map"}) | {"font", "tfoot", "center"}
ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag in TAGS},
    "*": {"style", "title", "dir", "lang"},
    "font": {"color", "face", "size"},
    "td": {"align", "valign", "colspan", "rowspan", "width", "height", "bgcolor"},
    "th": {"align", "valign", "colspan", "rowspan", "width", "height", "bgcolor"},
    "table": {"align", "width", "border", "cellpadding", "cellspacing", "bgcolor"},
}
#: Inline styles keep layout and colour only: no property here can fetch a URL.
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "text-align", "text-decoration", "line-height", "margin", "margin-top",
    "margin-bottom", "margin-left", "margin-right", "padding", "padding-top",
    "padding-bottom", "padding-left", "padding-right", "border", "border-collapse",
    "border-color", "border-style", "border-width", "width", "height", "max-width",
    "vertical-align", "white-space", "direction", "display",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}

_IMG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>', re.IGNORECASE)
_ATTR = re.compile(r'\s*([^\s="/>]+)(?:="([^"]*)")?')


def clean_html(raw: str) -> str:
    """Sanitized HTML; remote images disarmed (see the module docstring)."""
    cleaned = nh3.clean(
        raw,
        tags=TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "noscript"},
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=STYLE_PROPERTIES,
        strip_comments=True,
    )
    return _IMG.sub(_disarm_img, cleaned)


def _disarm_img(match: re.Match[str]) -> str:
    # nh3's serializer always writes name="value" with '"' escaped, so this tokenizing
    # of its own output is exact.
    parts: list[str] = []
    for name, value in _ATTR.findall(match.group(1)):
        if name.lower() == "src" and not value.lower().startswith("cid:"):
            name = "data-remote-src"
        parts.append(f'{name}="{value}"')
    return "<img" + "".join(" " + part for part in parts) + ">"


def remote_images(cleaned: str) -> list[str]:
    """The remote image URLs a cleaned body would load on request."""
    found: list[str] = []
    for tag in _IMG.finditer(cleaned):
        for name, value in _ATTR.findall(tag.group(1)):
            if name == "data-remote-src":
                found.append(html.unescape(value))
    return found


class _Text(HTMLParser):
    """Text of an HTML body, for mails that have no text/plain part."""

    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
    }
    SKIP: ClassVar[set[str]] = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body (paragraphs kept, markup gone)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
