"""The channel forms in the reader's language: labels, hints and refusals of the connectors' fields.

A connector's ``Config`` model names its fields and refuses bad values in English (pydantic's
messages and the connector's own ``ValueError`` texts: the API answers with those). The admin
pages say them in the reader's language: the bundled connectors' field names, hints and
refusals are msgids here, matched by field name and by the shape of the English message. A
third-party connector's field or message no catalog knows is shown as its connector wrote it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

from hub.tenants.channel_forms import ConfigField
from hub.web import i18n
from hub.web.i18n import N_

#: Field labels by field name, where pydantic's title ("Account Sid") reads badly.
LABELS = {
    "account_sid": N_("Account SID"),
    "auth_token": N_("Auth token"),
    "from_number": N_("From number"),
    "from_numbers": N_("More numbers"),
    "messaging_service_sid": N_("Messaging service SID"),
    "api_base_url": N_("API base URL"),
    "webhook_signing_key": N_("Webhook signing key"),
    "templates": N_("Templates"),
    "phone_number_id": N_("Phone number ID"),
    "access_token": N_("Access token"),
    "app_secret": N_("App secret"),
    "verify_token": N_("Verify token"),
    "api_version": N_("API version"),
    "address": N_("Email address"),
    "business_hours": N_("Business hours"),
    "smtp_host": N_("SMTP host"),
    "smtp_port": N_("SMTP port"),
    "smtp_username": N_("SMTP user name"),
    "smtp_password": N_("SMTP password"),
    "smtp_security": N_("SMTP security"),
    "smtp_ca_file": N_("CA certificates file"),
    "smtp_verify": N_("Check the relay's certificate"),
    "from_name": N_("Sender name"),
    "inbound_secret": N_("Inbound secret"),
}
#: The hint under a field, by field name.
HELP = {
    "account_sid": N_("Starts with AC: see the Twilio console."),
    "from_number": N_("The number replies leave from, like +4520123456; or set a messaging service SID."),
    "from_numbers": N_("More numbers of this channel: a reply leaves from the one the customer wrote to."),
    "messaging_service_sid": N_("Starts with MG; set it or a from number."),
    "api_base_url": N_("Empty: the provider's own address. Otherwise an edge, a proxy or a test stand-in."),
    "webhook_signing_key": N_("Only when Twilio signs the webhooks with a shared key (HMAC-SHA256)."),
    "templates": N_('Approved templates, as JSON: [{"name": …, "language": …, "variables": […], "body": …}]'),
    "phone_number_id": N_("The digits of the number's ID in Meta's WhatsApp Manager."),
    "api_version": N_("The Graph API version, like v21.0."),
    "verify_token": N_("Paste it at Meta with the webhook URL; made for you when empty."),
    "smtp_port": N_("587 with STARTTLS, 465 with TLS."),
    "smtp_ca_file": N_("A PEM file in the folder the operator allows, for a relay with a private certificate."),
    "smtp_verify": N_("Turn it off only for a relay on a network you trust."),
    "business_hours": N_('JSON: {"timezone": "Europe/Copenhagen", "days": {"mon": [["09:00", "17:00"]]}}; a missing day is closed.'),
    "greeting": N_('One text, or JSON with one per language: {"en": "Hi!", "da": "Hej!"}'),
    "team_line": N_('One text, or JSON with one per language: {"en": "Hi!", "da": "Hej!"}'),
    "agent_name": N_("Shown on replies whose sender has no name."),
    "launcher_text": N_("Beside the launcher's icon; empty shows the icon alone."),
}  # fmt: skip
#: The options of the bundled connectors' selects and choices.
OPTIONS = {
    "right": N_("right"), "left": N_("left"), "name": N_("name"), "email": N_("email"),
    "none": N_("none (unencrypted)"), "starttls": N_("STARTTLS"), "tls": N_("TLS"),
}  # fmt: skip

Say = Callable[[re.Match[str]], str]


def _plain(msgid: str) -> Say:
    return lambda m: i18n.gettext(msgid) % m.groupdict()


def _at_least(m: re.Match[str]) -> str:
    n = int(m["n"])
    return i18n.ngettext("At least %(n)s character.", "At least %(n)s characters.", n) % {"n": n}


def _at_most(m: re.Match[str]) -> str:
    n = int(m["n"])
    return i18n.ngettext("At most %(n)s character.", "At most %(n)s characters.", n) % {"n": n}


def _numbers(msgid: str) -> Say:
    """Like ``_plain``, with the ratios (``best``, ``ratio``) in the reader's number format."""

    def say(m: re.Match[str]) -> str:
        values = {
            k: i18n.format_number(float(v)) if k in ("best", "ratio") else v
            for k, v in m.groupdict().items()
        }
        return i18n.gettext(msgid) % values

    return say


def _items(m: re.Match[str]) -> str:
    n = int(m["n"])
    return i18n.ngettext("Give at least %(n)s.", "Give at least %(n)s.", n) % {"n": n}


#: The refusals of pydantic and of the bundled connectors, by the shape of their English text.
REFUSALS: list[tuple[re.Pattern[str], Say]] = [
    (re.compile(p, re.IGNORECASE | re.DOTALL), say)
    for p, say in (
        (r"Field required", _plain(N_("Required."))),
        (r"String should match pattern .*", _plain(N_("Not in the expected form: see the hint."))),
        (r"String should have at least (?P<n>\d+) characters?", _at_least),
        (r"(String should have )?at most (?P<n>\d+) characters?", _at_most),
        (r"List should have at least (?P<n>\d+) items?.*", _items),
        (r"(Input should be a valid URL|URL scheme should be).*",
         _plain(N_("Not a web address: write it like https://example.com."))),
        (r"Input should be a valid (integer|number).*", _plain(N_("Must be a number."))),
        (r"must be a number", _plain(N_("Must be a number."))),
        (r"Input should be less than or equal to (?P<n>[\d.]+)", _plain(N_("At most %(n)s."))),
        (r"Input should be greater than or equal to (?P<n>[\d.]+)", _plain(N_("At least %(n)s."))),
        (r"Input should be (?P<choices>'[^']*'(, '[^']*')*( or '[^']*')?)",
         _plain(N_("Choose one of %(choices)s."))),
        (r"(Input should be a valid|Input should be an?) .*",
         _plain(N_("Not in the expected form: see the hint."))),
        (r"Extra inputs are not permitted", _plain(N_("Not a setting of this channel."))),
        (r"this is not JSON.*", _plain(N_("This is not JSON: check the quotes, commas and brackets."))),
        (r"set from_number or messaging_service_sid",
         _plain(N_("Set a from number or a messaging service SID."))),
        (r"address must be one mailbox like support@example.com",
         _plain(N_("One mailbox, like support@example.com."))),
        (r"from_name must be one line", _plain(N_("One line only."))),
        (r"smtp_ca_file must name a PEM file .*",
         _plain(N_("Name a PEM file of CA certificates in the folder the operator allows (PARLEY_CA_DIR)."))),
        (r"(?P<value>.*) is not a colour such as #2557d6",
         _plain(N_("%(value)s is not a colour such as #2557d6."))),
        (r"(?P<value>.*) is not an http\(s\) origin such as https://shop.example",
         _plain(N_("%(value)s is not an http(s) origin such as https://shop.example."))),
        (r"unknown time zone (?P<value>.*)", _plain(N_("Unknown time zone %(value)s."))),
        (r"unknown day (?P<value>.*); use (?P<days>.*)", _plain(N_("Unknown day %(value)s: use %(days)s."))),
        (r"(?P<value>.*) is not a span of HH:MM times",
         _plain(N_("%(value)s is not a span of HH:MM times."))),
        # The web chat's colour warnings (webchat_widget.appearance), shown on its page.
        (r"colour (?P<value>#\w+): neither black nor white text reaches the WCAG AA contrast of "
         r"4\.5:1 on it \(best (?P<best>[\d.]+):1\); pick a darker or lighter colour",
         _numbers(N_("Colour %(value)s: neither black nor white text reaches a contrast of 4.5:1 on it (at best %(best)s:1); pick a darker or lighter colour."))),
        (r"colour (?P<value>#\w+): as text on white it reaches only (?P<ratio>[\d.]+):1 "
         r"\(WCAG AA needs 4\.5:1\), so quick replies and links use dark text instead; "
         r"a darker colour keeps them in your brand colour",
         _numbers(N_("Colour %(value)s: as text on white it reaches only %(ratio)s:1 (4.5:1 is needed), so quick replies and links use dark text instead; a darker colour keeps them in your brand colour."))),
        # The outbound guard (hub.pipeline.outbound) on an address the account gives.
        (r"(?P<value>\S+) is refused: .*",
         _plain(N_("The hub may not call %(value)s: it points inside the hub's own network."))),
        (r"(?P<value>.*) is not a URL: .*", _plain(N_("%(value)s is not a web address."))),
        (r"(?P<value>.*) must be an http or https URL with a host",
         _plain(N_("%(value)s must be an http or https address with a host."))),
        (r"(?P<value>.*) is not a host name or address",
         _plain(N_("%(value)s is not a host name or address."))),
    )
]  # fmt: skip
_WHERE = re.compile(r"(?P<where>[\w.]+): (?P<rest>.+)", re.DOTALL)


def refusal(message: str) -> str:
    """A connector's or pydantic's English refusal in the reader's language (as is if unknown);
    a leading place inside the field ("0.sid: …") is kept."""
    message = message.strip().removeprefix("Value error, ")
    for pattern, say in REFUSALS:
        if m := pattern.fullmatch(message):
            return say(m)
    if (m := _WHERE.fullmatch(message)) and (said := refusal(m["rest"])) != m["rest"]:
        return f"{m['where']}: {said}"
    return message


def fields_in_words(fields: list[ConfigField]) -> list[ConfigField]:
    """The form's fields with their labels and hints translated (the connector's own where
    no msgid is known)."""
    _ = i18n.gettext
    return [
        dataclasses.replace(
            f,
            label=_(LABELS.get(f.name, f.label)),
            help=_(HELP[f.name]) if f.name in HELP else _help_in_words(f.help),
        )
        for f in fields
    ]


def _help_in_words(help: str) -> str:
    parts = []
    for part in help.split("; ") if help else []:
        if part == "JSON":
            parts.append("JSON")
        elif part.startswith("format: "):
            parts.append(i18n.gettext("format: %(pattern)s") % {"pattern": part[8:]})
        else:
            parts.append(i18n.gettext(part))
    return "; ".join(parts)


#: What a connector's ``describe`` names, as the "Paste at the provider" card says it.
PASTE = {
    "webhook_url": N_("Webhook URL"), "embed": N_("Embed code"), "verify_token": N_("Verify token"),
    "warnings": N_("Warnings"), "address": N_("Email address"),
    "inbound_secret_header": N_("Header for the inbound secret"),
    "smtp_listener": N_("The hub's SMTP listener"),
}  # fmt: skip


def paste_labels() -> dict[str, str]:
    return {key: i18n.gettext(msgid) for key, msgid in PASTE.items()}


def paste_in_words(paste: Mapping[str, object]) -> dict[str, object]:
    """What to paste at the provider, its connector's warnings in the reader's language."""
    warnings = paste.get("warnings")
    if isinstance(warnings, list):
        return {**paste, "warnings": [refusal(str(w)) for w in warnings]}
    return dict(paste)


def option_names() -> dict[str, str]:
    return {value: i18n.gettext(msgid) for value, msgid in OPTIONS.items()}


def errors_in_words(
    reason: str, errors: dict[str, str], fields: list[ConfigField]
) -> tuple[str, dict[str, str]]:
    """The banner over a refused form and each field's refusal, in the reader's language.

    A refusal of no field on the form (the model's own check: "set from_number or …") or a
    reason that names a field ("api_base_url: …") is said in the banner or beside that field."""
    names = {f.name for f in fields} | {"name"}
    beside: dict[str, str] = {}
    loose: list[str] = []
    for name, message in errors.items():
        if name in names:
            beside[name] = refusal(message)
        else:
            loose.append(refusal(message))
    if not errors and (m := _WHERE.fullmatch(reason)) and m["where"] in names:
        beside[m["where"]] = refusal(m["rest"])
    if beside:
        banner = i18n.gettext("Some settings need a change: see the marked fields.")
        return " ".join([banner, *loose]), beside
    if loose:
        return " ".join(loose), beside
    return refusal(reason), beside
