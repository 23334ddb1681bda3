"""Every way into Protocolwijzer on Slack: a mention, /protocol, the message shortcut,
the Home tab, and a shared file, each over signed requests against the fake Web API."""

from __future__ import annotations

from tests.adapters.slack.test_journey import REPORT, answer_triage
from tests.adapters.slack.world import DIRECTIE, TEACHER, VP, SlackWorld, find, text_of
from tests.fakes import slack_payloads as p

GENERAL = "CGENERAL1"


def general(world: SlackWorld) -> None:
    if GENERAL not in world.fake.channels:
        world.fake.add_channel(GENERAL, "algemeen", is_private=False,
                               members={TEACHER, VP, DIRECTIE, world.fake.bot_user_id})


async def test_a_sensitive_mention_is_answered_privately(world: SlackWorld) -> None:
    general(world)
    status, _ = await world.event(p.app_mention(TEACHER, "<@UBOT> er gaat een naaktfoto rond van een leerling",
                                                GENERAL, ts="1700000100.000100"))
    assert status == 200
    dm = world.latest(TEACHER)
    assert "aakt" in text_of(dm), "the answer is in the DM"
    assert not world.fake.messages_in(GENERAL), "nothing about it is posted in the channel"
    [note] = [e for e in world.fake.ephemerals if e["channel"] == GENERAL]
    assert note["user"] == TEACHER and note["thread_ts"] == "1700000100.000100" and "privébericht" in note["text"]


async def test_a_plain_mention_gets_the_protocols_in_the_thread(world: SlackWorld) -> None:
    general(world)
    await world.event(p.app_mention(VP, "<@UBOT> hoi", GENERAL, ts="1700000200.000100"))
    [menu] = world.fake.messages_in(GENERAL)
    assert menu["thread_ts"] == "1700000200.000100"
    # Anyone may press a protocol there: it starts in their own DM.
    await world.press(DIRECTIE, find(menu, "Roddel", GENERAL))
    assert "oddel" in text_of(world.latest(DIRECTIE))
    assert len(world.fake.messages_in(GENERAL)) == 1, "the thread stays as it was"


async def test_the_slash_command_answers_in_the_dm(world: SlackWorld) -> None:
    form = p.slash_command(TEACHER, "een leerling wordt bedreigd op instagram", trigger_id="t",
                           response_url=world.fake.response_url("cmd"), channel=GENERAL)
    status, body = await world.post(p.form_body(form), p.FORM)
    assert status == 200 and "privégesprek" in body
    assert "edreig" in text_of(world.latest(TEACHER))
    # Typed in a DM between two people: the answer still goes to the DM with the bot.
    form = p.slash_command(TEACHER, "wat doe ik bij een nepaccount", trigger_id="t",
                           response_url=world.fake.response_url("cmd3"), channel="DQQOTHER9",
                           channel_name="directmessage")
    status, body = await world.post(p.form_body(form), p.FORM)
    assert status == 200 and "privégesprek" in body
    assert "ccount" in text_of(world.latest(TEACHER))
    assert not [c for c in world.fake.calls if c.args.get("channel") == "DQQOTHER9"]
    # In the DM with the bot, without a question: the protocols to choose from, right there.
    await world.dm(VP, "hallo")
    form = p.slash_command(VP, "", trigger_id="t", response_url=world.fake.response_url("cmd2"),
                           channel=world.fake.dm_id(VP), channel_name="directmessage")
    status, body = await world.post(p.form_body(form), p.FORM)
    assert status == 200 and body == ""
    assert find(world.latest(VP), "Naakt")


async def test_the_message_shortcut_uses_the_text_only(world: SlackWorld) -> None:
    general(world)
    files = [p.file_object("F9", "naakt.jpg", "image/jpeg", user=DIRECTIE)]
    payload = p.message_shortcut(TEACHER, callback_id="ask_protocolwijzer",
                                 message_text="Er staat een nepaccount van meneer de Boer online",
                                 channel=GENERAL, message_ts="1700000300.000100", trigger_id="t",
                                 response_url=world.fake.response_url("sc"), files=files)
    status, _ = await world.post(p.interactive_body(payload), p.FORM)
    assert status == 200
    assert "ccount" in text_of(world.latest(TEACHER))
    assert not [c for c in world.fake.calls if c.method.startswith("files.")], "files are never fetched"
    # A message with only a file: nothing to go on but the file, which is never looked at.
    payload = p.message_shortcut(VP, callback_id="ask_protocolwijzer", message_text="", channel=GENERAL,
                                 message_ts="1700000300.000200", trigger_id="t",
                                 response_url=world.fake.response_url("sc2"), files=files)
    await world.post(p.interactive_body(payload), p.FORM)
    assert "geen tekst" in text_of(world.latest(VP))


async def test_the_home_tab_lists_protocols_and_a_coordinators_open_incidents(world: SlackWorld) -> None:
    await world.event(p.app_home_opened(TEACHER))
    home = world.fake.home[TEACHER]
    assert "Naakt" in str(home) and "incidenten" not in str(home).lower(), "a teacher sees no incident list"
    # A protocol button on the Home tab starts it in the DM.
    button = find(home, "Roddel")
    payload = p.block_actions(TEACHER, action_id=button.element["action_id"], value=button.element["value"],
                              block_id=button.block_id, trigger_id=world.fake.issue_trigger(user=TEACHER),
                              container_type="view", view=home)
    await world.post(p.interactive_body(payload), p.FORM)
    assert "oddel" in text_of(world.latest(TEACHER))

    await world.dm(TEACHER, "er gaat een naaktfoto rond van een leerling")
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.submit(TEACHER, REPORT)
    await world.work()
    await world.event(p.app_home_opened(VP))
    home = str(world.fake.home[VP])
    assert "2026-0001" in home and "<#C" in home
    assert "WhatsApp-groep" not in home and "K." not in home, "no report text on a home screen"
    await world.event(p.app_home_opened(TEACHER))
    assert "2026-0001" not in str(world.fake.home[TEACHER])


async def test_a_file_in_a_mention_or_asked_about_gets_the_warning(world: SlackWorld) -> None:
    general(world)
    files = [p.file_object("F3", "IMG_0002.jpg", "image/jpeg", user=TEACHER)]
    mention = p.app_mention(TEACHER, "<@UBOT> wat moet ik hiermee?", GENERAL, ts="1700000800.000100")
    mention["files"] = files
    await world.event(mention)
    [warning] = [e for e in world.fake.ephemerals if e["channel"] == GENERAL and "Deel geen" in e["text"]]
    assert warning["user"] == TEACHER and warning["thread_ts"] == "1700000800.000100"
    payload = p.message_shortcut(VP, callback_id="ask_protocolwijzer", message_text="kijk wat er rondgaat in 3B",
                                 channel=GENERAL, message_ts="1700000800.000200", trigger_id="t",
                                 response_url=world.fake.response_url("sc3"), files=files)
    await world.post(p.interactive_body(payload), p.FORM)
    shown = [text_of(m) for m in world.fake.messages_in(VP)]
    assert any("Deel geen" in t for t in shown), "warned in the DM"
    assert len(shown) >= 2, "and the text is still answered"
    assert not [c for c in world.fake.calls if c.method.startswith("files.")]


async def test_a_file_in_the_dm_gets_the_warning_and_is_never_fetched(world: SlackWorld) -> None:
    files = [p.file_object("F1", "IMG_0001.jpg", "image/jpeg", user=TEACHER)]
    await world.event(p.message_im(TEACHER, "kijk", channel=world.fake.dm_id(TEACHER), files=files))
    warning = world.latest(TEACHER)
    assert "Deel geen afbeeldingen" in text_of(warning) and "strafbaar" in text_of(warning)
    assert not [c for c in world.fake.calls if c.method.startswith("files.")]


async def test_a_file_in_an_incident_channel_is_warned_about_and_recorded(world: SlackWorld) -> None:
    await world.dm(TEACHER, "er gaat een naaktfoto rond van een leerling")
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.submit(TEACHER, REPORT)
    await world.work()
    channel = world.fake.channel_by_name("incident-2026-0001")
    assert channel is not None
    files = [p.file_object("F2", "bewijs.png", user=VP)]
    await world.event(p.message_in_channel(VP, "", channel.id, files=files, ts="1700000400.000100"))
    await world.work()
    messages = world.fake.messages_in(channel.id)
    warning = messages[-1]
    assert warning["thread_ts"] == "1700000400.000100" and "incidentruimte" in text_of(warning)
    assert "bestand gedeeld (niet opgeslagen)" in text_of(messages[0]), "the card's chronology records it"
    # The same in any other channel the bot is in is none of its business.
    general(world)
    before = len(world.fake.calls)
    await world.event(p.message_in_channel(VP, "", GENERAL, channel_type="channel", files=files))
    assert not [c for c in world.fake.calls[before:] if c.method.startswith("chat.")]
