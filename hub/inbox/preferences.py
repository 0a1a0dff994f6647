"""A user's own preferences: the language and time zone the pages use for them."""

from __future__ import annotations

from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.store import users
from hub.web import i18n, pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.i18n import gettext as _


@inbox_view()
async def save(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    language = str(form.get("language", "")) or None
    zone = str(form.get("timezone", "")) or None
    if language is not None and language not in i18n.LANGUAGES:
        return error_page(request, 400, _("Language: pick one of the listed languages."))
    if zone is not None and zone not in available_timezones():
        return error_page(
            request, 400, _("Time zone: %(zone)s is not a time zone.") % {"zone": zone}
        )
    assert ctx.user.id is not None
    await users.set_preferences(ctx.account_id, ctx.user.id, language, zone)
    # The next page speaks the new language: confirm in it.
    with i18n.speaking(i18n.Speech(language or ctx.account.language, zone or "UTC")):
        message = _("Preferences saved.")
    if pages.is_htmx(request):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    pages.flash(request, message)
    back = request.headers.get("referer", "")
    return pages.redirect(
        request, pages.safe_next(back.split(request.url.netloc, 1)[-1] or "/inbox")
    )


routes = [Route("/inbox/preferences", save, methods=["POST"])]
