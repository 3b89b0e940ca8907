"""Running a session: the engine that paces each step on an injected clock
(:mod:`coach.clock`) and emits typed events, and its listeners (cues: speech,
sounds, the bell, notifications; the headless printer; the recorder).
"""
