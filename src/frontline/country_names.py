"""Corrections of country names as django-countries translates them, for the staff languages.

The project's catalog (LOCALE_PATHS) is read before any app's, so an entry here replaces the
library's translation of the same name. The names are marked here only to be extracted into
`src/frontline/locale`; nothing imports this module.

- Simplified Chinese: misspellings in the library (尼珀尔, 塔吉克斯斯坦, 波斯尼亚和黑塞哥维 cut
  short), North Macedonia under its old name (马其顿), Samoa given the name of
  American Samoa (two entries read 美属萨摩亚群岛), and Taiwan, Hong Kong and Macao named as the
  Chinese government writes them in a list of nationalities (中国台湾, 中国香港, 中国澳门).
- English: the library's "Naoero" and "Bahamas (The)".
"""

from django.utils.translation import gettext_noop

CORRECTED = [
    gettext_noop("Nepal"),
    gettext_noop("Tajikistan"),
    gettext_noop("Samoa"),
    gettext_noop("Taiwan"),
    gettext_noop("Hong Kong"),
    gettext_noop("Macao"),
    gettext_noop("Bosnia and Herzegovina"),
    gettext_noop("North Macedonia"),
    gettext_noop("Naoero"),
    gettext_noop("Bahamas (The)"),
]
