"""What coach says for safety, one wording for every front end: the first-use notice and
the advice when pain is above a program's limit."""

from __future__ import annotations

import os
from pathlib import Path

STOP_ADVICE = (
    "Your pain is {pain}/10, above {limit}, the limit this program sets. Stop these "
    "exercises for now and talk to your doctor or physiotherapist before doing them again."
)


def stop_advice(pain: int | None, limit: int | None) -> str | None:
    """The program's advice when ``pain`` is above its limit, else None."""
    if pain is None or limit is None or pain <= limit:
        return None
    return STOP_ADVICE.format(pain=pain, limit=limit)


SYMPTOM_ADVICE = (
    "Your {symptom} is {rating}/10, above {limit}, the limit this program sets. Stop these "
    "exercises for now and talk to your doctor or physiotherapist before doing them again."
)
"""The same advice as :data:`STOP_ADVICE`, for a symptom other than pain."""


def symptom_advice(symptom: str, rating: int | None, limit: int | None) -> str | None:
    """The program's advice when ``symptom`` is rated above its limit, else None
    (pain gets :data:`STOP_ADVICE`, word for word)."""
    if symptom == "pain":
        return stop_advice(rating, limit)
    if rating is None or limit is None or rating <= limit:
        return None
    return SYMPTOM_ADVICE.format(symptom=symptom, rating=rating, limit=limit)


LIMIT_ADVICE = (
    "If your {symptom} is above {limit} out of 10, stop these exercises for now and talk "
    "to your doctor or physiotherapist before doing them again."
)
"""The same advice as :data:`STOP_ADVICE`, said ahead of time: the patient handout's."""


NEXT_DAY_QUESTION = "Since your last session, are things better, the same or worse?"
"""Asked before the first session on a later day, for a program with ``next_day = true``."""

NEXT_DAY_WORSE_ADVICE = (
    "Worse since the last session: ease off today (fewer or gentler repetitions, or a rest "
    "day), and talk to your physiotherapist about the dose before doing more."
)
"""The advice when the answer to :data:`NEXT_DAY_QUESTION` is worse."""


PAIN_MAX = 10
"""Pain is rated from 0 (none) to 10 (the worst)."""


def check_pain(name: str, value: int | None) -> None:
    """Raise ValueError unless ``value`` is None or a rating from 0 to 10."""
    if value is not None and not 0 <= value <= PAIN_MAX:
        raise ValueError(f"{name} must be from 0 to {PAIN_MAX} (got {value})")


SAFETY_NOTICE = """\
Before you start

coach is a timer for exercise programs; it does not diagnose anything.

- Talk to your doctor or physiotherapist before starting an exercise
  program.
- Stop an exercise if it hurts, and tell your doctor or physiotherapist.
- Numbness can hide pain: move slowly and gently, never to the point of
  pain.

Get medical help at once for sudden weakness, weakness on one side of
the body, slurred speech or confusion."""
"""Shown once per data folder, before the first session (the app and headless runs alike);
its lines fit the app's notice box (72 columns) and an 80-column terminal."""

NOTICE_MARK = "safety-notice-seen"
"""A file in the data folder: the safety notice was shown there."""


def notice_seen(folder: Path) -> bool:
    """Whether the safety notice was shown for the data folder ``folder``."""
    return (folder / NOTICE_MARK).exists()


def mark_notice_seen(folder: Path) -> None:
    """Remember that the notice was shown; quietly nothing if the folder cannot be written
    (the notice then shows again next time: better than never)."""
    from coach.files import open_private, private_folder

    try:
        private_folder(folder)
        os.close(open_private(folder / NOTICE_MARK, os.O_WRONLY | os.O_CREAT))
    except OSError:
        pass
