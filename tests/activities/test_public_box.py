"""The public online suggestion box: no login, receipt codes, anti-abuse, no leaks."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Opinion, OpinionChannel, OpinionStatus
from activities.opinions import services as services
from activities.opinions.forms import form_started_token
from activities.public import views as public_views
from portal.core import public_guard
from tests.activities.opinions_factories import (
    OpinionFactory,
    campaigns_for,
    first_category,
    make_box,
)
from tests.utils import client_for

NOT_FOUND = "No opinion was found with this receipt code in this suggestion box."
RECEIPT_RE = re.compile(r'<p class="receipt-code"[^>]*>([0-9A-Z]{5}-[0-9A-Z]{5})</p>')


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(world):
    return campaigns_for(world)[0]


@pytest.fixture
def box(world, campaign):
    return make_box(world.own, intro="书记每周五查看意见并答复")


def box_url(box) -> str:
    return reverse("public:box", args=[box.token])


def receipt_url(box) -> str:
    return reverse("public:receipt", args=[box.token])


def form_data(box, **overrides) -> dict:
    data = {
        "content": "食堂饭菜太贵，希望改进",
        "addressed_to": "team",
        "addressed_member_name": "",
        "category": "",
        "source": "",
        "submitter_name": "",
        "submitter_contact": "",
        "website": "",
        # Served ten seconds ago: a person's pace.
        "started": form_started_token(box.pk, at=timezone.now().timestamp() - 10),
    }
    data.update(overrides)
    return data


def submit(client, box, **overrides):
    """Send the form and follow the redirect to the receipt (post/redirect/get)."""
    return client.post(box_url(box), form_data(box, **overrides), follow=True)


def receipt_code_from(response) -> str:
    match = RECEIPT_RE.search(response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


# --- submitting ------------------------------------------------------------------------


def test_anyone_without_login_sees_the_form_with_labels_and_optional_fields(world, box):
    response = Client().get(box_url(box))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.own.full_name in body and box.intro in body
    for field in ["content", "addressed_to", "submitter_name", "submitter_contact", "category"]:
        assert f'<label for="id_{field}">' in body
    assert "(optional)" in body
    assert 'class="hp-field"' in body and "style=" not in body
    assert "csrfmiddlewaretoken" in body
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_page_has_no_portal_navigation_for_a_logged_in_user(world, box):
    body = client_for(world, "secretary").get(box_url(box)).content.decode()
    assert "main-nav" not in body and world.secretary.display_name not in body


def test_the_page_follows_the_browsers_language(box):
    body = Client().get(box_url(box), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in body


def test_an_anonymous_submission_returns_a_receipt_code(world, box, campaign):
    response = submit(Client(), box, category=str(first_category(campaign).pk))
    assert response.status_code == 200
    code = receipt_code_from(response)
    opinion = Opinion.objects.get()
    assert opinion.receipt_code == code.replace("-", "")
    assert (opinion.channel, opinion.status) == (OpinionChannel.ONLINE, OpinionStatus.RECEIVED)
    assert opinion.is_anonymous and opinion.organization == world.own
    assert opinion.campaign == campaign
    assert opinion.suggested_category == first_category(campaign)
    assert opinion.category is None
    assert "Keep this code" in response.content.decode()


def test_a_named_submission_keeps_name_and_contact(box):
    submit(Client(), box, submitter_name="王五", submitter_contact="13700000000", source="manager")
    opinion = Opinion.objects.get()
    assert not opinion.is_anonymous
    assert (opinion.submitter_name, opinion.submitter_contact, opinion.source) == (
        "王五",
        "13700000000",
        "manager",
    )


def test_a_named_member_needs_the_members_name(box):
    response = submit(Client(), box, addressed_to="member")
    assert response.status_code == 200 and not Opinion.objects.exists()
    submit(Client(), box, addressed_to="member", addressed_member_name="李书记")
    assert Opinion.objects.get().addressed_member_name == "李书记"


def test_content_is_required_and_limited_to_2000_characters(box):
    assert submit(Client(), box, content="   ").status_code == 200
    assert submit(Client(), box, content="字" * 2001).status_code == 200
    assert not Opinion.objects.exists()
    submit(Client(), box, content="字" * 2000)
    assert Opinion.objects.count() == 1


def test_honeypot_submissions_are_refused_politely(box):
    response = submit(Client(), box, website="http://spam.example")
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Opinion.objects.exists()


def test_too_fast_submissions_are_refused_and_can_be_sent_again_later(box):
    fresh = form_started_token(box.pk)
    response = submit(Client(), box, started=fresh)
    assert response.status_code == 200
    assert "very quick" in response.content.decode()
    assert not Opinion.objects.exists()
    # The re-shown form keeps the original stamp, so sending again a moment later works.
    assert fresh in response.content.decode()


@pytest.mark.parametrize(
    "started",
    ["", "garbage", "x" * 5000, "started-for-another-box", "old"],
)
def test_missing_forged_or_expired_stamps_are_refused_with_a_fresh_form(box, started):
    if started == "started-for-another-box":
        started = form_started_token(box.pk + 1, at=timezone.now().timestamp() - 10)
    elif started == "old":
        started = form_started_token(box.pk, at=timezone.now().timestamp() - 7 * 60 * 60)
    response = submit(Client(), box, started=started)
    body = response.content.decode()
    assert response.status_code == 200
    assert "expired" in body
    assert not Opinion.objects.exists()
    new_stamp = re.search(r'name="started" value="([^"]+)"', body).group(1)
    assert new_stamp != started


def test_csrf_protection_stays_on(box):
    client = Client(enforce_csrf_checks=True)
    response = client.post(box_url(box), form_data(box))
    assert response.status_code == 403
    assert not Opinion.objects.exists()


def test_a_closed_box_says_so_and_takes_nothing(box):
    box.is_open = False
    box.save()
    response = Client().get(box_url(box))
    assert "This suggestion box is closed" in response.content.decode()
    submit(Client(), box)
    assert not Opinion.objects.exists()


def test_a_box_without_an_active_campaign_is_closed(world, campaign, box):
    campaign.is_active = False
    campaign.save()
    assert "This suggestion box is closed" in Client().get(box_url(box)).content.decode()


def test_a_rotated_token_retires_the_old_address(box):
    old = box_url(box)
    services.box_rotate_token(box, actor=None)
    assert Client().get(old).status_code == 404
    assert Client().get(box_url(box)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/box/not-a-real-token/",
        "/box/not-a-real-token/receipt/",
        "/box/%FF%FE%00/",
        "/box/" + "a" * 5000 + "/",
        "/box/../admin/",
    ],
)
def test_bad_tokens_get_a_friendly_404_not_a_500(db, path):
    response = Client().get(path)
    assert response.status_code == 404


def test_non_utf8_and_huge_posts_do_not_cause_a_500(box):
    client = Client()
    response = client.post(
        box_url(box),
        data=b"content=%FF%FE%FD&addressed_to=team&started=%C3%28",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    response = client.post(
        box_url(box), data=b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {200, 400}
    response = submit(client, box, content="\x00null byte")
    assert response.status_code == 200
    response = submit(
        client, box, content="长" * 200_000, addressed_to="nonsense", category="99999"
    )
    assert response.status_code == 200
    response = client.post(receipt_url(box), {"code": "\x00" * 100})
    assert response.status_code == 200
    assert not Opinion.objects.exists()


# --- reading the reply -----------------------------------------------------------------


def test_the_right_code_shows_the_status_and_later_the_answer(world, box):
    code = receipt_code_from(submit(Client(), box, content="希望设立职工书屋"))
    client = Client()
    body = client.post(receipt_url(box), {"code": code}).content.decode()
    assert "希望设立职工书屋" in body and "Received" in body
    opinion = Opinion.objects.get()
    services.opinion_sort(opinion, actor=world.clerk, category=first_category(opinion.campaign))
    services.opinion_answer(opinion, actor=world.secretary, text="书屋下月开放")
    body = client.post(receipt_url(box), {"code": code.lower().replace("-", " ")}).content.decode()
    assert "书屋下月开放" in body and "Answered" in body
    assert world.secretary.display_name not in body


def test_a_wrong_code_and_another_boxs_code_look_the_same(world, campaign, box):
    other_box = make_box(world.sibling)
    their_code = receipt_code_from(submit(Client(), other_box, content="别人的意见"))
    client = Client()
    responses = [
        client.post(receipt_url(box), {"code": their_code}),
        client.post(receipt_url(box), {"code": "ZZZZZ-ZZZZZ"}),
        client.post(receipt_url(box), {"code": "not even a code"}),
        client.post(receipt_url(box), {"code": ""}),
    ]
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    bodies = {token.sub("", r.content.decode()) for r in responses}
    assert len(bodies) == 1
    body = bodies.pop()
    assert NOT_FOUND in body and "别人的意见" not in body
    assert {r.status_code for r in responses} == {200}


def test_a_closed_box_still_shows_replies(box):
    code = receipt_code_from(submit(Client(), box, content="关门后仍可查看"))
    box.is_open = False
    box.save()
    assert "关门后仍可查看" in Client().post(receipt_url(box), {"code": code}).content.decode()


def test_offline_opinions_cannot_be_read_through_the_box(world, campaign, box):
    OpinionFactory(organization=world.own, campaign=campaign, content="线下意见")
    body = Client().post(receipt_url(box), {"code": ""}).content.decode()
    assert "线下意见" not in body and NOT_FOUND in body


# --- rate limits -----------------------------------------------------------------------


def test_submissions_are_limited_per_address(box):
    client = Client(REMOTE_ADDR="198.51.100.7")
    limit, _window = public_views.SUBMIT_PER_ADDRESS
    for _ in range(limit):
        assert submit(client, box).status_code == 200
    response = submit(client, box)
    assert response.status_code == 429
    assert "try again in a few minutes" in response.content.decode()
    assert Opinion.objects.count() == limit
    # Another address is not affected.
    assert submit(Client(REMOTE_ADDR="198.51.100.8"), box).status_code == 200


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(box, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    limit, _window = public_views.SUBMIT_PER_ADDRESS
    for i in range(limit + 1):
        proxied = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert submit(proxied, box).status_code == 200
    # An untrusted peer cannot escape the limit by inventing X-Forwarded-For.
    for i in range(limit + 1):
        spoofing = Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{100 + i}")
        status = submit(spoofing, box).status_code
    assert status == 429


def test_submissions_are_limited_per_box_per_day(world, box, monkeypatch):
    monkeypatch.setattr(public_views, "SUBMIT_PER_BOX_PER_DAY", 3)
    for i in range(3):
        assert submit(Client(REMOTE_ADDR=f"198.51.100.{i}"), box).status_code == 200
    assert submit(Client(REMOTE_ADDR="198.51.100.50"), box).status_code == 429
    other_box = make_box(world.sibling)
    assert submit(Client(REMOTE_ADDR="198.51.100.51"), other_box).status_code == 200


def test_receipt_lookups_are_limited_per_address(box):
    client = Client(REMOTE_ADDR="198.51.100.20")
    limit, _window = public_views.LOOKUP_PER_ADDRESS
    for _ in range(limit):
        assert client.post(receipt_url(box), {"code": "ZZZZZ-ZZZZZ"}).status_code == 200
    assert client.post(receipt_url(box), {"code": "ZZZZZ-ZZZZZ"}).status_code == 429


def test_a_broken_cache_lets_people_through(box, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "add", broken)  # what portal.core.cache calls
    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "incr", broken)
    assert submit(Client(), box).status_code == 200
    assert Opinion.objects.count() == 1


# --- no leaks, fixed query counts ------------------------------------------------------


def _opinion_selects(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and '"activities_opinion"' in q["sql"]
    ]


def _grow(world, campaign):
    OpinionFactory.create_batch(20, organization=world.own, campaign=campaign)
    OpinionFactory.create_batch(20, organization=world.sibling, campaign=campaign)


def test_the_form_page_runs_fixed_queries_and_reads_no_opinion(world, campaign, box):
    client = Client()
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(box_url(box)).status_code == 200
        counts.append(len(ctx.captured_queries))
        assert _opinion_selects(ctx) == []
        _grow(world, campaign)
    # the box with its organization, the campaign, the categories
    assert counts == [3, 3]


def test_submitting_runs_fixed_queries_and_reads_no_opinion(world, campaign, box):
    counts = []
    for i in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = Client(REMOTE_ADDR=f"198.51.100.{i}").post(box_url(box), form_data(box))
            assert response.status_code == 302
        counts.append(len(ctx.captured_queries))
        assert _opinion_selects(ctx) == []
        _grow(world, campaign)
    # the box, the campaign, the categories; then the service's transaction (a savepoint
    # inside the test's transaction), the savepoint around the insert, the insert, its
    # history row, the release, the event insert, the outer release. (Marking the
    # organization's requirement roll-up row is one UPDATE per transaction and
    # organization; the test's own transaction, which never ends, has done it already.)
    # Then the receipt code kept in the visitor's new session for the redirect: a
    # check that the new session key is unused, the savepoint, the insert, the release.
    assert counts == [14, 14]


def test_a_lookup_reads_exactly_one_opinion_by_box_and_code(world, campaign, box):
    code = receipt_code_from(submit(Client(), box))
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as ctx:
            Client().post(receipt_url(box), {"code": code})
        counts.append(len(ctx.captured_queries))
        selects = _opinion_selects(ctx)
        assert len(selects) == 1
        assert '"receipt_code" =' in selects[0] and '"organization_id" =' in selects[0]
        assert "LIMIT 1" in selects[0]
        _grow(world, campaign)
    # the box, the opinion by code
    assert counts == [2, 2]


def test_a_double_submission_of_one_form_files_one_opinion_and_shows_the_same_code(box):
    data = form_data(box)
    client = Client()
    first = receipt_code_from(client.post(box_url(box), data, follow=True))
    second = receipt_code_from(client.post(box_url(box), data, follow=True))
    assert first == second
    assert Opinion.objects.count() == 1


def test_two_forms_served_at_once_are_distinct(box):
    now = timezone.now().timestamp() - 10
    assert form_started_token(box.pk, at=now) != form_started_token(box.pk, at=now)


def test_a_submission_racing_its_twin_is_told_it_was_already_sent(box):
    data = form_data(box)
    cache.add(public_guard._form_key(data["started"]), "", 60)  # the twin is mid-way
    response = Client().post(box_url(box), data)
    assert response.status_code == 200
    assert "already sent" in response.content.decode()
    assert not Opinion.objects.exists()


# --- post/redirect/get, the short address, plain-language categories -----------------


def test_sending_redirects_to_the_receipt_and_reloading_it_sends_nothing(box):
    client = Client()
    response = client.post(box_url(box), form_data(box))
    thanks = reverse("public:thanks", args=[box.token])
    assert response.status_code == 302 and response["Location"] == thanks
    first = client.get(thanks)
    code = receipt_code_from(first)
    # A reload of the receipt page: the same code, still one opinion.
    again = client.get(thanks)
    assert receipt_code_from(again) == code
    assert Opinion.objects.count() == 1
    assert "no-store" in again["Cache-Control"] or "max-age=0" in again["Cache-Control"]
    assert 'data-copy="receipt-code"' in again.content.decode()


def test_the_receipt_page_without_a_submission_leads_to_the_form(box):
    response = Client().get(reverse("public:thanks", args=[box.token]))
    assert response.status_code == 302 and response["Location"] == box_url(box)
    assert Client().get(reverse("public:thanks", args=["nosuchbox"])).status_code == 404


def test_the_receipt_page_costs_two_queries(box):
    client = Client()
    client.post(box_url(box), form_data(box))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("public:thanks", args=[box.token]))
    # The session, the box with its organization.
    assert len(queries) == 2


def test_the_short_address_leads_to_the_box_in_any_case(box):
    code = box.short_code
    assert len(code) == 6 and not set(code) & set("0O1IL")
    for typed in (f"/b/{code}", f"/b/{code}/", f"/b/{code.lower()}"):
        response = Client().get(typed)
        assert response.status_code == 302 and response["Location"] == box_url(box), typed
    assert Client().get("/b/ZZZZZZ/").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        Client().get(f"/b/{code}/")
    assert len(queries) == 1  # the box by its short code


def test_each_box_has_its_own_short_code_and_a_new_one_with_a_new_address(world, box):
    other = make_box(world.sibling)
    assert other.short_code != box.short_code
    old = box.short_code
    services.box_rotate_token(box, actor=world.secretary)
    box.refresh_from_db()
    assert box.short_code != old
    assert Client().get(f"/b/{old}/").status_code == 404


def test_the_poster_shows_the_short_address(world, box):
    page = client_for(world, "secretary").get(reverse("activities:box_qr", args=[world.own.pk]))
    assert f"/b/{box.short_code}<" in page.content.decode()  # SITE_URL/b/ABC123


def test_employees_see_categories_in_plain_words_and_the_secretary_the_party_ones(
    world, box, campaign
):
    body = Client().get(box_url(box), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How the Party leaders here work together" in body
    assert "leading-body cohesion" not in body
    category = next(c for c in campaign.problem_categories.all() if c.code == "cohesion")
    submit(Client(), box, category=str(category.pk))
    assert Opinion.objects.get().suggested_category == category
