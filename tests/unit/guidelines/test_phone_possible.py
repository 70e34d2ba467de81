"""A phone number is what a person reads as one: possible numbers count, digit runs do not.

The clean corpus is the false-positive measure: dates, times, versions, ticket
ids, prices, counts and timestamps, checked in every region the suite covers.
"""

from __future__ import annotations

import pytest

from tests.unit.guidelines.conftest import only

PACK = """
[[rule]]
id = "pd"
kind = "personal_data"
"""

REGIONS = ["GB", "US", "DE", "SI", "FR", "NL"]

#: Numbers phonenumbers calls possible but not valid (unallocated or drama ranges).
POSSIBLE = [
    ("GB", "Call Jane on 07700 900123", "07700 900123"),
    ("GB", "Ring 07700 900 123 after six", "07700 900 123"),
    ("GB", "Questions: 01632 960123.", "01632 960123"),
    ("GB", "Reach us on +44 7700 900123.", "+44 7700 900123"),
    ("US", "Call 555-0100 extension 12 or (202) 555-0100.", "(202) 555-0100"),
]

CLEAN = [
    "Patch before 2026-11-25.",
    "The office reopens on 25.11.2026 at 09:30.",
    "Open 9:00 - 17:30, Monday to Friday.",
    "Meeting 14:00-15:30 on 3/12/2026.",
    "Road closed 07.00-19.00 from 1.12. to 5.12.2026.",
    "Upgrade to 1.2.3 or v10.4.2 today.",
    "Version 2024.11.1 is out.",
    "Build 20261125.3 fixed it.",
    "Release 10.0.19045.3693 patched.",
    "Kernel 6.1.0-13-amd64 is affected.",
    "Ticket TT-1234 is closed.",
    "Ticket #1234567 resolved.",
    "Case 2026-0012345 is open.",
    "See INC0012345 for the outage.",
    "Incident INC-20261125-001.",
    "Order no. 98765432 shipped.",
    "Ref: 12345678.",
    "KB5032190 is required.",
    "CVE-2024-12345 and CVE-2023-4863 fixed.",
    "Price: £1,234,567 for the bridge.",
    "Budget of €12 345 678 approved.",
    "Tickets cost $19.99 or $1,299.00.",
    "Population 1 234 567 (2021 census).",
    "Up 12.5% to 3,456,789 visitors.",
    "At 1234567 steps a day.",
    "Between 2020 and 2026 we planted 1,500,000 trees.",
    "ISBN 978-3-16-148410-0.",
    "Coordinates 46.0569, 14.5058.",
    "Serial SN 20261125 0001.",
    "Timestamp 1732537800 in the log.",
    "Flight 1234 leaves at 07:45.",
    "Also DE89 3704 0044 0532 0130 01 fails.",
]


@pytest.mark.parametrize(("region", "text", "number"), POSSIBLE)
def test_a_possible_number_written_as_a_phone_number_is_personal_data(
    region: str, text: str, number: str
) -> None:
    findings = only(PACK, region=region).check(text)
    assert [text[f.start : f.end] for f in findings] == [number]
    assert findings[0].message == "Personal data: a phone number"


@pytest.mark.parametrize("region", REGIONS)
def test_no_clean_text_is_taken_for_a_phone_number(region: str) -> None:
    checker = only(PACK, region=region)
    flagged = {t: [t[f.start : f.end] for f in checker.check(t)] for t in CLEAN}
    assert {t: hits for t, hits in flagged.items() if hits} == {}  # 0 of 32 texts
