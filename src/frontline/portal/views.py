"""The public traveller portal: no account, 13 languages (Arabic and Persian right to left),
mobile-first, no JavaScript. A traveller pre-registers, receives a signed QR pass and a short
code, and can change the registration through a personal link until the desk checks it in."""

from __future__ import annotations

import functools
from typing import Any

import segno
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from frontline.arrivals import selectors, services
from frontline.portal.forms import (
    RegistrationForm,
    companion_initial,
    form_token,
    initial_from,
    public_choices,
)

LANGUAGES = dict(settings.TRAVELLER_LANGUAGES)
MAX_BODY = 32 * 1024


def error_messages() -> dict[str, str]:
    """Every error a traveller can meet, in the active language (the services' codes)."""
    return {
        "duplicate_document": pgettext(
            "portal",
            "This travel document is already registered for this day. Use the link you "
            "received, or ask at the desk."),
        "mrz_invalid": pgettext(
            "portal",
            "The document lines (MRZ) cannot be read or a check digit is wrong. Check them,"
            " or leave them empty and type your details."),
        "country_unknown": pgettext(
            "portal",
            "Choose a country from the list."),
        "country_required": pgettext(
            "portal",
            "Choose a country from the list."),
        "date_invalid": pgettext(
            "portal",
            "Enter a valid date."),
        "date_required": pgettext(
            "portal",
            "Enter your arrival date."),
        "date_range": pgettext(
            "portal",
            "The arrival date must be between three days ago and thirty days from today."),
        "birth_future": pgettext(
            "portal",
            "The date of birth cannot be in the future."),
        "name_required": pgettext(
            "portal",
            "Enter your family name as written in your document."),
        "doc_number_invalid": pgettext(
            "portal",
            "Enter the document number: 3 to 30 letters and digits."),
        "phone_invalid": pgettext(
            "portal",
            "Enter a valid phone number with the country code, such as +86."),
        "temperature_invalid": pgettext(
            "portal",
            "Enter a body temperature between 34 and 43 °C."),
        "too_long": pgettext(
            "portal",
            "This text is too long."),
        "too_many": pgettext(
            "portal",
            "Choose fewer countries."),
        "choice_invalid": pgettext(
            "portal",
            "Choose one of the options."),
        "commitment_required": pgettext(
            "portal",
            "Sign the health commitment to continue."),
        "consent_required": pgettext(
            "portal",
            "Your consent to the processing of your sensitive personal information is "
            "required to register."),
        "guardian_required": pgettext(
            "portal",
            "A child under 14 needs the name and the consent of a parent or guardian."),
        "destination_unknown": pgettext(
            "portal",
            "Choose an area from the list."),
        "not_editable": pgettext(
            "portal",
            "You have been checked in: this registration can no longer be changed. Ask at "
            "the desk."),
        "pass_invalid": pgettext(
            "portal",
            "This link is not valid."),
        "pass_expired": pgettext(
            "portal",
            "This link has expired. Please register again."),
        "pass_unknown": pgettext(
            "portal",
            "This registration was not found."),
        "closed": pgettext(
            "portal",
            "Registration is closed at this arrival point."),
        "rate_limited": pgettext(
            "portal",
            "Too many attempts from your connection. Please wait a few minutes and try "
            "again."),
        "too_large": pgettext(
            "portal",
            "The form you sent is too large."),
    }


def message_for(code: str) -> str:
    """The traveller's message for a service error code, in the active language."""
    messages = error_messages()
    return messages.get(code, pgettext("portal", "Please check the form and try again."))


def apply_service_error(form: RegistrationForm, exc: ValidationError) -> None:
    """Show a service error on the form, in the traveller's language, by its code."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                target = field if field in form.fields else None
                if field == "visited_countries":
                    target = "visited_1"
                form.add_error(target, message_for(error.code or ""))
    else:
        for error in exc.error_list:
            form.add_error(None, message_for(error.code or ""))


def best_language(request) -> str:
    """The traveller language that best fits the browser's Accept-Language."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500]
    for tag, _q in parse_accept_lang_header(header):
        tag = tag.lower()
        if tag in ("zh-tw", "zh-hk", "zh-mo", "zh-hant") or tag.startswith("zh-hant"):
            return "zh-hant"
        if tag.startswith("zh"):
            return "zh-hans"
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return "en"


def portal_page(view):
    """Activate the traveller's language from the URL (404 for another), refuse oversized
    bodies, and mark the response with its language."""

    @functools.wraps(view)
    def wrapper(request, lang: str, *args: Any, **kwargs: Any):
        if lang not in LANGUAGES:
            raise Http404
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            length = request.META.get("CONTENT_LENGTH") or "0"
            if request.method == "POST" and (not length.isdigit() or int(length) > MAX_BODY):
                return _refuse(request, lang, "too_large", 413)
            response = view(request, lang, *args, **kwargs)
        response["Content-Language"] = lang
        response["Cache-Control"] = "no-store"
        return response

    return never_cache(wrapper)


def _refuse(request, lang: str, code: str, status: int) -> HttpResponse:
    return render(request, "portal/error.html",
                  {**_context(lang, request), "message": message_for(code)}, status=status)


def _rate_limited(request) -> bool:
    """At most PORTAL_RATE_LIMIT posts per PORTAL_RATE_WINDOW seconds from one address."""
    limit = getattr(settings, "PORTAL_RATE_LIMIT", 30)
    window = getattr(settings, "PORTAL_RATE_WINDOW", 600)
    if not limit:
        return False
    key = f"portal:rate:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _context(lang: str, request=None) -> dict[str, Any]:
    """What every portal page needs; each language link opens this same page (the pass, the
    form) in that language, so a traveller switching language keeps their place."""
    match = getattr(request, "resolver_match", None)
    links = []
    for code, name in settings.TRAVELLER_LANGUAGES:
        try:
            url = reverse(f"portal:{match.url_name}", kwargs={**match.kwargs, "lang": code})
        except (AttributeError, NoReverseMatch):
            url = reverse("portal:home", kwargs={"lang": code})
        links.append((code, name, url))
    return {"lang": lang, "rtl": lang in settings.RTL_LANGUAGES,
            "html_lang": "zh-" + lang[3:].capitalize() if lang.startswith("zh-") else lang,
            "languages": links}


def root(request):
    return redirect("portal:home", lang=best_language(request))


@portal_page
def home(request, lang: str):
    return render(request, "portal/home.html", _context(lang, request))


@portal_page
def privacy(request, lang: str):
    return render(request, "portal/privacy.html", _context(lang, request))


def _pass_url(lang: str, arrival) -> str:
    return reverse("portal:pass", kwargs={"lang": lang, "token": services.edit_token(arrival)})


@portal_page
@require_http_methods(["GET", "POST"])
def register(request, lang: str, token: str | None = None):
    """The registration form; with `token`, a companion or child of that registration."""
    lead = None
    if token is not None:
        try:
            lead = selectors.arrival_for_traveller(token=token)
        except ValidationError as exc:
            return _refuse(request, lang, exc.error_list[0].code or "", 404)
        lead = lead.party_lead or lead
    points, destinations = public_choices()
    if not points:
        return _refuse(request, lang, "closed", 503)
    initial = companion_initial(lead) if lead else {}
    initial["ft"] = form_token()
    form = RegistrationForm(request.POST or None, initial=initial, points=points,
                            destinations=destinations)
    if request.method == "POST":
        if _rate_limited(request):
            return _refuse(request, lang, "rate_limited", 429)
        if form.is_valid():
            point = next((p for p in points if p.pk == form.cleaned_data["transfer_point"]),
                         None)
            if lead is not None:
                point = lead.transfer_point
            data = form.service_data()
            data["language"] = lang
            try:
                arrival = services.arrival_preregister(transfer_point=point, data=data,
                                                       party_lead=lead)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                return redirect(_pass_url(lang, arrival))
        elif not form.non_field_errors():
            # Refused by the form: show what the service would refuse too, in one answer,
            # on the fields the form found nothing wrong with.
            point = lead.transfer_point if lead is not None else next(
                (p for p in points if str(p.pk) == form.data.get("transfer_point")), points[0])
            more = services.preregistration_errors(
                transfer_point=point, data={**form.service_data(), "language": lang},
                party_lead=lead)
            for field, errors in more.items():
                target = "visited_1" if field == "visited_countries" else field
                if target in form.fields and target not in form.errors:
                    apply_service_error(form, ValidationError({field: errors}))
        _focus_first_error(form)
    return render(request, "portal/register.html", {**_context(lang, request), "form": form,
                                                    "lead": lead})


def _focus_first_error(form: RegistrationForm) -> None:
    """Put the keyboard (and a phone's screen) on the first field to correct."""
    for name, field in form.fields.items():
        if name in form.errors and not field.widget.is_hidden:
            field.widget.attrs["autofocus"] = True
            return


@portal_page
def pass_page(request, lang: str, token: str):
    try:
        arrival = selectors.arrival_for_traveller(token=token)
    except ValidationError as exc:
        return _refuse(request, lang, exc.error_list[0].code or "", 404)
    qr = segno.make(services.pass_token(arrival), error="m")
    party = [{"arrival": a, "url": _pass_url(lang, a)} for a in selectors.party_of(arrival)
             if a.pk != arrival.pk]
    return render(request, "portal/pass.html", {
        **_context(lang, request), "arrival": arrival, "token": token, "party": party,
        "reference": services.format_reference(arrival.reference),
        "qr_svg": qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True),
    })


@portal_page
@require_http_methods(["GET", "POST"])
def edit(request, lang: str, token: str):
    try:
        arrival = selectors.arrival_for_traveller(token=token)
    except ValidationError as exc:
        return _refuse(request, lang, exc.error_list[0].code or "", 404)
    if not arrival.editable:
        return _refuse(request, lang, "not_editable", 409)
    points, destinations = public_choices()
    form = RegistrationForm(request.POST or None, initial=initial_from(arrival), points=points,
                            destinations=destinations, editing=True)
    if request.method == "POST":
        if _rate_limited(request):
            return _refuse(request, lang, "rate_limited", 429)
        if form.is_valid():
            data = form.service_data()
            if not data.get("doc_number"):
                data.pop("doc_number", None)
            try:
                services.arrival_traveller_update(arrival=arrival, data=data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                return redirect(_pass_url(lang, arrival))
    return render(request, "portal/register.html", {**_context(lang, request), "form": form,
                                                    "arrival": arrival, "editing": True})
