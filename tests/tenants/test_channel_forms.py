"""Channel settings as a form generated from the connector's Config model: list editors,
selects, choices, a colour with its contrast, words for errors, defaults on the first visit."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.twilio.channels import TwilioSMSConnector
from hub.admin import channel_words
from hub.errors import InvalidInput
from hub.models import Channel
from hub.tenants.channel_forms import (
    config_fields,
    config_from_form,
    form_values,
    submitted_values,
    white_contrast,
)
from hub.web import i18n
from tests.conftest import CONNECTORS, Running, make_tenant
from tests.inbox.conftest import add_user, csrf_of, session_client
from webchat_widget.appearance import contrast_warning
from webchat_widget.config import WebchatConfig
from webchat_widget.connector import WebchatConnector

FIELDS = {f.name: f for f in config_fields(WebchatConfig)}


def test_each_setting_gets_the_input_it_needs() -> None:
    kinds = {name: f.kind for name, f in FIELDS.items()}
    assert kinds["allowed_origins"] == "lines" and kinds["prechat_fields"] == "choices"
    assert kinds["language"] == "select" and kinds["position"] == "select"
    assert kinds["colour"] == "colour" and kinds["require_identity"] == "checkbox"
    assert kinds["identity_secret"] == "password" and kinds["greeting"] == "localized"
    assert FIELDS["position"].options == ("right", "left")
    assert FIELDS["prechat_fields"].options == ("name", "email")


def test_the_first_visit_shows_the_defaults() -> None:
    values = form_values(list(FIELDS.values()), {})
    assert values["prechat_fields"] == ["name", "email"]
    assert values["colour"] == "#2557d6" and values["position"] == "right"
    stored = form_values(list(FIELDS.values()), {"allowed_origins": ["https://a.example", "https://b.example"], "identity_secret": "s"})  # fmt: skip
    assert stored["allowed_origins"] == "https://a.example\nhttps://b.example"
    assert stored["identity_secret"] == ""  # never shown again


def test_a_form_becomes_a_config() -> None:
    form = {
        "config.allowed_origins": " https://shop.example \n\nhttps://www.shop.example",
        "config.prechat_fields": "",
        "config.prechat_fields.email": "on",
        "config.position": "left",
        "config.greeting": "Hello!",
        "config.team_line": '{"da": "Hej"}',
    }
    config = config_from_form(list(FIELDS.values()), form)
    assert config["allowed_origins"] == ["https://shop.example", "https://www.shop.example"]
    assert config["prechat_fields"] == ["email"] and config["position"] == "left"
    assert config["greeting"] == "Hello!" and config["team_line"] == {"da": "Hej"}
    assert WebchatConfig.model_validate(config).prechat_fields == ["email"]
    # No box ticked is a choice too (no pre-chat form); an absent field is left alone.
    assert config_from_form(list(FIELDS.values()), {"config.prechat_fields": ""})["prechat_fields"] == []  # fmt: skip
    assert "prechat_fields" not in config_from_form(list(FIELDS.values()), {})
    again = submitted_values(list(FIELDS.values()), form)
    assert again["prechat_fields"] == ["email"] and again["position"] == "left"


def test_errors_are_words() -> None:
    with pytest.raises(InvalidInput) as caught:
        config_from_form(list(FIELDS.values()), {"config.business_hours": "{mon: 9-17"})
    assert caught.value.fields == {
        "business_hours": "this is not JSON: check the quotes, commas and brackets"
    }
    assert "Expecting" not in caught.value.message and "config." not in caught.value.message


def test_white_contrast() -> None:
    assert white_contrast("#ffffff") == 1.0 and white_contrast("#000000") == 21.0
    assert white_contrast("#2557d6") is not None and white_contrast("#2557d6") >= 4.5  # type: ignore[operator]
    assert white_contrast("#ffcc00") is not None and white_contrast("#ffcc00") < 4.5  # type: ignore[operator]
    assert white_contrast("blue") is None


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "webchat": WebchatConnector, "twilio_sms": TwilioSMSConnector}


async def test_the_web_chat_form_in_the_admin(running: Running) -> None:
    tenant = await make_tenant(running.hub, channel_type="webchat", config={"allowed_origins": ["https://shop.example"]})  # fmt: skip
    admin = await add_user(tenant, "ada@acme.test", "admin", "Ada")
    client = session_client(running, admin)
    new = await client.get("/admin/channels/new", params={"type": "webchat"})
    assert new.status_code == 200
    assert 'name="config.prechat_fields.name" checked' in new.text
    assert 'name="config.prechat_fields.email" checked' in new.text
    assert 'type="color" name="config.colour" value="#2557d6"' in new.text
    assert '<option value="left">' in new.text and "White text on this colour" in new.text
    page = await client.get(f"/admin/channels/{tenant.channel.id}")
    assert "https://shop.example</textarea>" in page.text
    assert "Webhook URL" not in page.text and "Webhook url" not in page.text  # a web chat has none
    form = {
        "csrf": csrf_of(page.text), "name": "Shop chat", "default_team_id": "",
        "config.allowed_origins": "not an origin", "config.prechat_fields": "",
        "config.prechat_fields.name": "on", "config.language": "da", "config.position": "left",
        "config.colour": "#2557d6",
    }  # fmt: skip
    refused = await client.post(f"/admin/channels/{tenant.channel.id}", data=form)
    assert refused.status_code == 400
    assert "Some settings need a change: see the marked fields." in refused.text
    assert "is not an http(s) origin such as https://shop.example" in refused.text
    assert "not valid JSON" not in refused.text and "config.allowed_origins:" not in refused.text
    assert "not an origin</textarea>" in refused.text  # what was typed stays
    saved = await client.post(
        f"/admin/channels/{tenant.channel.id}",
        data={**form, "config.allowed_origins": "https://shop.example\nhttps://www.shop.example"},
    )
    assert saved.status_code == 303
    channel = await Channel.get(tenant.channel.id)
    assert channel is not None
    assert channel.config["allowed_origins"] == ["https://shop.example", "https://www.shop.example"]
    assert channel.config["prechat_fields"] == ["name"] and channel.config["language"] == "da"
    # A connector's warning is a sentence on the page, not a Python list.
    await channel.set({"config.colour": "#ffcc00"})
    page = await client.get(f"/admin/channels/{tenant.channel.id}")
    assert '<p class="banner">Colour #ffcc00: as text on white' in page.text
    assert "[&#39;" not in page.text and "['" not in page.text
    # Another account's channel is not found.
    other = await make_tenant(running.hub, "Globex")
    theirs = await client.get(f"/admin/channels/{other.channel.id}")
    assert theirs.status_code == 404
    await client.aclose()


async def test_a_twilio_form_and_its_refusals_in_danish(running: Running) -> None:
    """The labels, hints and refusals of a connector's fields are in the reader's language:
    pydantic's and the connector's English messages are not shown to a Danish admin."""
    tenant = await make_tenant(running.hub)
    admin = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe")
    await admin.set({"language": "da"})
    client = session_client(running, admin)
    new = await client.get("/admin/channels/new", params={"type": "twilio_sms"})
    assert new.status_code == 200
    for danish in ("Konto-SID", "Afsendernummer", "Begynder med AC", "Skabeloner"):
        assert danish in new.text, danish
    for english in ("Account Sid", "From Number", "Messaging Service Sid", "format: ^AC"):
        assert english not in new.text, english
    form = {
        "csrf": csrf_of(new.text), "type": "twilio_sms", "name": "SMS", "default_team_id": "",
        "config.account_sid": "XX123", "config.auth_token": "t", "config.from_number": "",
        "config.api_base_url": "not a url", "config.templates": "[{",
    }  # fmt: skip
    refused = await client.post("/admin/channels", data=form)
    assert refused.status_code == 400
    assert "Dette er ikke JSON" in refused.text and "this is not JSON" not in refused.text
    form["config.templates"] = ""
    refused = await client.post("/admin/channels", data=form)
    assert refused.status_code == 400
    text = refused.text
    assert "Nogle indstillinger skal ændres: se de markerede felter." in text
    assert "Ikke i den forventede form: se hjælpeteksten." in text  # account_sid's pattern
    assert "Ikke en webadresse" in text  # api_base_url
    assert "String should" not in text and "Input should" not in text
    # The model's own check (no field of its own) is said in the banner, in Danish.
    form.update(
        {"config.account_sid": "AC" + "0" * 32, "config.api_base_url": "", "config.templates": ""}
    )
    refused = await client.post("/admin/channels", data=form)
    assert refused.status_code == 400
    assert "Angiv et afsendernummer eller et SID for en beskedtjeneste." in refused.text
    assert "set from_number or messaging_service_sid" not in refused.text
    # The outbound guard's refusal of an address inside stands beside its field, in Danish.
    form.update(
        {"config.from_number": "+4520123456", "config.api_base_url": "http://169.254.169.254/"}
    )
    refused = await client.post("/admin/channels", data=form)
    assert refused.status_code == 400, refused.text
    assert "Hubben må ikke kalde http://169.254.169.254/" in refused.text
    assert 'id="err-api_base_url"' in refused.text and "is refused" not in refused.text
    await client.aclose()


def test_refusals_in_words() -> None:
    """Pydantic's and the connectors' English refusals in the reader's language; a place
    inside the field is kept, and a message no catalog knows is shown as written."""
    with i18n.speaking(i18n.Speech("sv")):
        assert channel_words.refusal("Field required") == "Obligatoriskt."
        assert channel_words.refusal("0.sid: String should match pattern '^HX'") == (
            "0.sid: Inte i förväntad form: se hjälptexten."
        )
        assert channel_words.refusal("String should have at most 40 characters") == (
            "Högst 40 tecken."
        )
        assert channel_words.refusal("Value error, unknown time zone 'Mars/Base'") == (
            "Okänd tidszon 'Mars/Base'."
        )
        assert channel_words.refusal("the widget frobnicated") == "the widget frobnicated"
    with i18n.speaking(i18n.Speech("fr")):
        assert channel_words.refusal("String should have at least 2 characters") == (
            "Au moins 2 caractères."
        )
    # The web chat's colour warning on its channel page, with the reader's decimal comma.
    warning = contrast_warning("#ffcc00")
    assert warning is not None and "as text on white" in warning
    with i18n.speaking(i18n.Speech("da")):
        said = channel_words.paste_in_words({"warnings": [warning]})["warnings"]
        assert isinstance(said, list) and said[0].startswith("Farven #ffcc00: som tekst på hvid")
        assert "1,5:1" in said[0] or "1,6:1" in said[0], said[0]
        assert channel_words.paste_labels()["smtp_listener"] == "Hubbens SMTP-modtager"
