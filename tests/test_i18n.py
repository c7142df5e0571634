"""The zh-hans catalogue (locale/zh_Hans/LC_MESSAGES): complete, faithful to its
placeholders, compiled, and served.

The .po file is read with the small parser below (no polib dependency). New strings
added to the code are not caught here, on purpose: `scripts/i18n-check.sh` runs
makemessages and lists what is left to translate; these tests guard what is committed.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from organizations.models import Member
from tests.conftest import World
from tests.utils import client_for

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# %(name)s / %(n)d / %s (python-format), {name} (python-brace-format), and HTML tags.
PLACEHOLDER = re.compile(r"%\(\w+\)[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{\w*\}|<[^>]+>")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # -1 for a singular entry
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(
        r"\\(.)",
        lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)),
        text[1:-1],
    )


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header included (msgid "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    keyword = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags.update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := keyword.match(line):
            word, index, value = match.groups()
            if word.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else -1)
                current.msgstr[target[1]] = _unquote(value)
            else:
                target = (word, 0)
                setattr(current, word, _unquote(value))
        elif line.startswith('"') and target is not None:
            if target[0] == "msgstr":
                current.msgstr[target[1]] += _unquote(line)
            else:
                setattr(current, target[0], getattr(current, target[0]) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO)


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


# --- the catalogue -----------------------------------------------------------------------------


def test_catalogue_header_declares_chinese_with_one_plural_form(entries: list[Entry]) -> None:
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in header.msgstr[-1]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[-1]
    assert "charset=UTF-8" in header.msgstr[-1]


def test_catalogue_has_no_untranslated_fuzzy_or_obsolete_entries(
    entries: list[Entry], messages: list[Entry]
) -> None:
    assert len(messages) > 1000  # the whole UI, not a stub
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    untranslated = [e.label for e in messages if not all(e.msgstr.values())]
    obsolete = [e.label for e in entries if e.obsolete]
    assert not fuzzy, fuzzy
    assert not untranslated, untranslated
    assert not obsolete, obsolete


def test_plural_entries_have_exactly_one_form(messages: list[Entry]) -> None:
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    wrong = [e.label for e in plurals if set(e.msgstr) != {0}]
    assert not wrong, wrong


def test_every_placeholder_of_the_msgid_is_kept_in_the_translation(
    messages: list[Entry],
) -> None:
    wrong = []
    for e in messages:
        wanted = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
        for text in e.msgstr.values():
            if _placeholders(text) != wanted:
                wrong.append(f"{e.label} -> {text!r}")
    assert not wrong, "\n".join(wrong)


def test_every_translation_is_written_in_chinese(messages: list[Entry]) -> None:
    """No English left behind: a translation with any words holds Chinese characters
    (one made only of placeholders and symbols, such as "%(by)s → %(about)s", is fine)."""
    wrong = [
        f"{e.label} -> {t!r}"
        for e in messages
        for t in e.msgstr.values()
        if re.search(r"[A-Za-z]", PLACEHOLDER.sub("", t)) and not CJK.search(t)
    ]
    assert not wrong, "\n".join(wrong)


def test_glossary_terms_are_used(messages: list[Entry]) -> None:
    """docs/product.md §2: the review states and the key records keep their fixed Chinese names."""
    by_id = {e.msgid: e.msgstr.get(-1) for e in messages if e.msgid_plural is None}
    expected = {
        "draft": "暂存",
        "submitted for review": "待审核",
        "approved": "审核通过",
        "returned for revision": "退回修改",
        "activity plan": "活动方案",
        "mobilization meeting": "动员大会",
        "self-examination statement": "对照检查材料",
        "special organizational-life meeting": "专题组织生活会",
        "problem list": "问题清单",
        "one-to-one talk": "谈心谈话",
        "weak and lax": "软弱涣散",
        "retained Party dues": "留存党费",
        "instructor": "党建指导员",
        "branch secretary": "党支部书记",
        "higher-level reviewer": "上级党组织审核人",
        "campaign office": "活动领导小组办公室",
    }
    wrong = {k: by_id.get(k) for k, v in expected.items() if by_id.get(k) != v}
    assert not wrong, wrong


def test_compiled_catalogue_is_up_to_date(messages: list[Entry], tmp_path: Path) -> None:
    """The committed .mo says what the .po says: a forgotten compilemessages fails here."""
    assert MO.exists(), "run: manage.py compilemessages --ignore=.venv"
    assert MO.stat().st_size > 0
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    missing = []
    for e in messages:
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            if catalog.get(key) != e.msgstr[-1]:
                missing.append(e.label)
        elif catalog.get((key, 0)) != e.msgstr[0]:
            missing.append(e.label)
    assert not missing, "the .mo is older than the .po; run compilemessages:\n" + "\n".join(
        missing[:20]
    )
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        fresh = tmp_path / "django.mo"
        # The same command as `manage.py compilemessages`; fixed arguments, no user input.
        subprocess.run([msgfmt, "--check-format", "-o", fresh, PO], check=True)  # noqa: S603
        assert fresh.read_bytes() == MO.read_bytes(), "run: manage.py compilemessages"


# --- served pages --------------------------------------------------------------------------------

LOGIN = "/accounts/login/"


@pytest.mark.django_db
def test_login_page_follows_the_browser_language() -> None:
    zh = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert 'lang="zh-hans"' in zh and "登录" in zh and "Log in" not in zh
    en = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="en"' in en and "Log in" in en and "登录" not in en


@pytest.mark.django_db
def test_login_page_defaults_to_chinese(settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # the portal's own default (tests run in English)
    assert "登录" in Client().get(LOGIN).content.decode()


@pytest.mark.django_db
def test_language_switcher_switches_and_the_choice_persists() -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The cookie wins over a Chinese browser on every later request.
    for _ in range(2):
        body = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
        assert "Log in" in body and "登录" not in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": LOGIN})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    body = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in body and "Log in" not in body


@pytest.mark.django_db
def test_login_error_is_in_chinese(world: World) -> None:
    response = Client().post(
        LOGIN,
        {"username": "secretary", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


@pytest.mark.django_db
def test_member_form_error_is_in_chinese(world: World) -> None:
    data = {
        "name": "王新",
        "sex": "M",
        "ethnicity": "汉族",
        "birth_date": "",
        "id_number": "110105194912310021",  # a wrong check digit
        "education": "bachelor",
        "joined_on": "2012-07-01",
        "full_member_on": "2013-07-01",
        "status": "full",
        "phone": "13900001111",
    }
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "此身份证号的校验码不正确" in body
    assert "check digit" not in body
    assert not Member.objects.filter(name="王新").exists()
