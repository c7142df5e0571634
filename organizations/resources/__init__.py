"""django-import-export Resources for organizations, enterprises and members.

A Resource here is the one description of a spreadsheet layout: the headings users
already know (Chinese, as on the paper rosters) and their English equivalents, the
other headings accepted on import (`aliases`), which columns are required, how coded
values are written (男/女, 预备党员/正式党员, …), and an example row for the template.

Who relies on it:
- exports (`export.export_response`) call the Resource's own `get_export_headers()` /
  `export_resource()`; values are rendered by the widgets in `columns` in the
  resource's language, personal data masked per row (`MemberResource`);
- imports (organizations/imports/) read headings, `required`, `kind` and choices from
  the `Column`s; the import engine itself is ours (bulk writes, see there);
- the downloadable templates (`xlsx_template.build_template`) use headings, examples
  and choices;
- computed tables that are not querysets (the requirement grid) download through
  `export.table_response`.

The Chinese headings are literal, not translations: they are the words printed on the
rosters people already keep, whatever the UI language.

Modules: `columns` (coded values, widgets, Column, PortalResource), `members`, `orgs`,
`enterprises` (one resource each), `export`, `xlsx_template`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .columns import Column, PortalResource, normalize_key
from .enterprises import LIST_SEPARATOR, EnterpriseResource
from .export import (
    EXPORTS,
    FORMULA_PREFIXES,
    XLSX_MIME,
    ExportSpec,
    export_response,
    export_rows,
    neutralize,
    register_export,
    table_response,
    write_csv,
    write_xlsx,
)
from .members import MemberResource
from .orgs import OrganizationResource
from .xlsx_template import build_template

# The kinds that can be imported (organizations/imports IMPORTERS) and exported.
RESOURCES: Mapping[str, type[PortalResource]] = {
    "members": MemberResource,
    "organizations": OrganizationResource,
    "enterprises": EnterpriseResource,
}

__all__ = [
    "EXPORTS",
    "FORMULA_PREFIXES",
    "LIST_SEPARATOR",
    "RESOURCES",
    "XLSX_MIME",
    "Column",
    "EnterpriseResource",
    "ExportSpec",
    "MemberResource",
    "OrganizationResource",
    "PortalResource",
    "build_template",
    "export_response",
    "export_rows",
    "neutralize",
    "normalize_key",
    "register_export",
    "table_response",
    "write_csv",
    "write_xlsx",
]
