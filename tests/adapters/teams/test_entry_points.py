"""Every way into the bot on Teams: the personal chat, a mention in a channel or group chat,
the message action, the bot commands, files, and presses that are not the presser's."""

from __future__ import annotations

from tests.adapters.teams.test_journey import QUESTION, answer_triage, text_of
from tests.adapters.teams.world import Shown, TeamsWorld
from tests.fakes import teams_activities as a
from tests.fakes.teams_connector import buttons


async def test_a_mention_about_a_pupil_is_answered_in_the_personal_chat_with_a_neutral_note(world: TeamsWorld) -> None:
    teacher = world.people["teacher"]
    channel = world.staff_team.channel("Team")
    status, _ = await world.post(a.channel_mention(teacher, QUESTION, team_id=world.staff_team.id,
                                                   channel_id=channel, service_url=world.teams.url))
    assert status in (200, 201, 202)
    [note] = world.teams.messages_in(channel)
    assert "privéchat" in text_of(note.cards) and "naakt" not in text_of(note.cards).lower(), "a neutral note"
    assert "naakt" in text_of(world.latest("teacher").card).lower(), "the answer is in the personal chat"


async def test_any_other_mention_gets_the_protocols_and_a_press_starts_in_the_presser_s_own_chat(
    world: TeamsWorld,
) -> None:
    teacher, mentor = world.people["teacher"], world.people["mentor"]
    channel = world.staff_team.channel("Team")
    await world.post(a.channel_mention(teacher, "hallo", team_id=world.staff_team.id, channel_id=channel,
                                       service_url=world.teams.url))
    [menu] = world.teams.messages_in(channel)
    assert len(buttons(menu.card)) >= 10, "the protocols as buttons"
    place = a.channel(world.staff_team.id, channel, menu.id)
    answer = await world.press("mentor", Shown(menu.conversation_id, menu.id, menu.card, place),
                               str(buttons(menu.card)[0]["title"]))
    assert answer["type"] == "application/vnd.microsoft.activity.message" and "privéchat" in answer["value"]
    assert world.teams.messages_to(mentor), "the protocol opened in the mentor's own chat"
    assert not world.teams.messages_to(teacher)
    assert len(world.teams.messages_in(channel)) == 1, "nothing more in the channel"


async def test_the_message_action_uses_the_text_only_and_warns_about_files(world: TeamsWorld) -> None:
    teacher = world.people["teacher"]
    place = a.channel(world.staff_team.id, world.staff_team.channel("Team"))
    attachment = {"id": "1", "contentType": "reference", "name": "foto.jpg",
                  "contentUrl": "https://school.sharepoint.com/foto.jpg"}
    status, body = await world.post(a.message_action(
        teacher, place, service_url=world.teams.url, html="<p>er gaat een <b>naaktfoto</b> rond van een leerling</p>",
        attachments=[attachment]))
    assert status == 200 and body["task"]["type"] == "message"
    shown = " ".join(text_of(m.cards) for m in world.teams.messages_to(teacher))
    assert "naakt" in shown.lower(), "the message's words reached the protocol"
    assert "Kopieer" in shown or "kopieer" in shown, "the file warning came first"
    assert not [c for c in world.teams.calls if "sharepoint" in c.path], "no file is ever fetched"

    status, body = await world.post(a.message_action(teacher, place, service_url=world.teams.url, html="",
                                                     attachments=[attachment]))
    assert status == 200
    assert "geen tekst" in text_of(world.latest("teacher").card)


async def test_bot_commands_are_words_the_core_knows(world: TeamsWorld) -> None:
    await world.say("teacher", "English")
    assert '"lang": "en"' in text_of(world.latest("teacher").card)
    await world.say("teacher", "menu")
    assert len(buttons(world.latest("teacher").card)) >= 10


async def test_a_file_in_the_personal_chat_gets_the_warning_and_is_never_fetched(world: TeamsWorld) -> None:
    teacher = world.people["teacher"]
    status, _ = await world.post(a.personal_file(teacher, service_url=world.teams.url, name="screenshot.png"))
    assert status in (200, 201, 202)
    warning = text_of(world.latest("teacher").card)
    assert "screenshot" in warning.lower() or "kopieer" in warning.lower()
    assert all(c.method != "GET" or "/v3/" in c.path for c in world.teams.calls)


async def test_a_press_on_someone_else_s_card_is_refused_politely(world: TeamsWorld) -> None:
    await world.say("teacher", QUESTION)
    shown = world.latest("teacher")
    title = str(buttons(shown.card)[0]["title"])
    stolen = Shown(shown.conversation, shown.activity_id, shown.card, a.personal(world.people["mentor"]))
    answer = await world.press("mentor", stolen, title)
    assert answer["type"] == "application/vnd.microsoft.activity.message" and "iemand anders" in answer["value"]
    assert world.latest("teacher").card == shown.card, "the teacher's conversation did not move"


async def test_a_forged_or_stale_press_is_refused_politely(world: TeamsWorld) -> None:
    await world.say("teacher", QUESTION)
    shown = world.latest("teacher")
    teacher = world.people["teacher"]
    for data in ({"pw": "p", "p": "x:forged", "o": ""}, {"pw": "bogus"}, [1, 2], "string"):
        status, body = await world.post(a.card_action(teacher, a.personal(teacher), verb="pw", data=data,
                                                      reply_to_id=shown.activity_id, service_url=world.teams.url))
        assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message", (data, body)


async def test_older_clients_press_the_submit_fallback_and_the_card_is_updated_in_place(world: TeamsWorld) -> None:
    await world.say("teacher", QUESTION)
    shown = world.latest("teacher")
    before = shown.card
    await world.press("teacher", shown, "Nee", fallback=True)
    message = world.teams.message(shown.activity_id)
    assert message.card != before, "updated with the connector (PUT), as there is no invoke answer"
    assert len(world.teams.messages_to(world.people["teacher"])) == 1


async def test_a_field_error_keeps_the_form_with_what_was_typed(world: TeamsWorld) -> None:
    await world.say("teacher", QUESTION)
    steps = await answer_triage(world, "teacher")
    await world.press("teacher", steps, "Meld bij coördinator")
    typed = {"what": "Sanne de Boer krijgt een foto doorgestuurd", "where": "Snapchat", "since": "gisteren"}
    answer = await world.press("teacher", steps, "Melden", inputs=typed)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", "the form stays"
    card = text_of(answer["value"])
    assert "Sanne de Boer" in card, "what was typed is kept"
    assert "naam" in card.lower(), "the remark about the full name is shown"


async def test_a_file_in_the_incident_chat_is_warned_about_and_recorded_never_fetched(world: TeamsWorld) -> None:
    from sqlalchemy import select

    from bot.incidents.models import ChronologyRow
    from tests.adapters.teams.test_journey import report

    await report(world)
    await world.work()
    [chat] = world.graph.chats.values()
    vp = world.people["vp"]
    status, _ = await world.post(a.channel_file(vp, a.group_chat(chat.id), service_url=world.teams.url,
                                                name="screenshot-van-de-chat.png"))
    assert status in (200, 201, 202)
    warning = world.teams.messages_in(chat.id)[-1]
    assert "kopieer" in text_of(warning.cards).lower() or "screenshot" in text_of(warning.cards).lower()
    async with world.core.db.connect() as connection:
        kinds = list((await connection.execute(select(ChronologyRow.kind))).scalars())
    assert "file" in kinds, "the chronology says a file was shared, not stored"
    assert not [c for c in world.teams.calls if "sharepoint" in c.path or "download" in c.path]


async def test_a_typed_answer_counts_in_teams_too(world: TeamsWorld) -> None:
    """Issue #15, the same on every platform: "ja" typed at a triage question answers it."""
    await world.say("teacher", QUESTION)
    assert "acute nood" in text_of(world.latest("teacher").card)
    await world.say("teacher", "ja")
    card = text_of(world.latest("teacher").card)
    assert "Je antwoord: **Ja**" in card and "Vraag 2 van" in card
