"""The downloadable .xlsx templates: headings, an example row, drop-down lists."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from .columns import (
    NO,
    YES,
    Column,
    PortalResource,
)

# --- templates -------------------------------------------------------------------

TEMPLATE_ROWS = 2000  # rows that get drop-down lists


def build_template(resource: PortalResource, *, example: Mapping[str, Any] | None = None) -> bytes:
    """An .xlsx with the headings, one example row (fictional but valid), drop-down
    lists on coded columns, text format on ID/code/phone columns (so Excel does not
    round 18 digits), and a second sheet explaining every column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    english = resource.english
    book = Workbook()
    sheet = book.active
    sheet.title = resource.title()[:31]
    columns = list(resource.columns.items())
    fill = PatternFill("solid", fgColor="F2DCDB")
    # The example row is grey and italic, with a note on its first cell; the import
    # refuses it if it comes back unchanged.
    example_fill = PatternFill("solid", fgColor="EDEDED")
    example_font = Font(italic=True, color="595959")
    values = dict(example or {})
    for index, (name, column) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=column.column_name)
        head.font = Font(bold=True)
        if column.required:
            head.fill = fill
        sample = values.get(name, column.example)
        if column.choices is not None and isinstance(sample, str) and english:
            sample = _english_label(column, sample)
        elif column.kind == "bool" and english and sample:
            sample = YES[1] if sample == YES[0] else NO[1]
        cell = sheet.cell(row=2, column=index, value=sample)
        cell.fill, cell.font = example_fill, example_font
        if index == 1:
            cell.comment = Comment(
                "Example row: replace it with real data or delete it before uploading."
                if english
                else "示例行：上传前请替换为实际数据或删除本行。",
                "portal",
            )
        if column.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        if column.kind in ("id_number", "credit_code", "phone", "code", "org_code"):
            # Text, for the whole column: a column style adds no cells, so the sheet's
            # size (which decides preview in the request or in a task) stays honest.
            cell.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        widest = max(len(str(sample or "")), len(str(column.column_name)))
        sheet.column_dimensions[letter].width = max(10, min(40, widest * 1.8))
        labels = column.labels(english)
        if labels:
            check = DataValidation(
                type="list",
                formula1='"' + ",".join(labels) + '"',
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=True,
            )
            check.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet("Instructions" if english else "填写说明")
    guide.append(
        ["Column", "Required", "Accepted values", "Note"]
        if english
        else ["列名", "是否必填", "可填写的值", "说明"]
    )
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for _name, column in columns:
        guide.append(
            [
                column.column_name,
                (YES[1] if english else YES[0]) if column.required else "",
                _accepted(column, english),
                str(column.note or ""),
            ]
        )
    for letter, width in (("A", 22), ("B", 10), ("C", 50), ("D", 50)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _english_label(column: Column, zh_label: str) -> str:
    for _code, zh, en, _others in column.choices or ():
        if zh == zh_label:
            return en
    return zh_label


def _accepted(column: Column, english: bool) -> str:
    if column.kind == "date":
        return "2014-04-01, 2014/4/1, 2014.4.1, 2014年4月1日"
    if column.kind == "bool":
        return "是 / 否 (yes / no)"
    if column.choices is not None:
        return " / ".join((en if english else zh) for _c, zh, en, _o in column.choices if zh)
    if column.kind == "id_number":
        return "18 位 / 18 characters"
    if column.kind == "credit_code":
        return "18 位 / 18 characters"
    return ""
