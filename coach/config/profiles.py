"""The break profiles: the timings ``breaks.profile`` starts from (standard library only).

The settings fill in what you did not set from the chosen profile
(:func:`coach.config.settings.load_settings`); the scheduler
(:mod:`coach.breaks.scheduler`) runs whatever the settings say.
"""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    # The built-in defaults: a typist's day.
    "typist": {
        "micro": {"every": 600.0, "length": 20.0, "program": None},
        "rest": {"every": 3000.0, "length": 300.0, "program": "wrist-forearm-stretches"},
    },
    # Practice in shorter blocks with a longer break and the musician's program.
    # The texts advise regular breaks from playing (000) but give no numbers:
    # these are the coach's choice.
    "musician": {
        "micro": {"every": 900.0, "length": 30.0, "program": None},
        "rest": {"every": 1800.0, "length": 300.0, "program": "musician-practice-break"},
    },
}
"""Break timings a profile starts from; settings that you set yourself win."""
