"""Running a session: the clock, the engine that paces each step and emits
events, the listeners (cues: speech, sounds, the bell, notifications; the
headless printer; the recorder) and the safety texts every mode carries.
"""
