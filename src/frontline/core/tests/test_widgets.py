"""Date inputs render ISO values in every language: a browser's date input drops anything
else, and a form saved with an emptied date loses it."""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.utils import translation

import frontline
from frontline.core import widgets

LANGUAGES = ["zh-hans", "zh-hant", "ru", "de", "fr", "es", "it", "en", "ar"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_widgets_render_iso_in_every_language(lang):
    with translation.override(lang):
        date_html = widgets.DateInput().render("d", datetime.date(2026, 12, 2))
        when = datetime.datetime(2026, 12, 2, 9, 5, tzinfo=datetime.UTC)
        when_html = widgets.DateTimeInput().render("t", when)
        plain = forms.DateInput(attrs={"type": "date"}).render("d", datetime.date(2026, 12, 2))
    assert 'type="date"' in date_html and 'value="2026-12-02"' in date_html
    assert 'type="datetime-local"' in when_html and 'value="2026-12-02T09:05"' in when_html
    if lang not in ("en", "ar"):  # what the widgets fix: Django's own renders the language's format
        assert 'value="2026-12-02"' not in plain


def _form_classes():
    for module_info in pkgutil.walk_packages(frontline.__path__, "frontline."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_input_of_every_form_is_an_iso_one():
    checked, wrong = 0, []
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            widget = field.widget
            if getattr(widget, "input_type", None) in ("date", "datetime-local"):
                checked += 1
                if not isinstance(widget, (widgets.DateInput, widgets.DateTimeInput)):
                    wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked >= 15
    assert wrong == []
