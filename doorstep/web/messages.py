"""The pages' words in each language, and which language a request gets.

One small catalogue: the templates read it through ``t(key, **values)`` and the page's
script gets the same messages in its configuration, so the server and the browser say
the same thing. ``{name}`` marks a value. Status and timeline labels come from the
tracking view in English (``domain.tracking_rules``); ``label()`` translates them, and
a test checks that every label the view can send has a translation.
"""

from __future__ import annotations

import re

from doorstep.domain.order_status import OrderStatus
from doorstep.domain.tracking_rules import STATUS_LABELS, TIMELINE_LABELS

DEFAULT = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "lang_name": "English",
        "language": "Language",
        "skip": "Skip to content",
        "title_track": "Track your delivery",
        "tracking_number": "Tracking number",
        "tracking_number_hint": "You will find it in the text message or email about your "
        "delivery.",
        "check_label": "Postcode, or the last 4 digits of your phone number",
        "check_hint": "Only needed when the sender asks for it.",
        "check_postcode": "To see this delivery, enter the postcode of the delivery address.",
        "check_phone_last4": "To see this delivery, enter the last 4 digits of your phone number.",
        "check_generic": "To see this delivery, enter the postcode or the last 4 digits of "
        "your phone number.",
        "check_wrong": "That did not match.",
        "track_button": "Track",
        "not_found": "We could not find a delivery with that tracking number. Check the "
        "number and try again.",
        "too_many": "Too many attempts. Please wait a moment and try again.",
        "greeting": "Hi {name},",
        "from_org": "your delivery from {org}",
        "delivery_from": "Your delivery from {org}",
        "address": "Delivery address",
        "eta_between": "Between {start} and {end}",
        "eta_expected": "Expected at {time}",
        "eta_heading": "Estimated arrival",
        "eta_heading_on": "Estimated arrival {day}",
        "window_promised": "Delivery window: {start}–{end}",
        "delivery_code": "Your delivery code: {code}. Tell it to the driver at the door.",
        "late_notice": "Your delivery is running late. New estimate: between {start} and {end}.",
        "stale": "The driver's location has not updated for a while, so the estimate may "
        "be less accurate.",
        "stops_next": "You are the driver's next stop.",
        "stops_away": "You are stop {n} on the driver's way: {before} before yours.",
        "driver": "Your driver: {name}",
        "driver_photo": "Photo of your driver",
        "vehicle": "Vehicle: {name}",
        "map_label": "Map of your delivery",
        "map_destination": "Delivery address",
        "map_vehicle": "Delivery vehicle",
        "map_delivered": "Where it was delivered",
        "map_noscript": "The live map needs JavaScript. The status and times of your "
        "delivery are shown above.",
        "map_credit": "© OpenStreetMap contributors",
        "timeline": "Delivery progress",
        "timeline_empty": "Nothing has happened yet.",
        "proof_title": "Proof of delivery",
        "proof_at": "Delivered {time}",
        "proof_received_by": "Received by {name}",
        "proof_photo": "Photo of the delivered parcel",
        "instructions_title": "Delivery instructions",
        "instructions_text": "Instructions for the driver",
        "gate_code": "Door or gate code",
        "dog_warning": "There is a dog at the address",
        "safe_place": "Safe place to leave the parcel",
        "save": "Save instructions",
        "instructions_locked": "The driver has arrived, so the instructions can no longer "
        "be changed.",
        "instructions_none": "No instructions.",
        "done_instructions": "Saved. The driver sees your instructions at once.",
        "reschedule_title": "Change the delivery",
        "reschedule_pick": "Choose a new time",
        "reschedule_none": "No other times are available right now.",
        "reschedule_button": "Move my delivery",
        "neighbour_legend": "Or leave it with a neighbour",
        "neighbour_label": "Neighbour's name and flat",
        "neighbour_button": "Leave it with this neighbour",
        "done_rescheduled": "Your delivery has been moved.",
        "done_neighbour": "The driver will leave it with your neighbour.",
        "rating_title": "How did we do?",
        "rating_stars": "Your rating",
        "star_n": "{n} out of 5",
        "rating_comment": "Comment (optional)",
        "q_on_time": "Did it arrive on time?",
        "q_courteous": "Was the driver courteous?",
        "q_package_ok": "Was the package in good condition?",
        "yes": "Yes",
        "no": "No",
        "send_rating": "Send rating",
        "done_rated": "Thank you for your feedback!",
        "your_rating": "You rated this delivery {n} out of 5.",
        "chat": "Chat with the driver",
        "chat_intro": "Write to your driver about the gate code, the dog or where to leave it. "
        "Your phone number stays private.",
        "chat_empty": "No messages yet.",
        "chat_write": "Your message",
        "chat_send": "Send",
        "chat_quick": "Quick replies",
        "chat_closed": "This chat has closed.",
        "chat_you": "You",
        "back": "Back to your delivery",
        "expired": "This tracking link has expired.",
        "error_conflict": "This can no longer be changed.",
        "error_invalid": "Please check what you entered.",
        "error_limited": "Too many attempts. Please wait a moment and try again.",
        "error_generic": "Something went wrong. Please try again.",
        "today": "today",
        "tomorrow": "tomorrow",
        "date": "{weekday} {day} {month}",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "powered": "Tracking by Doorstep",
    },
    "fi": {
        "lang_name": "Suomi",
        "language": "Kieli",
        "skip": "Siirry sisältöön",
        "title_track": "Seuraa toimitustasi",
        "tracking_number": "Seurantanumero",
        "tracking_number_hint": "Löydät sen toimitusta koskevasta tekstiviestistä tai "
        "sähköpostista.",
        "check_label": "Postinumero tai puhelinnumerosi 4 viimeistä numeroa",
        "check_hint": "Tarvitaan vain, jos lähettäjä pyytää sitä.",
        "check_postcode": "Nähdäksesi toimituksen anna toimitusosoitteen postinumero.",
        "check_phone_last4": "Nähdäksesi toimituksen anna puhelinnumerosi 4 viimeistä numeroa.",
        "check_generic": "Nähdäksesi toimituksen anna postinumero tai puhelinnumerosi 4 "
        "viimeistä numeroa.",
        "check_wrong": "Tieto ei täsmännyt.",
        "track_button": "Seuraa",
        "not_found": "Emme löytäneet toimitusta tällä seurantanumerolla. Tarkista numero ja "
        "yritä uudelleen.",
        "too_many": "Liian monta yritystä. Odota hetki ja yritä uudelleen.",
        "greeting": "Hei {name},",
        "from_org": "toimituksesi lähettäjältä {org}",
        "delivery_from": "Toimituksesi lähettäjältä {org}",
        "address": "Toimitusosoite",
        "eta_between": "Klo {start}–{end} välillä",
        "eta_expected": "Arvioitu aika klo {time}",
        "eta_heading": "Arvioitu saapuminen",
        "eta_heading_on": "Arvioitu saapuminen {day}",
        "window_promised": "Toimitusikkuna: {start}–{end}",
        "delivery_code": "Toimituskoodisi: {code}. Kerro se kuljettajalle ovella.",
        "late_notice": "Toimituksesi on myöhässä. Uusi arvio: klo {start}–{end} välillä.",
        "stale": "Kuljettajan sijainti ei ole päivittynyt hetkeen, joten arvio voi olla "
        "epätarkempi.",
        "stops_next": "Olet kuljettajan seuraava pysähdys.",
        "stops_away": "Olet kuljettajan reitillä pysähdys {n}: ennen sinua {before}.",
        "driver": "Kuljettajasi: {name}",
        "driver_photo": "Kuljettajasi kuva",
        "vehicle": "Ajoneuvo: {name}",
        "map_label": "Toimituksesi kartta",
        "map_destination": "Toimitusosoite",
        "map_vehicle": "Jakeluauto",
        "map_delivered": "Toimituspaikka",
        "map_noscript": "Kartta tarvitsee JavaScriptin. Toimituksesi tila ja ajat näkyvät yllä.",
        "map_credit": "© OpenStreetMapin tekijät",
        "timeline": "Toimituksen vaiheet",
        "timeline_empty": "Mitään ei ole vielä tapahtunut.",
        "proof_title": "Toimitustodistus",
        "proof_at": "Toimitettu {time}",
        "proof_received_by": "Vastaanottaja: {name}",
        "proof_photo": "Kuva toimitetusta paketista",
        "instructions_title": "Toimitusohjeet",
        "instructions_text": "Ohjeet kuljettajalle",
        "gate_code": "Oven tai portin koodi",
        "dog_warning": "Osoitteessa on koira",
        "safe_place": "Turvallinen paikka paketille",
        "save": "Tallenna ohjeet",
        "instructions_locked": "Kuljettaja on jo perillä, joten ohjeita ei voi enää muuttaa.",
        "instructions_none": "Ei ohjeita.",
        "done_instructions": "Tallennettu. Kuljettaja näkee ohjeesi heti.",
        "reschedule_title": "Muuta toimitusta",
        "reschedule_pick": "Valitse uusi aika",
        "reschedule_none": "Muita aikoja ei ole juuri nyt tarjolla.",
        "reschedule_button": "Siirrä toimitus",
        "neighbour_legend": "Tai jätä naapurille",
        "neighbour_label": "Naapurin nimi ja asunto",
        "neighbour_button": "Jätä tälle naapurille",
        "done_rescheduled": "Toimituksesi on siirretty.",
        "done_neighbour": "Kuljettaja jättää paketin naapurillesi.",
        "rating_title": "Miten onnistuimme?",
        "rating_stars": "Arviosi",
        "star_n": "{n}/5",
        "rating_comment": "Kommentti (vapaaehtoinen)",
        "q_on_time": "Saapuiko toimitus ajallaan?",
        "q_courteous": "Oliko kuljettaja kohtelias?",
        "q_package_ok": "Oliko paketti hyvässä kunnossa?",
        "yes": "Kyllä",
        "no": "Ei",
        "send_rating": "Lähetä arvio",
        "done_rated": "Kiitos palautteestasi!",
        "your_rating": "Annoit toimitukselle arvion {n}/5.",
        "chat": "Keskustele kuljettajan kanssa",
        "chat_intro": "Kirjoita kuljettajalle portin koodista, koirasta tai siitä, minne "
        "paketin voi jättää. Puhelinnumerosi ei näy kuljettajalle.",
        "chat_empty": "Ei vielä viestejä.",
        "chat_write": "Viestisi",
        "chat_send": "Lähetä",
        "chat_quick": "Pikavastaukset",
        "chat_closed": "Tämä keskustelu on suljettu.",
        "chat_you": "Sinä",
        "back": "Takaisin toimitukseesi",
        "expired": "Tämä seurantalinkki on vanhentunut.",
        "error_conflict": "Tätä ei voi enää muuttaa.",
        "error_invalid": "Tarkista antamasi tiedot.",
        "error_limited": "Liian monta yritystä. Odota hetki ja yritä uudelleen.",
        "error_generic": "Jokin meni vikaan. Yritä uudelleen.",
        "today": "tänään",
        "tomorrow": "huomenna",
        "date": "{weekday} {day}.{month}.",
        "weekdays": "ma ti ke to pe la su",
        "months": "1 2 3 4 5 6 7 8 9 10 11 12",
        "powered": "Seurannan toteuttaa Doorstep",
    },
}
LANGUAGES = tuple(MESSAGES)

S = OrderStatus
# The view's English labels (domain.tracking_rules) in the other languages.
_STATUS_FI: dict[OrderStatus, str] = {
    S.CREATED: "Tilaus vastaanotettu",
    S.SCHEDULED: "Toimitus aikataulutettu",
    S.OUT_FOR_DELIVERY: "Kuljetuksessa",
    S.ARRIVING: "Kuljettaja on ovellasi",
    S.DELIVERED: "Toimitettu",
    S.FAILED: "Toimitusyritys epäonnistui",
    S.RESCHEDULED: "Siirretty uuteen aikaan",
    S.RETURNED: "Palautettu lähettäjälle",
    S.CANCELLED: "Peruttu",
}
_TIMELINE_FI: dict[str, str] = {
    "created": "Tilaus vastaanotettu",
    "status:created": "Odottaa suunnittelua",
    "rescheduled": "Siirretty uuteen aikaan",
    "instructions_changed": "Toimitusohjeita päivitetty",
    "neighbour_requested": "Pyydetty jättämään naapurille",
}
LABELS: dict[str, dict[str, str]] = {
    "fi": {
        **{STATUS_LABELS[s]: text for s, text in _STATUS_FI.items()},
        **{TIMELINE_LABELS[k]: text for k, text in _TIMELINE_FI.items()},
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (English when missing) with ``{name}`` filled in."""
    text = MESSAGES.get(lang, {}).get(key) or MESSAGES[DEFAULT][key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def label(lang: str, english: str) -> str:
    """A status or timeline label of the view in ``lang`` (as sent when unknown)."""
    return LABELS.get(lang, {}).get(english, english)


_ACCEPT = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def choose(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` when it names a language we have, else the best of the browser's
    ``Accept-Language`` that we have, else English."""
    if query and query.lower() in MESSAGES:
        return query.lower()
    best, best_q = DEFAULT, -1.0
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        match = _ACCEPT.match(part)
        if match is None:
            continue
        lang = match.group(1).lower()
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        # Equal weights keep the browser's order.
        score = q - position * 1e-6
        if lang in MESSAGES and q > 0 and score > best_q:
            best, best_q = lang, score
    return best
