"""A small valid playbook as text, with line numbers that the lint tests rely on."""

VALID = """\
id: sample
title: {nl: "Voorbeeld", en: "Sample"}
summary: {nl: "Een voorbeeld", en: "A sample"}
jurisdiction: [nl]
triggers: {nl: [voorbeeldwoord], en: [sampleword]}
do_now: {nl: "Doe dit nu.", en: "Do this now."}
questions:
  - id: minor
    ask: {nl: "Jonger dan 18?", en: "Under 18?"}
    options:
      - id: yes
        label: {nl: Ja, en: "Yes"}
      - id: no
        label: {nl: Nee, en: "No"}
  - id: spread
    ask: {nl: "Verspreid?", en: "Spread?"}
    when: {minor: [yes]}
    options:
      - id: few
        label: {nl: Weinig, en: Few}
      - id: many
        label: {nl: Veel, en: Many}
steps:
  - id: always
    title: {nl: "Altijd", en: "Always"}
    actor: any-staff
    text: {nl: "Altijd doen.", en: "Always do."}
    sources: [S-073, C-01]
  - id: minor-many
    title: {nl: "Veel", en: "Many"}
    actor: [vertrouwenspersoon, directie]
    when: {minor: [yes], spread: [many]}
    text: {nl: "Breed.", en: "Wide."}
    escalate: {roles: [directie], ack_within: 15m, urgent: true}
    briefing: true
    sources: [S-137]
incident_types: [ALG]
"""


def with_replacement(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)
