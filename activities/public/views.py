"""The public online suggestion box (docs/product.md §6.1): no login, mounted at /box/.

/box/<token>/          the form; on success it redirects to the receipt code
/box/<token>/thanks/   the receipt code of the opinion just sent (reloading sends nothing)
/b/<short code>/       the short address on the poster, leading to the form
/box/<token>/receipt/  the submitter types the code and reads the status and reply

Rules: nothing personal is required; the pages never list or reveal other submissions
(the only read of opinions is one lookup by box and receipt code); a wrong code gets the
same "not found" whatever the reason. Abuse is held off by per-address and per-box rate
limits in Django's cache, a honeypot field and a minimum time to fill the form. CSRF
protection stays on.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.cache import cache_get
from portal.core.public_guard import address_key, claim_form, hit, remember_form

from ..models import Opinion, OpinionStatus, ProblemCategory, SuggestionBox
from ..models.opinions import normalize_receipt_code, normalize_short_code
from ..opinions import services as services
from ..opinions.forms import PublicOpinionForm, ReceiptLookupForm
from ..opinions.selectors import box_campaign

# (limit, window in seconds)
SUBMIT_PER_ADDRESS = (5, 10 * 60)
SUBMIT_PER_BOX_PER_DAY = 200
LOOKUP_PER_ADDRESS = (20, 10 * 60)


def _box_day_key(box: SuggestionBox) -> str:
    return f"publicbox:box:{box.pk}:{timezone.localdate():%Y%m%d}"


def _box_day_count(box: SuggestionBox) -> int:
    return int(cache_get(_box_day_key(box), 0))


def _box_day_add(box: SuggestionBox) -> None:
    hit(_box_day_key(box), SUBMIT_PER_BOX_PER_DAY, 24 * 60 * 60)


def _get_box(token: str) -> SuggestionBox | None:
    """The box by its token, with the organization. One query."""
    return SuggestionBox.objects.select_related("organization").filter(token=token).first()


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "public/not_found.html", status=404)


def _limited(request: HttpRequest, box: SuggestionBox) -> HttpResponse:
    response = render(
        request, "public/limited.html", {"box": box, "org": box.organization}, status=429
    )
    response["Retry-After"] = str(SUBMIT_PER_ADDRESS[1])
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def box(request: HttpRequest, token: str) -> HttpResponse:
    box = _get_box(token)
    if box is None:
        return _not_found(request)
    org = box.organization
    campaign = box_campaign(org) if box.is_open and org.is_active else None
    context: dict[str, Any] = {"box": box, "org": org}
    if campaign is None:
        return render(request, "public/box_closed.html", context)
    categories = list(ProblemCategory.objects.filter(campaign=campaign))
    if request.method == "POST":
        if hit(address_key("submit", request), *SUBMIT_PER_ADDRESS):
            return _limited(request, box)
        if _box_day_count(box) >= SUBMIT_PER_BOX_PER_DAY:
            return _limited(request, box)
        form = PublicOpinionForm(request.POST, box_id=box.pk, categories=categories)
        if form.is_valid():
            # One opinion per served form: a double click or a reload of the thank-you
            # page shows the same receipt code instead of filing the opinion twice.
            claimed, earlier_code = claim_form(form.cleaned_data["started"])
            if not claimed:
                if earlier_code:
                    return _to_thanks(request, box, earlier_code)
                form.add_error(
                    None, _("This form was already sent. Reload the page to send another opinion.")
                )
                context["form"] = form
                return render(request, "public/box.html", context)
            data = form.cleaned_data
            opinion = services.opinion_submit_online(
                box=box,
                campaign=campaign,
                content=data["content"],
                addressed_to=data["addressed_to"],
                addressed_member_name=data["addressed_member_name"],
                suggested_category=data["category"],
                source=data["source"],
                submitter_name=data["submitter_name"],
                submitter_contact=data["submitter_contact"],
            )
            _box_day_add(box)
            code = opinion.receipt_code_display
            remember_form(form.cleaned_data["started"], code)
            return _to_thanks(request, box, code)
        if form.stale_stamp:
            # Keep the errors, re-show what was typed, with a new stamp to send it again.
            form.data = form.refreshed_data()
    else:
        form = PublicOpinionForm(box_id=box.pk, categories=categories)
    context["form"] = form
    return render(request, "public/box.html", context)


def _receipt_session_key(box: SuggestionBox) -> str:
    return f"publicbox:receipt:{box.pk}"


def _to_thanks(request: HttpRequest, box: SuggestionBox, code: str) -> HttpResponse:
    """Post/redirect/get: the receipt code waits in the visitor's session for the
    thank-you page, so that reloading that page sends nothing again."""
    request.session[_receipt_session_key(box)] = code
    return redirect("public:thanks", token=box.token)


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt of the opinion this visitor just sent (from their session); without
    one, the form. Queries: the box (1) and the session (1)."""
    box = _get_box(token)
    if box is None:
        return _not_found(request)
    code = request.session.get(_receipt_session_key(box), "")
    if not code:
        return redirect("public:box", token=box.token)
    return render(
        request,
        "public/box_thanks.html",
        {"box": box, "org": box.organization, "receipt_code": code},
    )


@never_cache
@require_GET
def short_box(request: HttpRequest, code: str) -> HttpResponse:
    """/b/ABC123/: the short address printed on the poster, typed by hand (any case),
    leads to the box. Queries: the box (1)."""
    box = SuggestionBox.objects.filter(short_code=normalize_short_code(code)).only("token").first()
    if box is None:
        return _not_found(request)
    return redirect("public:box", token=box.token)


PUBLIC_STATUS: dict[str, str] = {
    OpinionStatus.RECEIVED: "received",
    OpinionStatus.SORTED: "handling",
    OpinionStatus.ANSWERED: "answered",
    OpinionStatus.ADOPTED: "adopted",
}


@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """Read the reply to one's own opinion with the receipt code. Works for a closed box
    too. Every failure (bad format, unknown code, another box's code) looks the same."""
    box = _get_box(token)
    if box is None:
        return _not_found(request)
    context: dict[str, Any] = {"box": box, "org": box.organization}
    if request.method == "POST":
        if hit(address_key("lookup", request), *LOOKUP_PER_ADDRESS):
            return _limited(request, box)
        form = ReceiptLookupForm(request.POST)
        opinion = None
        if form.is_valid():
            code = normalize_receipt_code(form.cleaned_data["code"])
            # The one read of opinions on public pages: by this box and this exact code.
            opinion = (
                Opinion.objects.filter(organization_id=box.organization_id, receipt_code=code)
                .only(
                    "pk",
                    "content",
                    "status",
                    "received_on",
                    "answer_text",
                    "answered_at",
                    "adopted_item_label",
                    "adopted_at",
                )
                .first()
                if code
                else None
            )
        if opinion is None:
            context["not_found"] = True
        else:
            context["opinion"] = opinion
            context["public_status"] = PUBLIC_STATUS[opinion.status]
        # An empty form either way: a failed lookup looks the same whatever was typed.
        form = ReceiptLookupForm()
    else:
        form = ReceiptLookupForm()
    context["form"] = form
    return render(request, "public/receipt.html", context)
