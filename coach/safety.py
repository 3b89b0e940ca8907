"""What coach says when pain is above a program's limit: one wording for every front end."""

from __future__ import annotations

STOP_ADVICE = (
    "Your pain is {pain}/10, above {limit}, the limit this program sets. Stop these "
    "exercises for now and talk to your doctor or physiotherapist before doing them again."
)


def stop_advice(pain: int | None, limit: int | None) -> str | None:
    """The program's advice when ``pain`` is above its limit, else None."""
    if pain is None or limit is None or pain <= limit:
        return None
    return STOP_ADVICE.format(pain=pain, limit=limit)


PAIN_MAX = 10
"""Pain is rated from 0 (none) to 10 (the worst)."""


def check_pain(name: str, value: int | None) -> None:
    """Raise ValueError unless ``value`` is None or a rating from 0 to 10."""
    if value is not None and not 0 <= value <= PAIN_MAX:
        raise ValueError(f"{name} must be from 0 to {PAIN_MAX} (got {value})")
