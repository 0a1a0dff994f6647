"""The widget's colours: WCAG 2 contrast of text on the brand colour, and the text colour to use.

The launcher, header and the visitor's own bubbles carry text on the channel's
``colour``: black or white, whichever contrasts more. One of the two always
reaches at least 4.58:1 (the worst case is a luminance of about 0.18), so that
check is made and can warn, but cannot fail for a valid colour. The colour is
also used *as text* on white (quick-reply buttons, links); where that falls short
of WCAG AA (4.5:1) the chat uses its dark text colour there instead, and the
channel's answers carry a warning.
"""

from __future__ import annotations

AA_NORMAL = 4.5
BLACK, WHITE = "#000000", "#ffffff"


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG 2)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever is easier to read on ``background``."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def readable_on_white(colour: str) -> bool:
    """Whether ``colour`` as text on white reaches WCAG AA (4.5:1)."""
    return contrast(colour, WHITE) >= AA_NORMAL


def contrast_warning(colour: str) -> str | None:
    """A sentence for the site owner when ``colour`` fails WCAG AA in one of its uses; else None."""
    on = contrast(colour, text_colour(colour))
    if on < AA_NORMAL:
        return (
            f"colour {colour}: neither black nor white text reaches the WCAG AA contrast of "
            f"4.5:1 on it (best {on:.1f}:1); pick a darker or lighter colour"
        )
    if not readable_on_white(colour):
        return (
            f"colour {colour}: as text on white it reaches only {contrast(colour, WHITE):.1f}:1 "
            "(WCAG AA needs 4.5:1), so quick replies and links use dark text instead; "
            "a darker colour keeps them in your brand colour"
        )
    return None
