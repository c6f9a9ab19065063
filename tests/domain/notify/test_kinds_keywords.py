import pytest

from doorstep.domain.notify.keywords import Keyword, keyword
from doorstep.domain.notify.kinds import DELIVERY_DAY_RULES, Rule


def test_delivery_day_rules():
    assert Rule.scheduled not in DELIVERY_DAY_RULES
    assert Rule.rating_request not in DELIVERY_DAY_RULES
    assert Rule.chat in DELIVERY_DAY_RULES
    assert Rule("out_for_delivery") is Rule.out_for_delivery


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", Keyword.STOP),
        ("stop", Keyword.STOP),
        ("  Stop. ", Keyword.STOP),
        ("STOP ALL", Keyword.STOP),
        ("stopall", Keyword.STOP),
        ("Unsubscribe!", Keyword.STOP),
        ("cancel", Keyword.STOP),
        ("end", Keyword.STOP),
        ("quit", Keyword.STOP),
        ("opt-out", Keyword.STOP),
        ("Lopeta", Keyword.STOP),
        ("START", Keyword.START),
        ("yes", Keyword.START),
        ("unstop", Keyword.START),
        ("aloita", Keyword.START),
        ("help", Keyword.HELP),
        ("Info?", Keyword.HELP),
        ("stop the van please", None),
        ("please stop", None),
        ("yes, leave it by the door", None),
        ("", None),
        ("!!!", None),
        ("stopp", None),
    ],
)
def test_keyword(text, expected):
    assert keyword(text) == expected
