"""What the chat shows before anyone writes: greeting, team, agents available now, reply time.

Built once per session (``POST /widget/v1/session``): the team from the channel's
``default_team_id``, the agents from the User documents' presence, the expected
reply time from the report counters (``hub.facts.reply_time``), and when a closed
chat opens again from the business hours.
"""

from __future__ import annotations

from hub import widget_services
from hub.contract import JsonObject, now
from hub.widget_services import Channel, typical_reply_minutes
from webchat_widget.appearance import readable_on_white, text_colour
from webchat_widget.config import WebchatConfig

#: Agents shown in the header at most.
MAX_AGENTS = 3


def initials(name: str | None) -> str:
    """Up to two initials of a display name (``"Alex Berg"`` -> ``"AB"``)."""
    words = [w for w in (name or "").replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    picked = words[:1] + words[1:][-1:]
    return "".join(w[0] for w in picked).upper()


async def available_agents(channel: Channel) -> list[dict[str, str]]:
    """Display names and initials of the channel team's agents who are available now."""
    users = await widget_services.active_users(channel.account_id)
    team = channel.default_team_id
    shown = [u for u in users if u.presence == "available" and (team is None or team in u.team_ids)]
    shown.sort(key=lambda u: u.last_seen_at or u.created_at, reverse=True)
    return [{"name": u.name or "", "initials": initials(u.name)} for u in shown[:MAX_AGENTS]]


def appearance(config: WebchatConfig) -> JsonObject:
    return {
        "colour": config.colour,
        "text_colour": text_colour(config.colour),
        "accent_readable": readable_on_white(config.colour),
        "position": config.position,
        "launcher_text": config.launcher_text,
        "show_agent_avatars": config.show_agent_avatars,
        "sound": config.sound,
    }


async def welcome(channel: Channel, config: WebchatConfig, lang: str) -> JsonObject:
    """The session's welcome fields (see the module docstring)."""
    at = now()
    back = config.back_at(at)
    hours = config.business_hours
    # Outside business hours nobody is "available now", whatever their presence says.
    staffed = config.show_agent_avatars and config.is_open(at)
    agents = await available_agents(channel) if staffed else []
    return {
        "greeting": config.text("greeting", lang),
        "team_line": config.text("team_line", lang),
        "team_name": await widget_services.team_name(channel.account_id, channel.default_team_id),
        "agents": [{"name": a["name"], "initials": a["initials"]} for a in agents],
        "reply_minutes": await typical_reply_minutes(
            channel.account_id, str(channel.id), tz=hours.timezone if hours else "UTC"
        ),
        "back_at": back.isoformat() if back else None,
        "appearance": appearance(config),
    }
