"""Country choices: named and sorted in the active language, made once per language, and
accepted by Django's choice fields as they are."""

from django import forms
from django.utils import translation

from frontline.core.choices import country_choices


class _Form(forms.Form):
    country = forms.ChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()


def test_names_follow_the_language_and_the_list_is_made_once():
    with translation.override("en"):
        english = dict(country_choices())
        assert english["DE"] == "Germany" and english[""] == "—"
        assert country_choices().pairs is country_choices().pairs  # made once
    with translation.override("zh-hans"):
        chinese = list(country_choices(blank=False))
        assert dict(chinese)["DE"] == "德国" and ("", "—") not in chinese
        assert len(chinese) == len(english) - 1
    with translation.override("fr"):
        names = [name for _code, name in country_choices(blank=False)]
        assert dict(country_choices())["DE"] == "Allemagne"
        assert names.index("Afrique du Sud") < names.index("Allemagne") < names.index("Zimbabwe")


def test_a_form_validates_and_renders_with_them():
    with translation.override("en"):
        assert _Form({"country": "IT"}).is_valid()
        form = _Form({"country": "XX"})
        assert not form.is_valid() and "country" in form.errors
        html = str(form["country"])
        assert '<option value="IT">Italy</option>' in html


def test_country_names_the_library_gets_wrong_are_corrected():
    from django.utils import translation
    from django_countries import countries

    with translation.override("zh-hans"):
        names = {code: countries.name(code) for code in ("NP", "TJ", "WS", "AS", "TW", "HK",
                                                          "MO", "BA", "MK", "IT")}
    assert names == {"NP": "尼泊尔", "TJ": "塔吉克斯坦", "WS": "萨摩亚", "AS": "美属萨摩亚群岛",
                     "TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门",
                     "BA": "波斯尼亚和黑塞哥维那", "MK": "北马其顿", "IT": "意大利"}
    with translation.override("en"):
        assert (countries.name("NR"), countries.name("BS")) == ("Nauru", "Bahamas")
