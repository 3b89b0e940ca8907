"""The settings: the five layers and how they merge (``layers``, standard library only),
the model read through pydantic-settings (``settings``), working ``hours``, the quick readers that
``coach status`` and the app's first frame use with no pydantic (``quick``), the
user's configuration file and its editing (``file``), and break ``profiles``.
"""
