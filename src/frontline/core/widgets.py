"""Date and time inputs that always render ISO values.

A browser's `<input type="date">` accepts only `YYYY-MM-DD` (and `datetime-local` only
`YYYY-MM-DDTHH:MM`). Django renders a date with the active language's first input format
(`2026/11/30` in Chinese, `30.11.2026` in Russian), which the browser drops: the field shows
empty and a saved form loses the date. These widgets fix the format; parsing is unchanged
(Django accepts ISO input in every language).
"""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")
