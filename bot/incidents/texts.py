"""The words of reporting and running an incident, Dutch and English.

Kept apart from :mod:`bot.texts` (the conversation's words) so each catalogue stays
small enough to review in one sitting. Nothing here ever includes what a reporter typed.
"""

from __future__ import annotations

from bot.texts import _pick, role_name


def report_button(lang: str) -> str:
    return _pick(lang, "Meld bij coördinator", "Report to coordinator")


def report_title(lang: str) -> str:
    return _pick(lang, "Melden bij de coördinator", "Report to the coordinator")


def report_guidance(lang: str) -> str:
    return _pick(
        lang,
        "**Gebruik initialen of een omschrijving, geen namen.** Voeg de afbeelding nooit toe en plak hem niet: "
        "ook niet als bewijs. Beschrijf een naakt- of seksueel beeld niet. Noteer alleen platform, account, "
        "tijdstip en wie het heeft.",
        "**Use initials or a description, no names.** Never attach or paste the image, not even as evidence. "
        "Do not describe a nude or sexual image. Note only the platform, account, time and who has it.",
    )


def full_name_warning(lang: str) -> str:
    """A warning, not a refusal: the second submit goes through."""
    return _pick(
        lang,
        "Dit lijkt een volledige naam. Gebruik liever initialen of een omschrijving (bijvoorbeeld \"J., 2e klas\" "
        "of \"een collega\"). Pas het aan, of verstuur nog een keer om het zo te melden.",
        "This looks like a full name. Initials or a description are better (for example \"J., second year\" or "
        "\"a colleague\"). Change it, or submit again to report it as it is.",
    )


def form_what(lang: str) -> str:
    return _pick(lang, "Wat is er gebeurd?", "What happened?")


def form_what_hint(lang: str) -> str:
    return _pick(lang, "Bijvoorbeeld: een leerling (J.) uit de bovenbouw wordt in een groepsapp uitgescholden.",
                 "For example: a pupil (J.) in the upper years is being abused in a group chat.")


def form_where(lang: str) -> str:
    return _pick(lang, "Waar? (platform, groep of account)", "Where? (platform, group or account)")


def form_where_hint(lang: str) -> str:
    return _pick(lang, "Bijvoorbeeld: Snapchat, klassengroep; Instagram-account @…",
                 "For example: Snapchat, class group; Instagram account @…")


def form_since(lang: str) -> str:
    return _pick(lang, "Sinds wanneer?", "Since when?")


def form_since_hint(lang: str) -> str:
    return _pick(lang, "Bijvoorbeeld: sinds gisteravond", "For example: since last night")


def form_colleague_role(lang: str) -> str:
    return _pick(lang, "Heeft de collega om wie het gaat een rol in de school?",
                 "Does the colleague concerned hold a role in the school?")


def form_colleague_hint(lang: str) -> str:
    return _pick(lang, "Wie die rol heeft, krijgt niets van dit incident te zien of te horen.",
                 "Whoever holds that role will not see or hear anything of this incident.")


def choose(lang: str) -> str:
    return _pick(lang, "Kies…", "Choose…")


def no_school_role(lang: str) -> str:
    return _pick(lang, "Nee, geen van deze rollen", "No, none of these roles")


def report_submit(lang: str) -> str:
    return _pick(lang, "Melden", "Report")


def cancel(lang: str) -> str:
    return _pick(lang, "Annuleren", "Cancel")


def reported(lang: str, number: str, roles: str, urgent: bool) -> str:
    if urgent:
        return _pick(lang, f"**Incident {number} is gemeld.** {roles} krijgt nu direct een bericht. "
                           "Je hoort wie het oppakt.",
                     f"**Incident {number} has been reported.** {roles} is being messaged right now. "
                     "You will hear who takes it.")
    return _pick(lang, f"**Incident {number} is gemeld.** {roles} krijgt een bericht. Je hoort wie het oppakt.",
                 f"**Incident {number} has been reported.** {roles} is being messaged. You will hear who takes it.")


def report_received(lang: str, number: str) -> str:
    return _pick(lang, f"Je melding is verstuurd: incident {number}. Wat er nu gebeurt, staat hieronder.",
                 f"Your report has been sent: incident {number}. What happens next is below.")


def out_of_hours(lang: str, when: str) -> str:
    return _pick(
        lang,
        f"Het is nu buiten werktijd: de coördinator krijgt het bericht {when}. "
        "**Acuut gevaar?** Bel **112** en informeer nu de schoolleiding.",
        f"It is outside working hours now: the coordinator gets the message {when}. "
        "**Acute danger?** Call **112** and inform the school leadership now.",
    )


def nobody_reachable(lang: str) -> str:
    return _pick(lang, "Er is in de schoolgids niemand ingesteld die dit kan oppakken. Bel de schoolleiding (gaat "
                       "het over de schoolleiding zelf: het bestuur); bij acuut gevaar: bel **112**.",
                 "Nobody in the school directory can take this. Call the school leadership (if it concerns the "
                 "leadership itself: the school board); in acute danger call **112**.")


def taken_by(lang: str, number: str, who: str) -> str:
    return _pick(lang, f"Incident {number} is opgepakt door {who}.", f"Incident {number} has been taken by {who}.")


def you_own_it(lang: str, number: str) -> str:
    return _pick(lang, f"**Je bent eigenaar van incident {number}.** De checklist staat in de incidentruimte.",
                 f"**You own incident {number}.** The checklist is in the incident space.")


def incident_taken_reporter(lang: str, number: str, who: str) -> str:
    return _pick(lang, f"Incident {number} is opgepakt door {who}. Je hoort wat er van jou nodig is.",
                 f"Incident {number} has been taken by {who}. You will hear what is needed from you.")


def card_title(lang: str, number: str, title: str) -> str:
    return f"Incident {number} — {title}"


def status(lang: str, value: str) -> str:
    labels = {"open": ("Open: wacht op een coördinator", "Open: waiting for a coordinator"),
              "acknowledged": ("Opgepakt", "Taken"), "closed": ("Gesloten", "Closed")}
    nl, en = labels.get(value, (value, value))
    return _pick(lang, nl, en)


def label(lang: str, key: str) -> str:
    labels = {
        "protocol": ("Protocol", "Protocol"), "status": ("Status", "Status"), "owner": ("Eigenaar", "Owner"),
        "opened": ("Gemeld", "Reported"), "reporter": ("Melder", "Reporter"), "urgent": ("Urgent", "Urgent"),
        "report": ("Melding", "Report"), "what": ("Wat", "What"), "where": ("Waar", "Where"),
        "since": ("Sinds", "Since"), "checklist": ("Checklist", "Checklist"),
        "chronology": ("Chronologie", "Chronology"), "outcome": ("Uitkomst", "Outcome"),
        "nobody": ("Nog niemand", "Nobody yet"), "yes": ("Ja", "Yes"), "no": ("Nee", "No"),
        "answers": ("Antwoorden", "Answers"),
    }
    nl, en = labels[key]
    return _pick(lang, nl, en)


def done_button(lang: str, number: int) -> str:
    return _pick(lang, f"{number}. Gedaan", f"{number}. Done")


def undo_button(lang: str, number: int) -> str:
    return _pick(lang, f"{number}. Ongedaan", f"{number}. Undo")


def brief_button(lang: str) -> str:
    return _pick(lang, "Teambriefing voorbereiden", "Prepare team briefing")


def close_button(lang: str) -> str:
    return _pick(lang, "Incident sluiten", "Close incident")


def chronology_kind(lang: str, kind: str, detail: str) -> str:
    labels = {
        "opened": ("melding gedaan", "reported"), "acknowledged": ("opgepakt", "taken"),
        "checked": (f"stap afgevinkt: {detail}", f"step done: {detail}"),
        "unchecked": (f"stap heropend: {detail}", f"step reopened: {detail}"),
        "escalated": (f"doorgezet naar {detail}", f"escalated to {detail}"),
        "unreachable": (f"niet bereikbaar via de chat ({detail}); doorgezet naar de volgende",
                        f"not reachable in chat ({detail}); passed on to the next"),
        "briefing": ("teambriefing verstuurd", "team briefing sent"),
        "closed": (f"gesloten ({detail})", f"closed ({detail})"),
        "file": ("bestand gedeeld (niet opgeslagen)", "file shared (not stored)"),
    }
    nl, en = labels.get(kind, (kind, kind))
    return _pick(lang, nl, en)


def outcome(lang: str, value: str) -> str:
    labels = {"resolved": ("Opgelost", "Resolved"), "referred": ("Doorverwezen", "Referred"),
              "police": ("Aangifte / politie", "Police report"), "no-action": ("Geen actie nodig", "No action needed"),
              "other": ("Anders", "Other")}
    nl, en = labels[value]
    return _pick(lang, nl, en)


def choose_outcome(lang: str, number: str) -> str:
    return _pick(lang, f"Met welke uitkomst sluit je incident {number}?",
                 f"With which outcome do you close incident {number}?")


def closed(lang: str, number: str, outcome_label: str) -> str:
    return _pick(lang, f"Incident {number} is gesloten: {outcome_label}.",
                 f"Incident {number} has been closed: {outcome_label}.")


def closed_reporter(lang: str, number: str) -> str:
    return _pick(lang, f"Incident {number} is afgerond. Dank je voor je melding.",
                 f"Incident {number} has been closed. Thank you for reporting it.")


def briefing_title(lang: str, number: str) -> str:
    return _pick(lang, f"Voorbeeld teambriefing (incident {number})", f"Team briefing preview (incident {number})")


def briefing_explain(lang: str, channel: str) -> str:
    return _pick(lang, f"Pas aan waar nodig en verstuur pas als het klopt; het bericht gaat naar {channel}. "
                       "Geen namen, klassen, herkenbare details of beschrijvingen van beelden.",
                 f"Edit where needed and send only when it is right; it goes to {channel}. "
                 "No names, classes, identifying details or descriptions of images.")


def briefing_due(lang: str, number: str) -> str:
    return _pick(lang, f"Incident {number} is bij de stap 'team informeren'. Hier is het voorbeeld.",
                 f"Incident {number} has reached the 'inform the team' step. Here is the preview.")


def send_briefing(lang: str) -> str:
    return _pick(lang, "Versturen naar het team", "Send to the team")


def edit_briefing(lang: str) -> str:
    return _pick(lang, "Aanpassen", "Edit")


def save_briefing(lang: str) -> str:
    return _pick(lang, "Voorbeeld bekijken", "Preview")


def briefing_field(lang: str) -> str:
    return _pick(lang, "Tekst van de briefing", "Briefing text")


def briefing_leaks(lang: str, terms: str) -> str:
    return _pick(lang, f"Deze tekst bevat mogelijk herkenbare gegevens uit de melding: {terms}. "
                       "Haal ze weg; de briefing is niet verstuurd.",
                 f"This text may contain identifying details from the report: {terms}. "
                 "Remove them; the briefing has not been sent.")


def briefing_empty(lang: str) -> str:
    return _pick(lang, "De briefing mag niet leeg zijn.", "The briefing must not be empty.")


def briefing_sent(lang: str, number: str) -> str:
    return _pick(lang, f"De teambriefing voor incident {number} is verstuurd.",
                 f"The team briefing for incident {number} has been sent.")


def no_team_channel(lang: str) -> str:
    return _pick(lang, "Er is geen teamkanaal ingesteld in de schoolgids (channels.team).",
                 "No team channel is configured in the school directory (channels.team).")


def team_channel(lang: str) -> str:
    return _pick(lang, "het teamkanaal", "the team channel")


def not_allowed(lang: str) -> str:
    return _pick(lang, "Dit incident hoort niet bij jou: alleen de betrokken coördinatoren kunnen hier iets mee.",
                 "This incident is not yours: only the coordinators involved can act on it.")


def owner_only(lang: str, who: str) -> str:
    return _pick(lang, f"Alleen de eigenaar van dit incident ({who}) kan dit doen.",
                 f"Only the owner of this incident ({who}) can do this.")


def incident_closed_already(lang: str, number: str) -> str:
    return _pick(lang, f"Incident {number} is al gesloten; deze knop doet niets meer.",
                 f"Incident {number} is already closed; this button no longer does anything.")


def briefing_changed(lang: str) -> str:
    return _pick(lang, "De briefing is sindsdien aangepast. Bekijk het nieuwste voorbeeld en verstuur dat.",
                 "The briefing has changed since. Look at the latest preview and send that one.")


def briefing_already_sent(lang: str) -> str:
    return _pick(lang, "Deze briefing is al verstuurd.", "This briefing has already been sent.")


def reporter_label(lang: str) -> str:
    return _pick(lang, "de melder", "the reporter")


def person(lang: str, name: str, role: str) -> str:
    return f"{name} ({role_name(role, lang)})" if name else role_name(role, lang)


def briefing_not_to_team(lang: str) -> str:
    return _pick(
        lang,
        "**Niet naar het teamkanaal:** de collega om wie het gaat, zit daar ook in. Overleg met het bestuur "
        "wanneer en hoe het team wordt geïnformeerd; deze tekst kun je daarvoor gebruiken.",
        "**Not to the team channel:** the colleague concerned is in it too. Agree with the school board when "
        "and how the team is informed; you can use this text for that.",
    )
