from __future__ import annotations

from tests.adapters.teams.world import TeamsWorld


async def test_a_question_in_the_personal_chat_gets_a_card(world: TeamsWorld) -> None:
    assert await world.say("teacher", "er gaat een naaktfoto van een leerling rond") in (200, 201, 202)
    shown = world.latest("teacher")
    print(shown.card)
    assert world.teams.problems == []
