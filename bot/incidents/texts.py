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


def inline(label: str) -> str:
    """A label as it reads inside a sentence: first letter lower case ("Directie (schoolleiding)"
    becomes "directie (schoolleiding)"), except for an abbreviation such as "ICT-coördinator"."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def roles_in_sentence(roles: list[str], lang: str, *, start: bool = False) -> str:
    """Role names joined as running text: "vertrouwenspersoon en directie", lower case inside a
    sentence; ``start`` capitalises the first word only, for a list that opens the sentence.
    (:func:`bot.texts.roles_list` is the comma-separated form for labels and fields.)"""
    names = [inline(role_name(role, lang)) for role in roles]
    joined = ", ".join(names[:-1]) + f" {_pick(lang, 'en', 'and')} " + names[-1] if len(names) > 1 else "".join(names)
    return joined[:1].upper() + joined[1:] if start else joined


def reported(lang: str, number: str, roles: list[str], *, urgent: bool, later: str = "", reached: bool = True) -> str:
    """The reporter's confirmation: the number once, who is messaged and *when*.

    The verb agrees with the number of roles, and the tense with the moment: "krijgen nu een
    bericht" / "are being messaged now", or, outside working hours, "krijgt op donderdag om
    08:00 een bericht" / "will be messaged on Thursday at 08:00" (``later``, already phrased
    by the caller). When nobody can be reached, it claims no message at all.
    """
    head = _pick(lang, f"**Incident {number} is gemeld.**", f"**Incident {number} has been reported.**")
    if not reached or not roles:
        return head
    many = len(roles) > 1
    hear = _pick(lang, "Je hoort wie het oppakt.", "You will hear who takes it.")
    if later:
        who = roles_in_sentence(roles, lang)
        return _pick(lang, f"{head} Het is nu buiten werktijd: {who} {'krijgen' if many else 'krijgt'} {later} "
                           f"een bericht. {hear}",
                     f"{head} It is outside working hours now: {who} will be messaged {later}. {hear}")
    who = roles_in_sentence(roles, lang, start=True)
    now_nl, now_en = ("nu direct", "right now") if urgent else ("nu", "now")
    return _pick(lang, f"{head} {who} {'krijgen' if many else 'krijgt'} {now_nl} een bericht. {hear}",
                 f"{head} {who} {'are' if many else 'is'} being messaged {now_en}. {hear}")


def report_received(lang: str) -> str:
    """Replaces the submitted form; the confirmation right after it carries the number (once)."""
    return _pick(lang, "Je melding is verstuurd. De bevestiging met het incidentnummer volgt hieronder.",
                 "Your report has been sent. The confirmation with the incident number follows below.")


def out_of_hours(lang: str) -> str:
    """Beside a confirmation whose message waits for working hours (the when is in the confirmation)."""
    return _pick(lang, "**Acuut gevaar?** Bel **112** en informeer nu de schoolleiding.",
                 "**Acute danger?** Call **112** and inform the school leadership now.")


def escalation_dm(lang: str, number: str, title: str, role: str, *, urgent: bool, again: bool) -> str:
    """A coordinator's ping: which incident and what kind (the protocol's title, never what was
    typed), for which role (a directory id) and, when it was passed on (``again``), that nobody
    took it yet. The role is lower case: it stands inside the sentence."""
    kind = f" — {title.strip()}" if title.strip() else ""
    stop = "" if kind.endswith((".", "?", "!")) else "."
    head = f"**{'Urgent incident' if urgent else 'Incident'} {number}{kind}{stop}**"  # the same in both languages
    waiting = _pick(lang, " Nog niemand heeft het opgepakt.", " Nobody has taken it yet.") if again else ""
    role_text = inline(role_name(role, lang))
    return _pick(lang, f"{head}{waiting} Voor jou als {role_text}. Kun je het oppakken?",
                 f"{head}{waiting} For you as {role_text}. Can you take it?")


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
        # Passing it on is an "escalated" entry of its own (and does not happen while someone
        # else at the same level was reached), so this one says only who could not be reached.
        "unreachable": (f"niet bereikbaar via de chat{f' ({detail})' if detail else ''}",
                        f"not reachable in chat{f' ({detail})' if detail else ''}"),
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
    outcome_text = inline(outcome_label)  # "gesloten: opgelost", not "gesloten: Opgelost"
    return _pick(lang, f"Incident {number} is gesloten: {outcome_text}.",
                 f"Incident {number} has been closed: {outcome_text}.")


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


def briefing_due(lang: str) -> str:
    """Above the briefing preview, whose headline already names the incident."""
    return _pick(lang, "Dit incident is bij de stap 'team informeren'. Hieronder staat het voorbeeld.",
                 "This incident has reached the 'inform the team' step. The preview is below.")


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
    """``who`` is "J. de Vries (vertrouwenspersoon)" or "Nog niemand": as a label, not in brackets."""
    return _pick(lang, f"Alleen de eigenaar van dit incident kan dit doen. Eigenaar: {who}.",
                 f"Only the owner of this incident can do this. Owner: {who}.")


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
    """"J. de Vries (vertrouwenspersoon / anti-pestcoördinator)": the role lower case after a name."""
    return f"{name} ({inline(role_name(role, lang))})" if name else role_name(role, lang)


def briefing_not_to_team(lang: str) -> str:
    return _pick(
        lang,
        "**Niet naar het teamkanaal:** de collega om wie het gaat, zit daar ook in. Overleg met het bestuur "
        "wanneer en hoe het team wordt geïnformeerd; deze tekst kun je daarvoor gebruiken.",
        "**Not to the team channel:** the colleague concerned is in it too. Agree with the school board when "
        "and how the team is informed; you can use this text for that.",
    )
