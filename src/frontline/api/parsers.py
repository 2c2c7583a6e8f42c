"""The API's parsers: a JSON body nested deeper than the parser's stack answers 400, not 500,
and so does a body holding a NUL character (PostgreSQL can neither store nor compare text
holding one: it raises instead of refusing the value or finding nothing)."""

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def contains_nul(data) -> bool:
    """Whether a parsed body holds NUL in a key or a text value (iterative: the body may be
    nested as deep as the decoder allows)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, MultiValueDict):
            for key, values in item.lists():
                stack.append(key)
                stack.extend(values)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class RejectNulMixin:
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        if contains_nul(getattr(result, "data", result)):  # multipart: the fields, not files
            raise ParseError(ProhibitNullCharactersValidator.message)
        return result


class FormParser(RejectNulMixin, parsers.FormParser):
    pass


class MultiPartParser(RejectNulMixin, parsers.MultiPartParser):
    pass


class JSONParser(RejectNulMixin, parsers.JSONParser):
    """DRF's parser, with `[[[[…]]]]` a parse error like any other malformed JSON (Python's
    decoder raises RecursionError there, which DRF does not catch)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
