"""Django's makemessages without fuzzy matching: a guessed translation of a similar string
("Users in my jurisdiction" for "People in my jurisdiction") is worse than none."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
