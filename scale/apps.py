from __future__ import annotations

from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """No models: the `seed_scale` command and the generator behind it."""

    name = "scale"
