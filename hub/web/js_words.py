"""The words the pages' scripts write into the page, in the reader's language.

``base.html`` renders ``page_words()`` as a ``<script type="application/json"
id="parley-words">`` block (data, not code: the CSP forbids inline scripts and eval);
``hub/static/*.js`` read it with ``JSON.parse`` and fall back to English when it is
missing. A plural is a pair ``[one, other]``: the scripts pick with ``Intl.PluralRules``
for the page's language, as ``sla.js`` does for the timers.
"""

from __future__ import annotations

import jinja2

from hub.web import i18n
from hub.web.sla_display import LABELS


def _plural(singular: str, plural: str) -> list[str]:
    return [i18n.ngettext(singular, plural, n) for n in (1, 2)]


def page_words() -> dict[str, str | list[str] | dict[str, str]]:
    """Every sentence a script may show, translated for the current request."""
    _ = i18n.gettext
    return {
        # sla.js: the breach alert ("SLA breached: First response of Ann Customer").
        "slaBreached": _("SLA breached: %(target)s of %(conversation)s"),
        "slaKinds": {kind: _(label) for kind, label in LABELS.items()},
        "slaTarget": _("a target"),
        "aConversation": _("A conversation"),
        "dismiss": _("Dismiss"),
        # inbox.js: typing, SMS segments, the hub out of reach.
        "typing": _("%(name)s is typing…"),
        "theCustomer": _("The customer"),
        "theAgent": _("The agent"),
        "segments": _plural(
            "%(count)s SMS segment (%(encoding)s)", "%(count)s SMS segments (%(encoding)s)"
        ),
        "unreachable": _("The hub cannot be reached. Your last action was not saved."),
    }


def install(env: jinja2.Environment) -> None:
    env.globals.update(page_words=page_words)
