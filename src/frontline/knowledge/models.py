"""Front-line knowledge: country notes (风俗禁忌), policies with effective dates (涉外政策),
the FAQ, the search index over all three, printable booklets and training sessions (涉外培训).

Notes, policies and FAQ entries are not personal data: every staff member may read them.
Texts live in translation tables, one row per (object, language), Chinese and English.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from frontline.core.models import ScopedModel


class Language(models.TextChoices):
    ZH = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


LANGUAGES = (Language.ZH, Language.EN)


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("written by the team")
    REVIEW = "review", pgettext_lazy("knowledge", "waiting for review")
    APPROVED = "approved", _("approved by a reviewer")


class FaqState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("faq state", "draft")
    REVIEW = "review", pgettext_lazy("knowledge", "waiting for review")
    PUBLISHED = "published", pgettext_lazy("faq state", "published")


NOTE_SECTIONS = [
    ("greetings", _("greetings and forms of address")),
    ("name_order", _("name order")),
    ("religion_diet", _("religion and diet")),
    ("gestures_taboos", _("gestures and taboos")),
    ("holidays", _("holidays")),
    ("language_tips", _("language tips")),
    ("embassy_address", _("embassy in Beijing: address")),
]


class CountryNote(models.Model):
    """The customs and taboos (风俗禁忌) of one country; its texts are versioned."""

    country = CountryField(_("country"), unique=True)
    name_zh = models.CharField(pgettext_lazy("country note", "Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("country note")
        verbose_name_plural = _("country notes")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"

    def name(self, language: str) -> str:
        return self.name_zh if language == Language.ZH else self.name_en


class CountryNoteVersion(models.Model):
    """One version of a country note: written by the team, waiting for review, approved."""

    note = models.ForeignKey(CountryNote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("review state"), max_length=10, choices=ReviewState.choices,
                             default=ReviewState.DRAFT)
    embassy_phone = models.CharField(_("embassy phone"), max_length=60, blank=True)
    embassy_website = models.URLField(_("embassy website"), blank=True)
    change_summary = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("country note version")
        verbose_name_plural = _("country note versions")
        ordering = ["note_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["note", "number"],
                                               name="knowledge_note_version_unique")]

    def __str__(self) -> str:
        return f"{self.note} v{self.number}"

    def text(self, language: str) -> CountryNoteText | None:
        texts = {t.language: t for t in self.texts.all()}
        return texts.get(language) or texts.get(Language.ZH) or texts.get(Language.EN)


class CountryNoteText(models.Model):
    """The text of one version of a country note in one language."""

    version = models.ForeignKey(CountryNoteVersion, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    greetings = models.TextField(_("greetings and forms of address"), blank=True)
    name_order = models.TextField(_("name order"), blank=True)
    religion_diet = models.TextField(_("religion and diet"), blank=True)
    gestures_taboos = models.TextField(_("gestures and taboos"), blank=True)
    holidays = models.TextField(_("holidays"), blank=True)
    language_tips = models.TextField(_("language tips"), blank=True)
    embassy_address = models.TextField(_("embassy in Beijing: address"), blank=True)

    class Meta:
        verbose_name = _("country note text")
        verbose_name_plural = _("country note texts")
        constraints = [models.UniqueConstraint(fields=["version", "language"],
                                               name="knowledge_note_text_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.language}"

    def sections(self) -> list[tuple[str, str, str]]:
        return [(key, str(label), getattr(self, key)) for key, label in NOTE_SECTIONS]


class Policy(models.Model):
    """A foreign-related policy (涉外政策) in force from one date until superseded."""

    code = models.SlugField(_("reference"), max_length=60, unique=True)
    source = models.CharField(_("source"), max_length=200)
    source_url = models.URLField(_("source address"), blank=True)
    effective_from = models.DateField(_("in force from"))
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    superseded_by = models.ForeignKey("self", verbose_name=_("superseded by"), null=True,
                                      blank=True, on_delete=models.SET_NULL,
                                      related_name="supersedes")
    state = models.CharField(_("review state"), max_length=10, choices=ReviewState.choices,
                             default=ReviewState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-effective_from", "code"]
        indexes = [models.Index(fields=["effective_from", "superseded_on"],
                                name="knowledge_policy_dates")]
        constraints = [models.CheckConstraint(
            condition=models.Q(superseded_on__isnull=True)
            | models.Q(superseded_on__gt=models.F("effective_from")),
            name="knowledge_policy_dates_order")]

    def __str__(self) -> str:
        text = self.text(Language.ZH)
        return f"{self.code} {text.title}" if text else self.code

    def text(self, language: str) -> PolicyText | None:
        texts = {t.language: t for t in self.texts.all()}
        return texts.get(language) or texts.get(Language.ZH) or texts.get(Language.EN)

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.superseded_on is None
                                               or self.superseded_on > day)


class PolicyText(models.Model):
    """A policy's title, summary and full text in one language."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"), blank=True)

    class Meta:
        verbose_name = _("policy text")
        verbose_name_plural = _("policy texts")
        constraints = [models.UniqueConstraint(fields=["policy", "language"],
                                               name="knowledge_policy_text_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class FaqEntry(models.Model):
    """A question the front line asks often, with the office's answer, in Chinese and English."""

    state = models.CharField(_("state"), max_length=10, choices=FaqState.choices,
                             default=FaqState.DRAFT)
    source_question_id = models.PositiveIntegerField(_("from question"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The entry's texts in the document workflow: the Chinese source and its translations,
    # which a proofreader approves in the translation queue before the entry is published.
    template = models.ForeignKey("documents.DocumentTemplate",
                                 verbose_name=pgettext_lazy("knowledge", "document"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        text = self.text(Language.ZH)
        return text.question[:80] if text else f"FAQ {self.pk}"

    def text(self, language: str) -> FaqText | None:
        texts = {t.language: t for t in self.texts.all()}
        return texts.get(language) or texts.get(Language.ZH) or texts.get(Language.EN)


class FaqText(models.Model):
    """An FAQ entry's question and answer in one language."""

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))

    class Meta:
        verbose_name = _("FAQ text")
        verbose_name_plural = _("FAQ texts")
        constraints = [models.UniqueConstraint(fields=["entry", "language"],
                                               name="knowledge_faq_text_unique")]

    def __str__(self) -> str:
        return f"{self.question[:40]} ({self.language})"


class EntryKind(models.TextChoices):
    NOTE = "note", _("country note")
    POLICY = "policy", _("policy")
    FAQ = "faq", _("FAQ entry")


class SearchEntry(models.Model):
    """One searchable text (a note, a policy or an FAQ entry in one language), kept by services."""

    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    object_id = models.PositiveIntegerField()
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(blank=True)
    state = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "language"],
                                               name="knowledge_search_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.language}"


class SearchGram(models.Model):
    """A piece of a search entry: a two-character CJK gram (or a run's last character), or a
    folded Latin word, with its weight (occurrences, title counted five times). Two-character
    Chinese queries are exact gram lookups, the same on SQLite and PostgreSQL."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="grams",
                              db_index=False)
    gram = models.CharField(max_length=32)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        # (gram, weight, entry): the heaviest rows of a gram are read straight off the index.
        indexes = [models.Index(fields=["gram", "weight", "entry"], name="knowledge_gram_rank"),
                   models.Index(fields=["entry"], name="knowledge_gram_entry")]

    def __str__(self) -> str:
        return self.gram


class SearchTerm(models.Model):
    """Every Latin word in the search grams, so a prefix (`greet`) is expanded to the few
    words it begins before their rows are read in weight order. Never pruned: a word no
    longer used only costs one empty lookup."""

    gram = models.CharField(max_length=32, unique=True)

    def __str__(self) -> str:
        return self.gram


class BookletStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RENDERING = "rendering", _("rendering")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class Booklet(models.Model):
    """A printable booklet of chosen country notes and policies (the hotel teams' reference)."""

    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices,
                                default=Language.ZH)
    notes = models.ManyToManyField(CountryNote, verbose_name=_("countries"), blank=True)
    policies = models.ManyToManyField(Policy, verbose_name=_("policies"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BookletStatus.choices,
                              default=BookletStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("booklet")
        verbose_name_plural = _("booklets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Audience(models.TextChoices):
    HOTEL = "hotel", _("hotel team")
    TRANSFER = "transfer", _("transfer-point team")
    STREET = "street", _("street team")


class TrainingSession(ScopedModel):
    """A training session (涉外培训) for one team: a hotel's, the transfer point's or a street's.

    Scoped by the team: the place for hotel and transfer-point teams, else the street's code.
    """

    scope_place_field = "place"

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    location = models.CharField(pgettext_lazy("training", "place"), max_length=200)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    place = models.ForeignKey("areas.Place", verbose_name=_("team's place"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("areas.Jurisdiction", verbose_name=_("team's street"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    trainer = models.CharField(_("trainer"), max_length=100)
    notes = models.ManyToManyField(CountryNote, verbose_name=_("country notes"), blank=True)
    policies = models.ManyToManyField(Policy, verbose_name=_("policies"), blank=True)
    booklets = models.ManyToManyField(Booklet, verbose_name=_("booklets"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["jurisdiction_code", "starts_at"],
                                name="knowledge_training_scope")]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One staff member attended one training session."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE,
                                related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["session", "user"],
                                               name="knowledge_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}"
