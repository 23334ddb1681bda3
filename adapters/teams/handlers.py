"""Teams' entry points, translated into neutral events for the core.

* a message in the personal chat: the conversation itself;
* an @mention in a channel or group chat: a question that may concern a pupil or
  colleague (it reaches a protocol) is answered in the personal chat, with a neutral note
  in the thread; anything else gets the protocols as buttons there (anyone may press them:
  the protocol starts in that person's own personal chat);
* the message action "Vraag Protocolwijzer" (the message's text only, never its files)
  and the bot commands (menu, help, English: typed words the core knows);
* card presses (``adaptiveCard/action``, or ``Action.Submit`` from older clients): back to
  the core, refused politely when the card belongs to someone else's conversation;
* a file in the personal chat, sent to the bot, or in an incident space: the warning of
  safety rule 1; nothing is ever downloaded.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import ChannelAdapter, TurnContext

from adapters.teams import texts
from adapters.teams.answers import Answers, Origin, message_response, pages_of
from adapters.teams.cards import CardAction, parse_action
from adapters.teams.connector import ConnectorError
from adapters.teams.people import PLATFORM
from adapters.teams.platform import TeamsPlatform
from adapters.teams.quiet import frames
from bot.app import Core
from bot.conversation.views import Locale
from bot.events import ButtonPressed, Command, ConversationKey, Event, FileShared, FormSubmitted, TextMessage, UserRef
from bot.messages import Button, Reply, Section
from bot.ports import Unreachable

log = logging.getLogger(__name__)

MAX_TEXT = 4000
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
#: Attachments that are part of a message's own text, not a file someone shared.
NOT_FILES = frozenset({"text/html", "text/plain", CARD_TYPE})
MESSAGE_ACTION = "askProtocolwijzer"


def conversation_key(user_id: str) -> ConversationKey:
    """Every Teams conversation lives in the person's personal chat with the bot."""
    return ConversationKey(PLATFORM, user_id, "dm")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(content: str) -> str:
    """The words of a Teams message body (HTML), without markup, mentions kept as names."""
    parser = _Text()
    try:
        parser.feed(content[: MAX_TEXT * 4])
        parser.close()
    except Exception:  # html.parser is lenient; whatever it cannot take is dropped, not shown raw
        return ""
    return re.sub(r"\n{3,}", "\n\n", html.unescape("".join(parser.parts))).strip()[:MAX_TEXT]


def has_files(activity: Activity) -> bool:
    return any((a.content_type or "") not in NOT_FILES for a in activity.attachments or [])


class TeamsHandlers:
    def __init__(self, core: Core, platform: TeamsPlatform) -> None:
        self.core = core
        self.platform = platform
        self.people = platform.people
        self.answers = Answers(platform, self.lang)

    @property
    def lang(self) -> str:
        return self.core.directory.language if self.core.directory else self.core.settings.default_lang

    # -- registration ------------------------------------------------------------------
    def register(self, agent: Any) -> None:
        agent.activity(ActivityTypes.message)(self._guarded(self.on_message))
        agent.invoke("adaptiveCard/action")(self._guarded(self.on_card_action, invoke=True))
        agent.invoke("composeExtension/submitAction")(self._guarded(self.on_message_action, invoke=True))
        agent.activity(ActivityTypes.installation_update)(self._guarded(self.on_installed))
        agent.invoke()(self._guarded(self.on_other_invoke, invoke=True))  # RouteRank.LAST: anything else
        agent.error(self.on_error)

    def _guarded(self, handler: Any, *, invoke: bool = False) -> Any:
        """Nothing a handler raises reaches the SDK (which would log its message and send the
        person the exception text): logged by type, the person gets a short apology."""

        async def run(context: TurnContext, _state: Any) -> None:
            try:
                await handler(context)
            except Exception as exc:
                ref = uuid.uuid4().hex[:6]
                # Teams refusing a call is not a bug: one line. Anything else: our frames, for a developer
                # (a traceback shows code, never the activity; exception texts are ours or status codes).
                expected = isinstance(exc, ConnectorError | Unreachable | aiohttp.ClientError | TimeoutError)
                log.error("a Teams handler failed: %s%s (ref %s)%s", type(exc).__name__,
                          f" {exc}" if isinstance(exc, ConnectorError) else "", ref,
                          "" if expected else "\n" + frames(exc))
                if invoke:
                    try:
                        await self._respond(context, message_response(texts.something_went_wrong(self.lang, ref)))
                    except Exception as again:
                        log.error("could not answer a failed Teams invoke: %s", type(again).__name__)

        run.__name__ = handler.__name__
        return run

    async def on_error(self, _context: TurnContext, error: Exception) -> None:
        log.error("a Teams turn failed: %s", type(error).__name__)

    # -- who and where -------------------------------------------------------------------
    async def _who(self, activity: Activity) -> tuple[UserRef, Origin]:
        personal = activity.conversation.conversation_type == "personal"  # only when Teams says so
        account = activity.from_property.model_dump(by_alias=True, exclude_none=True) if activity.from_property else {}
        service_url = activity.service_url or self.people.service_url
        user = await self.people.seen(account, service_url=service_url, conversation=activity.conversation.id,
                                      personal_conversation=activity.conversation.id if personal else "")
        origin = Origin(user.id, service_url, activity.conversation.id, personal,
                        card_id=str(activity.reply_to_id or ""), invoke=activity.type == ActivityTypes.invoke)
        return user, origin

    async def _answer(self, event: Event, origin: Origin) -> dict[str, Any] | None:
        replies = await self.core.handle(event)
        return await self.answers.deliver(origin, replies)

    async def _in_personal_chat(self, user: UserRef) -> Origin:
        service_url, conversation, _person = await self.platform.reach(user.id)
        return Origin(user.id, service_url, conversation, True)

    @staticmethod
    async def _respond(context: TurnContext, body: dict[str, Any]) -> None:
        """The invoke's answer, handed to the adapter as its ``send_activities`` would (without
        ``send_activity``'s deep copy of a whole card: that alone cost a millisecond a press)."""
        context.turn_state[ChannelAdapter.INVOKE_RESPONSE_KEY] = Activity(
            type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))

    # -- messages ----------------------------------------------------------------------
    async def on_message(self, context: TurnContext) -> None:
        activity = context.activity
        user, origin = await self._who(activity)
        if isinstance(activity.value, dict) and activity.value:  # Action.Submit from an older client
            origin = dataclasses.replace(origin, pages=pages_of(activity.value))
            await self._card_action(user, origin, parse_action(activity.value))
            return
        if has_files(activity):
            await self._file_shared(user, origin, with_bot=True)
        text = (activity.text or "").strip()[:MAX_TEXT]
        if not text:
            return
        if origin.personal:
            await self._answer(TextMessage(conversation_key(user.id), user, text), origin)
            return
        # A mention in a channel or group chat.
        if self.core.router.route(text).decision != "menu":
            lang = self.core.router.detect_language(text) or self.lang
            await self._answer(TextMessage(conversation_key(user.id), user, text), await self._in_personal_chat(user))
            await self._note(origin, texts.answered_privately(lang), lang)
            return
        await self._protocol_menu(origin)

    async def _file_shared(self, user: UserRef, origin: Origin, *, with_bot: bool) -> None:
        shared = FileShared(conversation_key(user.id), user, origin.conversation_id, with_bot=with_bot)
        for reply in await self.core.handle(shared):
            await self.answers.send(origin.service_url, origin.conversation_id, reply)

    async def _note(self, origin: Origin, text: str, lang: str) -> None:
        await self.answers.send(origin.service_url, origin.conversation_id, Reply(text, (Section(text),), lang=lang))

    async def _protocol_menu(self, origin: Origin) -> None:
        lang = self.lang
        jurisdiction = self.core.directory.jurisdiction if self.core.directory else None
        loc = Locale(lang, jurisdiction)
        intro = texts.channel_intro(lang)
        buttons = tuple(Button(f"open:{p.id}", loc.t(p.title))
                        for p in self.core.library.for_jurisdiction(jurisdiction))
        await self.answers.send(origin.service_url, origin.conversation_id,
                                Reply(intro.split("\n", 1)[0].replace("**", ""), (Section(intro),), buttons,
                                      lang=lang))

    # -- card presses --------------------------------------------------------------------
    async def on_card_action(self, context: TurnContext) -> None:
        user, origin = await self._who(context.activity)
        action = _mapping(_mapping(context.activity.value).get("action"))
        origin = dataclasses.replace(origin, pages=pages_of(action.get("data")))
        response = await self._card_action(user, origin, parse_action(context.activity.value))
        await self._respond(context, response or message_response(texts.see_below(self.lang)))

    async def _card_action(self, user: UserRef, origin: Origin, action: CardAction | None) -> dict[str, Any] | None:
        key = conversation_key(user.id)
        lang = self.lang
        if action is None:
            return await self.answers.deliver(origin, [_note(texts.unknown_button(lang), lang)])
        if action.kind == "p" and action.payload.startswith("open:"):  # a protocol chosen from a channel's menu
            action = CardAction("open", action.payload.removeprefix("open:"), action.owner)
        if action.kind == "open":
            target = origin if origin.personal else await self._in_personal_chat(user)
            await self._answer(Command(key, user, "open", action.payload[:64]),
                               Origin(user.id, target.service_url, target.conversation_id, True))
            return None if not origin.invoke else message_response(
                texts.continue_in_chat(lang) if not origin.personal else texts.see_below(lang))
        if action.owner and action.owner != user.id:
            log.warning("refused a Teams card press from someone else's conversation")
            return await self.answers.deliver(origin, [_note(texts.not_yours(lang), lang)])
        if action.kind == "resume":
            return await self._answer(Command(key, user, "resume"), origin)
        if action.kind == "form":
            origin = dataclasses.replace(origin, values=dict(action.values))
            return await self._form(user, origin, action)
        return await self._answer(ButtonPressed(key, user, action.payload), origin)

    async def _form(self, user: UserRef, origin: Origin, action: CardAction) -> dict[str, Any] | None:
        key = conversation_key(user.id)
        replies = await self.core.handle(FormSubmitted(key, user, action.payload, dict(action.values)))
        field = next((r.meta.get("field", "") for r in replies if r.ephemeral and r.meta.get("field")), "")
        if field and origin.personal:
            # The form again, as filled in, with the remark under its field: nothing typed is lost.
            shown = [r for r in await self.core.handle(Command(key, user, "resume")) if r.form is not None]
            if shown and shown[0].form is not None:
                remark = next(r for r in replies if r.ephemeral)
                return await self.answers.form_errors(origin, remark, shown[0].form, field)
        return await self.answers.deliver(origin, replies)

    # -- the message action and installation -------------------------------------------------
    async def on_message_action(self, context: TurnContext) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if value.get("commandId") != MESSAGE_ACTION:
            await self._respond(context, {})
            return
        user, origin = await self._who(activity)
        payload = _mapping(value.get("messagePayload"))
        body = _mapping(payload.get("body"))
        text = html_text(str(body.get("content") or ""))  # the message's words only, never its files
        chat = await self._in_personal_chat(user)
        if payload.get("attachments"):
            await self._file_shared(user, chat, with_bot=True)
        lang = self.lang
        if not text:
            await self._note(chat, texts.message_action_no_text(lang), lang)
        else:
            await self._answer(Command(conversation_key(user.id), user, "start", text), chat)
        await self._respond(context, {"task": {"type": "message", "value": texts.continue_in_chat(lang)}})

    async def on_installed(self, context: TurnContext) -> None:
        """Installed in someone's personal scope (by them or by the school's setup policy):
        remember how to reach them, and say what the bot is for."""
        activity = context.activity
        user, origin = await self._who(activity)
        if activity.action == "add" and origin.personal:
            await self._answer(Command(conversation_key(user.id), user, "menu"), origin)

    async def on_other_invoke(self, context: TurnContext) -> None:
        """An invoke this app does not use (a task module, a search): a clean empty answer."""
        log.info("ignored a Teams invoke the app does not use")
        await self._respond(context, {})


def _mapping(value: Any) -> dict[str, Any]:
    """A JSON object from an activity, or an empty one for anything else (never trusted)."""
    return value if isinstance(value, dict) else {}


def _note(text: str, lang: str) -> Reply:
    return Reply(text, (Section(text),), ephemeral=True, lang=lang)
