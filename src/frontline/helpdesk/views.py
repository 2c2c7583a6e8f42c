"""Pages of the question desk: asking (with FAQ suggestions while typing), the list with the
figures, a question's thread, promoting an answer to the FAQ, and the duty roster."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.areas.models import Jurisdiction, Place
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error
from frontline.helpdesk import selectors, services
from frontline.helpdesk.forms import DutySlotForm, QuestionForm, ReplyForm
from frontline.helpdesk.models import DutySlot, Question, QuestionStatus, ReplyKind
from frontline.knowledge import selectors as knowledge_selectors
from frontline.knowledge import services as knowledge_services
from frontline.knowledge.models import Language


class QuestionListView(ScopedListView):
    model = Question
    template_name = "helpdesk/question_list.html"

    def get_queryset(self):
        super().get_queryset()
        status = self.request.GET.get("status", "")
        return selectors.question_list(
            actor=self.request.user,
            status=status if status in QuestionStatus.values else "",
            mine=self.request.GET.get("mine") == "1")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            figures=selectors.figures(actor=self.request.user), statuses=QuestionStatus.choices,
            status=self.request.GET.get("status", ""), **kwargs)


def _where(value: str, user):
    kind, _sep, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None, None
    if kind == "place":
        return get_in_scope(Place, user, Action.VIEW, pk=int(pk)), None
    return None, get_in_scope(Jurisdiction, user, Action.VIEW, pk=int(pk))


@login_required
def question_ask(request):
    if not request.user.can(Action.VIEW):
        raise PermissionDenied
    from frontline.people.selectors import visible_person_ids

    form = QuestionForm(request.POST or None, request.FILES or None, actor=request.user)
    if (request.method == "POST" and form.is_valid() and form.cleaned_data["person"]
            and not visible_person_ids(actor=request.user, ids=[form.cleaned_data["person"]])):
        # A mistyped registry number: said on its field, the question kept to correct (the
        # service would answer 404, as for any record out of scope).
        form.add_error("person", _("No person with this registry number in your area."))
    if request.method == "POST" and form.is_valid():
        from frontline.people.models import Person

        data = form.cleaned_data
        place, jurisdiction = _where(data["where"], request.user)
        person = Person(pk=data["person"]) if data["person"] else None
        files = [(f.name, f.read()) for f in data["attachments"]]
        try:
            question = services.question_ask(
                actor=request.user, text=data["text"], urgency=data["urgency"], place=place,
                jurisdiction=jurisdiction, person=person, files=files)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Your question was sent to the office."))
            return redirect("helpdesk:question_detail", pk=question.pk)
    return render(request, "helpdesk/question_form.html", {"form": form})


@login_required
def faq_suggest(request):
    """The FAQ entries matching what is being typed (an htmx fragment)."""
    text = request.GET.get("text", "")[:500]
    language = "" if not text else (Language.ZH if any("\u4e00" <= c <= "\u9fff" for c in text)
                                    else Language.EN)
    hits = knowledge_selectors.faq_suggest(text=text, language=language)
    return render(request, "helpdesk/_faq_suggestions.html", {"hits": hits, "text": text})


@login_required
def question_detail(request, pk: int):
    question = selectors.question_detail(actor=request.user, pk=pk)
    office = services.is_office_side(request.user, question)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_reply(actor=request.user, question=question,
                                    text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Your answer was sent."))
            return redirect("helpdesk:question_detail", pk=question.pk)
    from frontline.people.selectors import visible_person_ids

    return render(request, "helpdesk/question_detail.html", {
        "visible_people": visible_person_ids(actor=request.user, ids=[question.person_id]),
        "question": question, "replies": question.replies.select_related("author"),
        "attachments": question.attachments.all(), "form": form, "office": office,
        "can_close": question.status != QuestionStatus.CLOSED
        and (office or question.asked_by_id == request.user.pk),
        "can_promote": office and (knowledge_services.may_write(request.user)
                                   or request.user.can(Action.CHANGE))})


@login_required
@require_POST
def question_close(request, pk: int):
    question = get_in_scope(Question, request.user, Action.VIEW, pk=pk)
    try:
        services.question_close(actor=request.user, question=question)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The question was closed."))
    return redirect("helpdesk:question_detail", pk=question.pk)


@login_required
def attachment_download(request, pk: int, attachment_id: int):
    question = get_in_scope(Question, request.user, Action.VIEW, pk=pk)
    item = question.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    return FileResponse(item.file.open("rb"), content_type=item.content_type,
                        as_attachment=True, filename=item.name)


@login_required
@require_POST
def reply_promote(request, pk: int, reply_id: int):
    """Start an FAQ entry (a draft) from an answer and the question it answers."""
    question = get_in_scope(Question, request.user, Action.VIEW, pk=pk)
    reply = question.replies.filter(pk=reply_id, kind=ReplyKind.ANSWER).first()
    if reply is None or not services.is_office_side(request.user, question):
        raise Http404
    chinese = any("\u4e00" <= c <= "\u9fff" for c in question.text + reply.text)
    language = Language.ZH if chinese else Language.EN
    entry = knowledge_services.faq_create(
        actor=request.user, source_question_id=question.pk,
        texts={language: {"question": question.text, "answer": reply.text}})
    messages.success(request, _("An FAQ draft was started; add the other language and send it "
                                "for review."))
    return redirect("knowledge:faq_edit", pk=entry.pk)


class DutyListView(ScopedListView):
    model = DutySlot
    template_name = "helpdesk/duty_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.duty_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_configure=self.request.user.can(Action.CONFIGURE),
                                        **kwargs)


@login_required
def duty_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    form = DutySlotForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_slot_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The shift was added to the roster."))
            return redirect("helpdesk:duty_list")
    return render(request, "helpdesk/duty_form.html", {"form": form})
