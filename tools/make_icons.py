"""Draw the inbox app's icons (hub/static/app/) from their SVG sources with Debian's Chromium.

Run once after changing an SVG: ``.venv/bin/python tools/make_icons.py``. The PNGs are
committed; the hub never draws at run time. Chromium (already the browser tests' engine)
renders each SVG at its size with a transparent background.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

APP = Path(__file__).resolve().parent.parent / "hub" / "static" / "app"
#: (source SVG, PNG written, size in pixels)
ICONS = [
    ("icon.svg", "icon-192.png", 192),
    ("icon.svg", "icon-512.png", 512),
    ("icon-maskable.svg", "icon-maskable-512.png", 512),
    ("icon-maskable.svg", "apple-touch-icon.png", 180),  # iOS rounds the corners itself
    ("badge.svg", "badge-96.png", 96),
]


def main() -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for source, target, size in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            svg = (APP / source).read_text()
            page.set_content(
                "<style>html,body{margin:0;background:transparent}svg{display:block;"
                f"width:{size}px;height:{size}px}}</style>{svg}"
            )
            page.screenshot(path=str(APP / target), omit_background=True)
            page.close()
            print(f"{target}: {size}x{size}")
        browser.close()


if __name__ == "__main__":
    main()
