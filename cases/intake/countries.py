"""The country select of intake: ISO 3166-1 alpha-2 codes with names in the page's language (pycountry's data)."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language


@cache
def _translation(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def country_choices() -> list[tuple[str, str]]:
    """Every country, sorted by its name in the current language."""
    translate = _translation((get_language() or "en").split("-")[0]).gettext
    names = [(country.alpha_2, translate(country.name)) for country in pycountry.countries]
    return sorted(names, key=lambda pair: pair[1].casefold())


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.upper()) is not None if len(code) == 2 else False
