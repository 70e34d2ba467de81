"""Personal data fires on real numbers and addresses, never on dates, ids or versions."""

from __future__ import annotations

import pytest

from publisher.guidelines import Severity
from publisher.guidelines.rules.personal_data import card_brand_plausible, iban_valid, luhn_valid
from tests.unit.guidelines.conftest import only

PACK = """
[[rule]]
id = "pd"
kind = "personal_data"
"""

PHONES = [
    ("GB", "020 7946 0958"),
    ("GB", "+44 20 7946 0958"),
    ("GB", "07911 123456"),
    ("GB", "+44 7911 123456"),
    ("US", "(202) 555-0143"),
    ("US", "+1 202-555-0143"),
    ("US", "212-555-0199"),
    ("DE", "030 12345678"),
    ("DE", "+49 30 12345678"),
    ("DE", "0151 23456789"),
    ("SI", "01 234 56 78"),
    ("SI", "+386 1 234 56 78"),
    ("SI", "031 234 567"),
    ("FR", "01 23 45 67 89"),
    ("FR", "+33 6 12 34 56 78"),
    ("NL", "020 123 4567"),
    ("NL", "+31 20 123 4567"),
    ("NL", "06 12345678"),
]

EMAILS = [
    "jo.bloggs@example.com",
    "first.last+alerts@sub.example.co.uk",
    "Jo@Example.ORG",
]

CARDS = [
    "4111 1111 1111 1111",  # Visa
    "4242-4242-4242-4242",  # Visa, dashes
    "5555 5555 5555 4444",  # Mastercard
    "2223003122003222",  # Mastercard 2-series
    "3782 822463 10005",  # Amex, 4-6-5
    "3714-496353-98431",  # Amex, dashes
]

IBANS = [
    "GB82 WEST 1234 5698 7654 32",
    "DE89 3704 0044 0532 0130 00",
    "SI56 2633 0001 2039 086",
    "NL91ABNA0417164300",
    "FR14 2004 1010 0505 0001 3M02 606",
]

LOOK_ALIKES = [
    "Patch before 2026-11-25.",
    "The office reopens on 25.11.2026 at 09:30.",
    "Ticket TT-1234 is closed.",
    "See INC0012345 for the outage.",
    "Upgrade to 1.2.3 or v10.4.2 today.",
    "Doors open 09:30-17:00.",
    "Reference 4111 1111 1111 1112 is not a card.",  # fails Luhn
    "Order 1234567890123456 shipped.",
    "IBAN-shaped: GB82 WEST 1234 5698 7654 33",  # fails mod 97
    "Also DE89 3704 0044 0532 0130 01 fails.",
    "CVE-2024-12345 is being exploited.",
    "Patch CVE-2024-12345 (INC0012345, v10.4.2) by 25.11.2026 09:30.",
    "Mention @someone@mastodon.social here.",
]


@pytest.mark.parametrize(("region", "number"), PHONES)
def test_phone_numbers_in_national_and_international_formats_are_personal_data(
    region: str, number: str
) -> None:
    text = f"Questions? Call {number} today."
    findings = only(PACK, region=region).check(text)
    assert [(f.rule, text[f.start : f.end]) for f in findings] == [("pd", number)]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].message == "Personal data: a phone number"


def test_national_numbers_of_an_extra_region_are_found_when_the_rule_names_it() -> None:
    pack = PACK + 'regions = ["DE"]\n'
    assert only(pack, region="GB").check("Ruf an: 0151 23456789")
    assert not only(PACK, region="GB").check("Ruf an: 0151 23456789")


@pytest.mark.parametrize("address", EMAILS)
def test_email_addresses_are_personal_data(address: str) -> None:
    text = f"Write to {address}."
    findings = only(PACK).check(text)
    assert [text[f.start : f.end] for f in findings] == [address]
    assert findings[0].message == "Personal data: an email address"


@pytest.mark.parametrize("number", CARDS)
def test_payment_card_numbers_with_spaces_or_dashes_are_personal_data(number: str) -> None:
    text = f"Card {number} was leaked"
    findings = only(PACK).check(text)
    assert [(text[f.start : f.end], f.message) for f in findings] == [
        (number, "Personal data: a payment card number")
    ]


@pytest.mark.parametrize("iban", IBANS)
def test_ibans_with_a_valid_checksum_are_personal_data(iban: str) -> None:
    text = f"Pay into {iban} please"
    findings = only(PACK).check(text)
    assert [(text[f.start : f.end], f.message) for f in findings] == [
        (iban, "Personal data: a bank account number (IBAN)")
    ]


@pytest.mark.parametrize("text", LOOK_ALIKES)
@pytest.mark.parametrize("region", ["GB", "US", "DE", "SI", "FR", "NL"])
def test_dates_ids_versions_and_bad_checksums_are_not_personal_data(region: str, text: str) -> None:
    assert only(PACK, region=region).check(text) == []


def test_allowed_public_contacts_do_not_fire() -> None:
    pack = (
        PACK
        + 'allow = ["+44 20 7946 0958", "press@council.gov.uk"]\n'
        + 'allow_email_domains = ["csirt.example"]\n'
    )
    text = "Call 020 7946 0958, mail press@council.gov.uk or report@csirt.example."
    assert only(pack).check(text) == []
    assert len(only(PACK).check(text)) == 3


def test_each_kind_of_personal_data_can_be_switched_off() -> None:
    pack = PACK + "phones = false\nemails = false\ncards = false\nibans = false\n"
    text = "020 7946 0958 jo@example.com 4111 1111 1111 1111 GB82WEST12345698765432"
    assert only(pack).check(text) == []


def test_a_card_number_is_reported_once_not_also_as_a_phone_number() -> None:
    findings = only(PACK, region="US").check("4111 1111 1111 1111")
    assert [f.message for f in findings] == ["Personal data: a payment card number"]


def test_checksum_helpers() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST1234569876543")  # one short
    assert not iban_valid("ZZ82WEST12345698765432")  # no such country
    assert card_brand_plausible("4111111111111111")
    assert not card_brand_plausible("9111111111111111")


@pytest.mark.parametrize(
    "text",
    [
        "Tel:020 7946 0958",
        "On 25.11.2026 call 020 7946 0958.",
        "Patch by 2026-11-25, questions to (020) 7946 0958",
        "CVE-2024-12345: call 020 7946 0958 ext. 12",
    ],
)
def test_phone_numbers_next_to_dates_ids_and_punctuation_are_still_found(text: str) -> None:
    (finding,) = only(PACK).check(text)
    assert "7946 0958" in text[finding.start : finding.end]
    assert finding.message == "Personal data: a phone number"
