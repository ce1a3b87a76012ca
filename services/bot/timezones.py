"""Which timezone a customer is likely in, and reading the one they type. Pure functions.

Why a suggestion at all: every time the bot shows (a campaign's start, a plan's expiry) and every
time a customer types (a campaign's start) is in their timezone, so onboarding asks it, and most
people should only have to confirm. Telegram tells us a language (sometimes with a region, "en-GB"),
never a place: a language spoken in one main zone suggests that zone (fr → Europe/Paris, zh →
Asia/Shanghai, hi → Asia/Kolkata); one spoken around the world (English) suggests UTC and offers
its largest zones as buttons. Which country a zone is in (for reading national phone numbers) comes
from CLDR's zone → territory table, through Babel.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global

DEFAULT_ZONE = "UTC"
# The buttons offered first for a chat language without a region: its likeliest zones, the suggestion first.
LANGUAGE_ZONES: dict[str, tuple[str, ...]] = {
    "en": ("UTC", "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Asia/Kolkata"),
    "fr": ("Europe/Paris", "Europe/Brussels", "Europe/Zurich", "America/Toronto", "Africa/Abidjan", "UTC"),
    "zh": ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "UTC"),
    "hi": ("Asia/Kolkata", "Asia/Dubai", "Europe/London", "UTC"),
}
# Countries with several zones, their busiest first (CLDR lists a country's zones alphabetically).
COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "US": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "CA": ("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax"),
    "AU": ("Australia/Sydney", "Australia/Brisbane", "Australia/Perth", "Australia/Adelaide"),
    "BR": ("America/Sao_Paulo", "America/Manaus"),
    "MX": ("America/Mexico_City", "America/Tijuana"),
    "RU": ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok"),
    "CN": ("Asia/Shanghai",),
    "ES": ("Europe/Madrid", "Atlantic/Canary"),
    "ID": ("Asia/Jakarta", "Asia/Makassar"),
}
MAX_SUGGESTED = 6
# The languages whose city names a typed zone may use (the chat languages' CLDR locales).
CITY_LOCALES = ("fr_FR", "zh_Hans_CN", "hi_IN")
# Zones renamed in the IANA database whose CLDR data is still filed under the old name.
CLDR_NAMES = {"Asia/Kolkata": "Asia/Calcutta", "Europe/Kyiv": "Europe/Kiev", "Asia/Ho_Chi_Minh": "Asia/Saigon",
               "Asia/Kathmandu": "Asia/Katmandu", "Asia/Yangon": "Asia/Rangoon", "America/Nuuk": "America/Godthab",
               "Atlantic/Faroe": "Atlantic/Faeroe"}
MAX_TYPED_LENGTH = 64


def country_zones(country: str) -> tuple[str, ...]:
    """"FR" → ("Europe/Paris",); "US" → New York, Chicago, Denver, Los Angeles; unknown → ()."""
    if country in COUNTRY_ZONES:
        return COUNTRY_ZONES[country]
    return tuple(get_global("territory_zones").get(country, ()))[:MAX_SUGGESTED - 1]


def likely_zones(language_code: str) -> tuple[str, ...]:
    """The zones to offer a person whose Telegram (or chat) language is `language_code`, the
    suggestion first: "fr" → Europe/Paris…, "en" → UTC, New York…, "en-GB" → Europe/London, UTC…;
    always ends with UTC, at most MAX_SUGGESTED."""
    language, _, region = language_code.replace("_", "-").partition("-")
    language = language.lower()
    region = region.split("-")[-1].upper() if region else ""
    zones: tuple[str, ...] = ()
    if len(region) == 2:
        zones = country_zones(region)
    if not zones:
        zones = LANGUAGE_ZONES.get(language, ())
    if not zones and language:
        try:
            zones = country_zones(Locale.parse(language).territory or
                                  Locale.parse(get_global("likely_subtags").get(language, language)).territory or "")
        except (UnknownLocaleError, ValueError):
            zones = ()
    chosen = list(dict.fromkeys(zones))[:MAX_SUGGESTED]
    if DEFAULT_ZONE not in chosen:
        chosen = [*chosen[:MAX_SUGGESTED - 1], DEFAULT_ZONE]
    return tuple(chosen)


@cache
def _known_zones() -> dict[str, str]:
    """Every IANA name zoneinfo can load, by a lower-case key, and each city's name alone, in English
    and in the chat languages ("paris", "巴黎", "पेरिस" → Europe/Paris) when only one zone has that city."""
    names = {name for name in available_timezones() if name not in ("localtime", "posixrules", "Factory")}
    known = {name.lower(): name for name in names}
    cities: dict[str, list[str]] = {}
    for name in names:
        if "/" in name and not name.startswith("Etc/"):
            cities.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    canonical = {old: new for new, old in CLDR_NAMES.items()}
    for locale in CITY_LOCALES:
        for cldr_name, texts in Locale.parse(locale).time_zones.items():
            name = canonical.get(cldr_name, cldr_name)
            if name in names and texts.get("city"):
                cities.setdefault(str(texts["city"]).lower(), []).append(name)
    cities = {city: list(dict.fromkeys(zones)) for city, zones in cities.items()}
    for city, zones in cities.items():
        if len(zones) == 1:
            known.setdefault(city, zones[0])
    return known


def read_timezone(text: str) -> str | None:
    """A typed zone's IANA name, or None when zoneinfo has no such zone: "Europe/Berlin",
    "europe/berlin", "Berlin", "new york" and "America/New York" → their zone; "Mars/Olympus" → None."""
    typed = text.strip()
    if not typed or len(typed) > MAX_TYPED_LENGTH:
        return None
    return _known_zones().get(typed.replace(" ", "_").lower())


def country_of_zone(timezone: str) -> str:
    """The country a zone is in, for reading a national phone number: "Europe/Paris" → "FR";
    "" for UTC and the zones of no one country."""
    territories = get_global("zone_territories")
    country = territories.get(timezone) or territories.get(get_global("zone_aliases").get(timezone, "")) or ""
    return "" if country in ("", "ZZ", "001") else str(country)
