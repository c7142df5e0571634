from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the `seed_demo` command and the data it writes."""

    name = "demo"
