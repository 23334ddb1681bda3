"""Playbooks: the school protocols as validated data.

* :mod:`bot.playbooks.schema`  -- the pydantic models (the documented shape).
* :mod:`bot.playbooks.loader`  -- YAML with ``file:line`` for every problem.
* :mod:`bot.playbooks.lint`    -- checks that need the whole playbook or the library.
* :mod:`bot.playbooks.paths`   -- condition evaluation and enumeration of answer paths.
"""
