"""Every user-facing string of the core, one function per message, Dutch and English.

Playbook content lives in the playbooks; this catalogue holds the bot's own words
(navigation, explanations, errors) so that wording is reviewed in one place.
"""

from __future__ import annotations


def _pick(lang: str, nl: str, en: str) -> str:
    return en if lang == "en" else nl


ROLE_NAMES: dict[str, tuple[str, str]] = {
    "vertrouwenspersoon": (
        "Vertrouwenspersoon / anti-pestcoördinator",
        "Confidential counsellor / anti-bullying coordinator",
    ),
    "zorgcoordinator": ("Zorgcoördinator", "Care coordinator"),
    "directie": ("Directie (schoolleiding)", "School leadership"),
    "bestuur": ("Bestuur (bevoegd gezag)", "School board"),
    "mentor": ("Mentor / klastitularis", "Mentor / form tutor"),
    "any-staff": ("Ieder personeelslid", "Any staff member"),
    "team": ("Het team", "The team"),
}


def role_name(role: str, lang: str) -> str:
    if role in ROLE_NAMES:
        nl, en = ROLE_NAMES[role]
        return _pick(lang, nl, en)
    return role.replace("-", " ").capitalize()


def roles_list(roles: list[str], lang: str) -> str:
    return ", ".join(role_name(role, lang) for role in roles)


def menu_title(lang: str) -> str:
    return _pick(lang, "Waar gaat het over?", "What is it about?")


def menu_intro(lang: str) -> str:
    return _pick(
        lang,
        "Beschrijf in je eigen woorden wat er speelt, of kies een protocol.\n\n"
        "**Acuut gevaar** (dreiging met geweld, suïcidale uitingen, een vermiste leerling)? "
        "Bel **112** en informeer de schoolleiding nu.",
        "Describe in your own words what is going on, or choose a protocol.\n\n"
        "**Acute danger** (a threat of violence, suicidal statements, a missing pupil)? "
        "Call **112** and inform the school leadership now.",
    )


def no_playbooks(lang: str) -> str:
    return _pick(
        lang,
        "Er zijn nog geen protocollen geladen. Vraag de beheerder om protocolwijzer lint playbooks uit te voeren.",
        "No protocols are loaded yet. Ask your administrator to run protocolwijzer lint playbooks.",
    )


def acute_danger(lang: str) -> str:
    """One compact line on every screen of a protocol (research A.4 rule 2, S-063)."""
    return _pick(
        lang,
        "**Acuut gevaar** (geweld, uitspraken over zelfdoding, vermist)? Bel **112** en informeer meteen de "
        "schoolleiding.",
        "**Acute danger** (violence, talk of suicide, missing)? Call **112** and inform the school leadership "
        "at once.",
    )


def no_copy_first(lang: str) -> str:
    """Before anything else when a typed question speaks of a sexual image (C-01, S-073)."""
    return _pick(
        lang,
        "**Gaat het om een naakt- of seksueel beeld?** Kopieer het niet, maak geen screenshot, stuur het niet "
        "door (ook niet naar collega's of de directie), print het niet en bewaar het niet, ook niet als bewijs. "
        "Vraag niemand het te sturen. Noteer alleen platform, account, tijdstip en wie het heeft.",
        "**Is it a nude or sexual image?** Do not copy it, do not screenshot it, do not forward it (not even to "
        "colleagues or the school leadership), do not print it and do not store it, not even as evidence. Ask "
        "nobody to send it. Note only the platform, account, time and who has it.",
    )


def opens_with_no_copy(text: str) -> bool:
    """The first paragraph of a do-now block already gives the no-copy rule."""
    first = text.split("\n\n", 1)[0].lower()
    return "ook niet als bewijs" in first or "not even as evidence" in first


def do_now_title(lang: str) -> str:
    return _pick(lang, "Doe nu", "Do now")


def question_progress(lang: str, number: int, total: int) -> str:
    return _pick(lang, f"Vraag {number} van {total}", f"Question {number} of {total}")


def steps_title(lang: str) -> str:
    return _pick(lang, "Stappen die passen bij jouw antwoorden", "Steps that fit your answers")


def all_steps_title(lang: str) -> str:
    return _pick(lang, "Alle stappen van dit protocol", "All steps of this protocol")


def your_answers(lang: str) -> str:
    return _pick(lang, "Jouw antwoorden", "Your answers")


def who(lang: str) -> str:
    return _pick(lang, "Wie", "Who")


def escalate_to(lang: str, roles: str, urgent: bool) -> str:
    if urgent:
        return _pick(lang, f"**Direct melden bij:** {roles}", f"**Report straight away to:** {roles}")
    return _pick(lang, f"**Melden bij:** {roles}", f"**Report to:** {roles}")


def inform_team_step(lang: str) -> str:
    return _pick(lang, "Dit is de stap om het team te informeren.", "This is the step to inform the team.")


def applies_when(lang: str, condition: str) -> str:
    return _pick(lang, f"Alleen als: {condition}", f"Only if: {condition}")


def always_applies(lang: str) -> str:
    return _pick(lang, "Geldt altijd", "Always applies")


def or_word(lang: str) -> str:
    return _pick(lang, "of", "or")


def related_label(lang: str, title: str) -> str:
    return _pick(lang, f"Open protocol: {title}", f"Open protocol: {title}")


def back(lang: str) -> str:
    return _pick(lang, "← Terug", "← Back")


def restart(lang: str) -> str:
    return _pick(lang, "Opnieuw", "Start over")


def all_steps(lang: str) -> str:
    return _pick(lang, "Alle stappen", "All steps")


def my_steps(lang: str) -> str:
    return _pick(lang, "Mijn stappen", "My steps")


def menu(lang: str) -> str:
    return _pick(lang, "Menu", "Menu")


def other_language(lang: str) -> str:
    """The label of the button that switches to the *other* language."""
    return _pick(lang, "English", "Nederlands")


def suggest_intro(lang: str) -> str:
    return _pick(
        lang,
        "Bedoel je een van deze protocollen?",
        "Do you mean one of these protocols?",
    )


def suggest_hint(lang: str) -> str:
    return _pick(
        lang,
        "Kies het protocol dat past, of **Iets anders** voor alle protocollen.",
        "Choose the protocol that fits, or **Something else** for all protocols.",
    )


def something_else(lang: str) -> str:
    return _pick(lang, "Iets anders", "Something else")


def not_understood(lang: str) -> str:
    return _pick(
        lang,
        "Dit herken ik niet als een situatie uit de protocollen voor ongewenst online gedrag. "
        "Kies hieronder een protocol, of beschrijf kort wat er online gebeurt.",
        "I don't recognise this as a situation covered by the protocols for unwanted online behaviour. "
        "Choose a protocol below, or describe briefly what is happening online.",
    )


def stale_button(lang: str) -> str:
    return _pick(
        lang,
        "Die knop hoort bij een eerder bericht en doet niets meer. Ga verder in het laatste bericht.",
        "That button belongs to an earlier message and no longer does anything. Continue in the latest message.",
    )


def unknown_button(lang: str) -> str:
    return _pick(
        lang,
        "Die knop herken ik niet (meer). Typ je vraag opnieuw of kies **Menu**.",
        "I don't recognise that button (any more). Type your question again or choose **Menu**.",
    )


def protocol_unavailable(lang: str) -> str:
    return _pick(
        lang,
        "Dit protocol is op dit moment niet beschikbaar. Kies een ander protocol of vraag de beheerder.",
        "This protocol is not available right now. Choose another protocol or ask your administrator.",
    )


def language_switched(lang: str) -> str:
    return _pick(lang, "Ik antwoord voortaan in het Nederlands.", "I will answer in English from now on.")


def unexpected_error(lang: str, ref: str) -> str:
    return _pick(
        lang,
        f"Sorry, er ging iets mis (ref {ref}). Probeer het opnieuw; bij acuut gevaar: bel 112.",
        f"Sorry, something went wrong (ref {ref}). Please try again; in acute danger call 112.",
    )


def briefing_header(lang: str, incident_type: str, number: str, coordinator: str) -> str:
    return _pick(
        lang,
        f"**Teambriefing — {incident_type}** (incident {number})\n\nAanspreekpunt: {coordinator}.",
        f"**Team briefing — {incident_type}** (incident {number})\n\nContact: {coordinator}.",
    )


def escalation_dm(lang: str, number: str, role: str, urgent: bool) -> str:
    if urgent:
        return _pick(lang, f"**Urgent incident {number}** voor jou als {role}. Kun je het oppakken?",
                     f"**Urgent incident {number}** for you as {role}. Can you take it?")
    return _pick(lang, f"**Incident {number}** voor jou als {role}. Kun je het oppakken?",
                 f"**Incident {number}** for you as {role}. Can you take it?")


def take_it(lang: str) -> str:
    return _pick(lang, "Ik pak dit op", "I'll take this")


def nobody_took_it(lang: str, number: str) -> str:
    return _pick(
        lang,
        f"Niemand heeft incident {number} nog opgepakt. Bel de schoolleiding (gaat het over de schoolleiding zelf: "
        "het bestuur); bij acuut gevaar: bel **112**.",
        f"Nobody has taken incident {number} yet. Call the school leadership (if it concerns the leadership "
        "itself: the school board); in acute danger call **112**.",
    )



def file_warning(lang: str, *, in_space: bool) -> str:
    """Safety rule 1 (DESIGN.md): the bot never looks at files; it warns when one is shared.
    Rests on S-072/S-073 and conflict C-01: a (possibly) sexual image of a minor is not
    copied, screenshotted, forwarded (not even to the leadership), printed, put on USB or
    kept "as evidence"; only platform, account or link, time, who has it and how it was
    found are noted, and the police decide how evidence is secured. Removing the copy that
    was just shared in the chat stops it spreading further; the original is not touched.
    """
    where_nl = "in deze incidentruimte" if in_space else "hier"
    where_en = "in this incident space" if in_space else "here"
    return _pick(
        lang,
        f"**Deel geen afbeeldingen of bestanden {where_nl}.** Protocolwijzer opent en bewaart ze niet"
        + (" en noteert alleen dat er een bestand is gedeeld." if in_space else ".")
        + "\n\nGaat het om een (mogelijk) naakt- of seksueel beeld van een minderjarige, ook bewerkt? "
        "Bezit en verspreiding zijn strafbaar, ook 'als bewijs'. Verwijder het bestand uit dit gesprek. "
        "Stuur het niet door, ook niet naar de coördinator of de directie, en "
        "maak geen kopie, screenshot, print of usb-kopie. Noteer alleen het platform, het account of de link, "
        "het tijdstip, wie het heeft en hoe het ontdekt is; de politie bepaalt hoe bewijs wordt veiliggesteld."
        "\n\n"
        "Beschrijf in woorden wat er speelt, zonder namen.",
        f"**Do not share images or files {where_en}.** Protocolwijzer does not open or keep them"
        + (" and only records that a file was shared." if in_space else ".")
        + "\n\nIs it a (possibly) nude or sexual image of a minor, even an edited one? Possessing and "
        "spreading it is a crime, also 'as evidence'. Delete the file from this conversation. "
        "Do not forward it, not even to the coordinator or the school leadership, and make no "
        "copy, screenshot, print or USB copy. Note only the platform, the account or link, the time, who has it "
        "and how it was found; the police decide how evidence is secured."
        "\n\nDescribe in words what is going on, without names.",
    )
