"""Forms of the notify app: the chat-group robot form (choices restricted) and outbox filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.notify.models import Channel, ChatWebhook, MessageStatus, WebhookKind


class WebhookForm(forms.ModelForm):
    """Create or edit a robot; its address and secret are never shown again once saved."""

    url = forms.URLField(
        label=_("webhook address"), max_length=500, assume_scheme="https",
        help_text=_("The address the group robot gives, with its key or access token."),
    )

    secret = forms.CharField(
        label=_("signing secret"), required=False, max_length=200, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Only for DingTalk robots secured by signing (the secret starts with SEC)."),
    )
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)

    class Meta:
        model = ChatWebhook
        fields = ["name", "kind", "url", "jurisdiction", "is_active"]

    field_order = ["name", "kind", "url", "secret", "clear_secret", "jurisdiction", "is_active"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)
        self.editing = bool(self.instance and self.instance.pk)
        if self.editing:
            self.initial["url"] = ""
            self.initial["secret"] = ""
            self.fields["url"].required = False
            self.fields["url"].help_text = _(
                "Leave empty to keep the current address (%(masked)s)."
            ) % {"masked": self.instance.url_display}
            if self.instance.secret:
                self.fields["secret"].help_text = _(
                    "A secret is set. Leave empty to keep it, or enter a new one.")
            else:
                del self.fields["clear_secret"]
        else:
            del self.fields["clear_secret"]

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url") or ""
        if not url and self.editing:
            return self.instance.url
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind and kind != WebhookKind.DINGTALK:
            if data.get("secret"):
                self.add_error("secret", _("Only DingTalk robots are signed with a secret."))
            self.instance.secret = ""  # not signed: model validation must not see the old one
        return data

    def service_data(self) -> dict[str, Any]:
        """The fields to hand to webhook_create/webhook_update: blank secret keeps the old one."""
        data = {name: self.cleaned_data[name]
                for name in ("name", "kind", "url", "jurisdiction", "is_active")}
        secret = self.cleaned_data.get("secret") or ""
        if data["kind"] != WebhookKind.DINGTALK or self.cleaned_data.get("clear_secret"):
            data["secret"] = ""
        elif secret or not self.editing:
            data["secret"] = secret
        return data


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("all"))] + list(MessageStatus.choices))
    channel = forms.ChoiceField(label=_("channel"), required=False,
                                choices=[("", _("all"))] + list(Channel.choices))
