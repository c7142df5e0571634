"""Models of the rectification app (phase 3, SPEC §6.3), one module per area:
problems (problem lists, items, requests, publishing), standards (checklist templates
and assessments), pledges, mechanisms, funding, commendations. Each module's names are
imported below."""

__all__: list[str] = []
