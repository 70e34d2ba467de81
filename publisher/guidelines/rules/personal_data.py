"""Personal data: phone numbers, email addresses, payment card numbers and IBANs.

Checksums (Luhn, mod 97) keep look-alike card and account numbers quiet. A
phone number is what a person reads as one: any number phonenumbers calls
possible, written with ``+country`` or a trunk prefix or after "call"/"tel"
(see :func:`_reads_as_phone`); dates, times, ticket numbers, versions and CVE
ids do not fire. Phone matching is
the slow part, so it only runs when a cheap regex sees a long enough digit run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, NamedTuple

from pydantic import field_validator

from publisher.guidelines.model import Severity
from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings

if TYPE_CHECKING:
    import phonenumbers

# Seven digits or more, with at most a few separators between them, not glued
# to a word, a version or an id such as CVE-2024-12345.
_PHONE_HINT = re.compile(r"(?<![\w.\-/])\+?\(?\d(?:[ \t().\-/]{0,3}\d){6,}")
_EMAIL = re.compile(
    r"(?<![\w.+@-])[\w.+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w-])"
)
# Dates are the commonest long digit runs; phonenumbers would reject them, slowly.
_DATE = re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2\d{2,4}")
_CONTEXT = 12
# Words just before a number that make anyone read it as a phone number.
_CUE = re.compile(
    r"\b(?:call|ring|phone|tel|telephone|mobile|mob|cell|text|sms|whatsapp|fax|"
    r"pokli\w*|telefon\w*|ruf\w*|bel|appel\w*|ring\w*)\b\W{0,3}(?:\w+\W{1,3}){0,2}$",
    re.IGNORECASE,
)
_CUE_WINDOW = 32
_TIME_SHAPED = re.compile(r"^\(?\d{1,2}[.:]\d{2}(?!\d)")
_MIN_PHONE_DIGITS = 9
_GLUED = re.compile(r"\d[ .\-/]?$")
_DIGIT = re.compile(r"\d")
_CARD = re.compile(r"(?<![\w+.\-/])\d(?:[ -]?\d){12,18}(?![\w-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Za-z0-9]){11,32}", re.ASCII)

#: IBAN length per country (ISO 13616 registry); a country not listed is not checked.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
    "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check digit test used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand_plausible(digits: str) -> bool:
    """Whether the length and leading digits fit a card scheme (Visa, Mastercard, Amex...)."""
    n = len(digits)
    if digits[0] == "4":
        return n in (13, 16, 19)
    if digits[:2] in ("34", "37"):
        return n == 15
    two, four = int(digits[:2]), int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if digits[:2] in ("36", "38", "39") or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19
    return digits[0] in "356" and 16 <= n <= 19


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: the registered length and remainder 1 modulo 97."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


class _Found(NamedTuple):
    start: int
    end: int
    what: str


class PersonalDataOptions(RuleOptions):
    kind: Literal["personal_data"] = "personal_data"
    severity: Severity = Severity.ERROR
    phones: bool = True
    emails: bool = True
    cards: bool = True
    ibans: bool = True
    #: Regions tried besides the checker's own, for national numbers without +country.
    regions: tuple[str, ...] = ()
    #: Public contact details that may be posted, e.g. a switchboard number or a press address.
    allow: tuple[str, ...] = ()
    #: Email domains whose addresses may be posted, e.g. ``["council.gov.uk"]``.
    allow_email_domains: tuple[str, ...] = ()

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        import phonenumbers

        for region in regions:
            if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError(f"unknown phone region {region!r}")
        return tuple(r.upper() for r in regions)


class PersonalDataRule(Rule[PersonalDataOptions]):
    kind = "personal_data"
    options_model = PersonalDataOptions

    def __init__(self, options: PersonalDataOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self._regions = tuple(dict.fromkeys((settings.phone_region, *options.regions)))
        self._allowed_emails = {a.lower() for a in options.allow if "@" in a}
        self._allowed_domains = tuple(d.lower().lstrip("@.") for d in options.allow_email_domains)
        self._allowed_phones = {
            p for a in options.allow if "@" not in a for p in (self._e164(a), _digits(a)) if p
        }

    def _e164(self, raw: str) -> str | None:
        import phonenumbers

        try:
            number = phonenumbers.parse(raw, self.settings.phone_region)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def check(self, post: Post) -> Iterator[Hit]:
        text = post.text
        found: list[_Found] = []
        has_digits = _DIGIT.search(text) is not None
        if self.options.ibans and has_digits:
            found += self._ibans(text)
        if self.options.cards and has_digits:
            found += self._cards(text)
        if self.options.emails and "@" in text:
            found += self._emails(text)
        if self.options.phones and has_digits:
            found += self._phones(text)
        kept: list[_Found] = []
        for f in found:  # earlier kinds win where spans overlap
            if all(f.end <= k.start or f.start >= k.end for k in kept):
                kept.append(f)
        for f in kept:
            yield Hit(f.start, f.end, f"Personal data: {f.what}")

    def _ibans(self, text: str) -> Iterator[_Found]:
        for m in _IBAN.finditer(text):
            length = IBAN_LENGTHS.get(m.group()[:2])
            if length is None:
                continue
            # Cut the candidate at the country's length; the rest may be other words.
            seen, end = 0, m.start()
            for i in range(m.start(), m.end()):
                if text[i] != " ":
                    seen += 1
                    if seen == length:
                        end = i + 1
                        break
            if seen != length or (end < len(text) and text[end].isalnum()):
                continue
            if iban_valid(text[m.start() : end].replace(" ", "")):
                yield _Found(m.start(), end, "a bank account number (IBAN)")

    def _cards(self, text: str) -> Iterator[_Found]:
        for m in _CARD.finditer(text):
            digits = m.group().replace(" ", "").replace("-", "")
            if card_brand_plausible(digits) and luhn_valid(digits):
                yield _Found(m.start(), m.end(), "a payment card number")

    def _emails(self, text: str) -> Iterator[_Found]:
        for m in _EMAIL.finditer(text):
            address = m.group().lower()
            domain = address.rpartition("@")[2]
            if address in self._allowed_emails or any(
                domain == d or domain.endswith("." + d) for d in self._allowed_domains
            ):
                continue
            yield _Found(m.start(), m.end(), "an email address")

    def _phones(self, text: str) -> Iterator[_Found]:
        hints = [m for m in _PHONE_HINT.finditer(text) if not _DATE.fullmatch(m.group())]
        if not hints:
            return
        import phonenumbers

        spans: set[tuple[int, int]] = set()
        for hint in hints:
            # The matcher's cost grows with its input: give it the digits and a little context.
            offset = max(hint.start() - _CONTEXT, 0)
            window = text[offset : hint.end() + _CONTEXT]
            for region in self._regions:
                for match in phonenumbers.PhoneNumberMatcher(
                    window, region, leniency=phonenumbers.Leniency.POSSIBLE
                ):
                    span = (offset + match.start, offset + match.end)
                    if span in spans:
                        continue
                    spans.add(span)
                    if not _reads_as_phone(match, text, span[0]):
                        continue
                    if not self._allowed_phone(match):
                        yield _Found(*span, "a phone number")

    def _allowed_phone(self, match: phonenumbers.PhoneNumberMatch) -> bool:
        if not self._allowed_phones:
            return False
        import phonenumbers

        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        return e164 in self._allowed_phones or _digits(match.raw_string) in self._allowed_phones


def _reads_as_phone(match: phonenumbers.PhoneNumberMatch, text: str, start: int) -> bool:
    """Whether a person reads ``match`` as a phone number, valid or not.

    People write a phone number with ``+country`` (or ``00``), or in national
    form with the trunk prefix where the country has ``0`` as one (``020 …``,
    ``07700 …``); a word such as "call" or "tel" just before makes any
    possible number one. Numbers in ranges phonenumbers calls unallocated (the
    drama range 07700 900xxx) count: a reader cannot tell. Plain digit runs
    (ids, counts, prices, build numbers, timestamps) and times stay quiet.
    """
    import phonenumbers

    raw = match.raw_string
    if _GLUED.search(text[max(start - 2, 0) : start]):
        return False  # a piece of a longer digit run (an IBAN, an id), not a number of its own
    digits = _digits(raw)
    valid = phonenumbers.is_valid_number(match.number)
    if not valid and len(digits) < _MIN_PHONE_DIGITS:
        return False
    if _CUE.search(text[max(start - _CUE_WINDOW, 0) : start]):
        return True
    if _TIME_SHAPED.search(raw):
        return False
    written = raw.lstrip("(")
    if written.startswith(("+", "00")):
        return True
    region = phonenumbers.region_code_for_country_code(match.number.country_code or 0)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "", None)
    trunk = metadata.national_prefix if metadata is not None else None
    if trunk == "0":
        return written.startswith("0")
    return valid


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
