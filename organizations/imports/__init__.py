"""Spreadsheet import: reading and cleaning cells, the import engine, and the services
behind the import pages (organizations/views_io.py) and the background task
(organizations/tasks.py).

Why our own engine rather than django-import-export's `import_data`: the library
imports row by row (an instance lookup, foreign-key lookups and a save with its
history row for every row), which is several queries per row. A 10,000-member roster
must import at ≥ 1,000 rows/s (docs/product.md §11), so the engine here reads the whole sheet,
prefetches what it needs in a fixed number of queries (organizations and enterprises
named in the file, existing members by ID number), validates in memory, and writes
with `bulk_create_with_history` / `bulk_update_with_history`, so the change history
still gets one row per changed record, attributed to the importing user. The
Resources in organizations/resources/ still define headings, accepted spellings,
exports and templates.

All or nothing: a preview runs every check and then the writes inside a transaction
that is rolled back; the confirmed import re-reads the stored file and does the same
in one transaction that is committed only when no row has an error.

Modules: `cleaning` (one cell), `reading` (one file), `engine` (permissions, report,
lookups, the Importer base), `members`, `orgs`, `enterprises` (one importer each),
`services` (what the pages and the task call).
"""

from __future__ import annotations

from .cleaning import (
    CellError,
    clean_name,
    clean_text,
    parse_cell,
    parse_date,
    parse_int,
)
from .engine import (
    IMPORT_ACTIONS,
    Importer,
    ImportReport,
    may_import,
    may_import_somewhere,
)
from .enterprises import EnterpriseImporter
from .members import MemberImporter
from .orgs import OrganizationImporter
from .reading import FileRejected, check_upload, count_rows, read_sheet
from .services import (
    IMPORTERS,
    background_threshold,
    import_job_confirm,
    import_job_create,
    import_job_fail,
    import_job_retry,
    import_job_run,
    import_job_start,
    import_jobs_expire,
)

__all__ = [
    "IMPORTERS",
    "IMPORT_ACTIONS",
    "CellError",
    "EnterpriseImporter",
    "FileRejected",
    "ImportReport",
    "Importer",
    "MemberImporter",
    "OrganizationImporter",
    "background_threshold",
    "check_upload",
    "clean_name",
    "clean_text",
    "count_rows",
    "import_job_confirm",
    "import_job_create",
    "import_job_fail",
    "import_job_retry",
    "import_job_run",
    "import_job_start",
    "import_jobs_expire",
    "may_import",
    "may_import_somewhere",
    "parse_cell",
    "parse_date",
    "parse_int",
    "read_sheet",
]
