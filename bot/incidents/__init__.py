"""Incidents: a guided conversation turned into a case the school runs.

* :mod:`bot.incidents.models`  -- tables: incidents, checklist items, chronology, counters.
* :mod:`bot.incidents.service` -- open an incident (readable number, checklist from the
  playbook steps that fit the answers), tick checklist items, add to the chronology.
"""
