"""The break profiles: the timings ``breaks.profile`` starts from (standard library only).

Also the default micro-break ideas (:data:`MICRO_IDEAS`), which every profile shares.

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
        # The bundled rest-break program lasts the rest break's 5 minutes.
        "rest": {"every": 3000.0, "length": 300.0, "program": "rest-break"},
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

MICRO_IDEAS: tuple[str, ...] = (
    # "Muscle Weakness in Hands: What to Do?": circular motions starting at the wrist.
    "Circle your wrists slowly one way and then the other.",
    # Coach's choice, not the texts': shaking out, after their "regular, small movements".
    "Let your arms hang and gently shake out your hands.",
    # "Muscle Weakness in Hands: What to Do?": push the palm on a flat surface while
    # bending the forearm forwards.
    "Press a palm flat on the desk and lean the forearm gently forwards.",
    # Coach's choice, not the texts': resting the eyes as well as the hands.
    "Look into the distance and let your hands rest in your lap.",
    # "Strength Training for Nerve Damage in the Hands & Neck": flex and stretch the fingers.
    "Curl your fingers in and then stretch them out wide.",
)
"""The default ``breaks.micro_ideas``: one a micro-break, in turn (no commas, so
``coach config set`` can take them as a comma-separated list)."""
