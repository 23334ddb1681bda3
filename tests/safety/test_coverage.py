"""Every mandatory inventory item of a playbook's incident types is cited by one of its steps."""

from __future__ import annotations

from bot.playbooks.coverage import coverage, load_mandatory
from tests.conftest import DATA
from tests.safety.walk import library

EXPECTED_IDS = {
    "naaktbeeld-sexting", "sextortion-chantage", "roddelaccount", "cyberpesten", "online-bedreiging",
    "beeldpesten", "hack-nepaccount", "docent-meme", "medewerker-grensoverschrijdend", "preventie-beleid",
}


def test_all_ten_playbooks_are_in_the_library() -> None:
    assert set(library().ids()) == EXPECTED_IDS


def test_every_mandatory_item_is_cited() -> None:
    mandatory = load_mandatory(DATA / "inventory.yaml")
    assert {m.id for m in mandatory} >= {"S-053", "S-054", "S-072", "S-073", "S-066"}
    missing = [f"{row.playbook}: {row.item}" for row in coverage(library(), mandatory) if not row.covered]
    assert not missing, "\n".join(missing)
