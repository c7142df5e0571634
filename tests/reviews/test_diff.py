"""What changed since the last return (portal/reviews/diff.py and the panel)."""

from __future__ import annotations

from portal.reviews.diff import compare, inline_diff


def test_compare_marks_only_changed_fields() -> None:
    changes = compare({"a": "1", "b": "2"}, {"a": "1", "b": "3"}, lambda k: k.upper())
    assert [(c.label, c.changed) for c in changes] == [("A", False), ("B", True)]


def test_compare_keeps_fields_that_disappeared() -> None:
    [kept, gone] = compare({"a": "x", "old": "y"}, {"a": "x"})
    assert (gone.key, gone.old, gone.new, gone.changed) == ("old", "y", "", True)
    assert not kept.changed


def test_inline_diff_marks_chinese_characters() -> None:
    html = inline_diff("每月检查一次进度。", "每周检查一次进度。")
    assert html == "每<del>月</del><ins>周</ins>检查一次进度。"


def test_inline_diff_marks_english_words_not_letters() -> None:
    html = inline_diff("check the progress monthly", "check the progress weekly")
    assert "<del>monthly</del><ins>weekly</ins>" in html


def test_inline_diff_keeps_unchanged_lines_and_marks_added_lines() -> None:
    html = inline_diff("第一行\n第二行", "第一行\n第二行\n第三行")
    assert html.split("\n") == ["第一行", "第二行", "<ins>第三行</ins>"]


def test_inline_diff_escapes_everything() -> None:
    html = inline_diff("<b>old</b>", "<script>alert(1)</script>")
    assert "<script" not in html
    assert "<b>" not in html
    assert html.startswith("&lt;")
    assert inline_diff("", "<i>x</i>") == "<ins>&lt;i&gt;x&lt;/i&gt;</ins>"


def test_long_text_is_shown_as_a_diff_short_text_as_old_and_new() -> None:
    [short] = compare({"t": "a"}, {"t": "b"})
    [long] = compare({"t": "a\nb"}, {"t": "a\nc"})
    assert not short.is_long
    assert long.is_long


def test_crlf_from_a_browser_is_not_a_change() -> None:
    [change] = compare({"t": "a\nb"}, {"t": "a\r\nb"})
    assert not change.changed
