from doorstep.domain.errors import SHOWN_ID_CHARS, NotFound


def test_an_unknown_id_is_named_in_full_when_short() -> None:
    assert str(NotFound("device", "359881234567891")) == "no device with id 359881234567891"


def test_an_unknown_id_as_long_as_a_sender_likes_is_cut_short() -> None:
    message = str(NotFound("device", "p" * 3000))
    assert message == "no device with id " + "p" * (SHOWN_ID_CHARS - 1) + "…"
