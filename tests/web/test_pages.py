"""The tracking pages as HTML (no browser): what the server renders, the forms that
work without JavaScript, not-found, checks, languages, limits, the road basemap and
the static files."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from doorstep.api.track_limits import TrackGuard
from doorstep.web import assets, render
from tests.conftest import auth
from tests.web.conftest import API, HOMES, deliver, set_eta, start

HELSINKI = ZoneInfo("Europe/Helsinki")
NOT_FOUND = "We could not find a delivery with that tracking number."


class Controls(HTMLParser):
    """Form controls and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))
        if tag in ("input", "textarea", "select") and values.get("type") != "hidden":
            self.controls.append(values)


def unlabelled(html: str) -> list[dict[str, str | None]]:
    parser = Controls()
    parser.feed(html)
    return [c for c in parser.controls if c.get("id") not in parser.labels]


def embedded_view(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="ds-view">(.*?)</script>', html)
    assert match, "the page carries its view"
    return dict(json.loads(match.group(1)))


# -- /track -----------------------------------------------------------------------------


def test_the_entry_form_has_labelled_fields_and_strict_headers(client):
    response = client.get("/track")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<label for="code">Tracking number</label>' in html
    assert 'id="check"' in html and unlabelled(html) == []
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "noindex" in response.headers["x-robots-tag"]


def test_the_bare_address_leads_to_the_entry_form(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/track"
    assert '<label for="code">Tracking number</label>' in client.get("/").text


def test_a_typed_number_redirects_to_its_canonical_page(client, day):
    typed = "-".join(day.code[i : i + 4] for i in range(0, 16, 4)).lower().replace("0", "o")
    response = client.post("/track", data={"code": f"  {typed} "}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/t/{day.code}"
    page = client.get(f"/t/{typed}", follow_redirects=False)
    assert page.status_code == 308 and page.headers["location"] == f"/t/{day.code}"
    kept = client.post("/track", data={"code": day.code, "lang": "fi"}, follow_redirects=False)
    assert kept.headers["location"] == f"/t/{day.code}?lang=fi"


@pytest.mark.parametrize(
    "code", ["0000000000000000", "UUUUUUUUUUUUUUUU", "short", "x" * 500, "<script>1</script>"]
)
def test_unknown_malformed_and_overlong_numbers_get_one_not_found(client, day, code):
    for response in (
        client.post("/track", data={"code": code}),
        client.get(f"/t/{code}"),
    ):
        assert response.status_code == 404, (code, response.text[:200])
        assert NOT_FOUND in response.text
        assert "<script>1" not in response.text
        assert day.code not in response.text and "Acme" not in response.text


def test_a_number_of_another_organisation_looks_the_same_as_none(client, org_a, org_b, day):
    other = client.get(f"/t/{day.code[:-1]}0" if day.code[-1] != "0" else f"/t/{day.code[:-1]}1")
    assert other.status_code == 404 and NOT_FOUND in other.text
    mine = client.get(f"/t/{day.code}")
    assert mine.status_code == 200 and "Brightside" not in mine.text


def test_an_organisations_check_is_asked_for_remembered_and_counted(client, org_a, day):
    client.put(
        f"{API}/organisation/tracking-settings",
        json={"require_check": "postcode"},
        headers=auth(org_a.admin),
    )
    asked = client.get(f"/t/{day.code}")
    assert asked.status_code == 403
    assert "enter the postcode of the delivery address" in asked.text
    assert "Street 2" not in asked.text and "Person2" not in asked.text
    assert f'value="{day.code}"' in asked.text

    wrong = client.post("/track", data={"code": day.code, "check": "99999"})
    assert wrong.status_code == 403 and "That did not match." in wrong.text
    assert "Street 2" not in wrong.text

    entered = client.post(
        "/track", data={"code": day.code, "check": "00102"}, follow_redirects=False
    )
    assert entered.status_code == 303 and "00102" not in entered.headers["location"]
    page = client.get(entered.headers["location"])
    assert page.status_code == 200 and "Street 2, Helsinki" in page.text
    assert embedded_view(page.text)["address"] == "Street 2, Helsinki"
    # The page's script needs the check for the API and the event stream.
    assert '"check":"00102"' in page.text
    assert client.get(f"/t/{day.code}?check=00%20102").status_code == 200


def test_wrong_checks_on_the_pages_run_out_like_the_apis(client, org_a, day):
    client.put(
        f"{API}/organisation/tracking-settings",
        json={"require_check": "phone_last4"},
        headers=auth(org_a.admin),
    )
    for _ in range(10):
        assert client.get(f"/t/{day.code}?check=1111").status_code == 403
    locked = client.get(f"/t/{day.code}?check=0002")
    assert locked.status_code == 429 and "Too many attempts" in locked.text
    assert int(locked.headers["retry-after"]) >= 1


def test_lookups_past_the_burst_get_a_readable_429(client, day):
    client.app.state.track_guard = TrackGuard(burst=3, per_minute=1)
    for _ in range(3):
        assert client.get(f"/t/{day.code}").status_code == 200
    refused = client.get(f"/t/{day.code}")
    assert refused.status_code == 429 and refused.headers["content-type"].startswith("text/html")
    assert "Too many attempts" in refused.text and int(refused.headers["retry-after"]) >= 1
    assert client.post("/track", data={"code": "nope"}).status_code == 429
    assert client.get(f"{API}/track/{day.code}").status_code == 429  # one bucket


# -- /t/{code} ----------------------------------------------------------------------------


def test_the_page_holds_status_eta_window_stops_away_and_timeline_in_local_time(client, db, day):
    start(client, day)
    today = datetime.now(HELSINKI).date()
    eta = datetime(today.year, today.month, today.day, 14, 20, tzinfo=HELSINKI)
    set_eta(db, day, away=3, eta=eta)
    response = client.get(f"/t/{day.code}")
    html = response.text
    assert response.status_code == 200
    assert re.search(r'<h1 id="status-label"[^>]*>Out for delivery</h1>', html)
    assert "Between 14:10 and 14:35" in html and "Expected at 14:20" in html
    assert "You are stop 3 on the driver&#39;s way: 2 before yours." in html
    opens, closes = (datetime.combine(today, time(h), HELSINKI).isoformat() for h in (10, 15))
    window = render.span(opens, closes, today, "en")
    assert f"Delivery window: {window[0]}–{window[1]}" in html
    assert "Your driver: Dana" in html and "Vehicle: Van 7" in html
    view = embedded_view(html)
    for event in view["timeline"]:
        local = datetime.fromisoformat(event["at"])
        assert local.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
        assert f'<time datetime="{event["at"]}">' in html
        assert local.strftime("%H:%M") in html
    assert unlabelled(html) == []
    assert '<p id="late" class="notice warn" hidden></p>' in html


def test_the_late_notice_names_the_new_window(client, db, day):
    start(client, day)
    late = datetime.combine(datetime.now(HELSINKI).date(), time(15, 40), tzinfo=HELSINKI)
    set_eta(db, day, away=2, eta=late)
    html = client.get(f"/t/{day.code}").text
    assert "Your delivery is running late. New estimate: between 15:30 and 15:55." in html
    assert "Between 15:30 and 15:55" in html and "Expected at 15:40" in html
    today = datetime.now(HELSINKI).date()
    on = render.other_day(late.isoformat(), today, "en")
    heading = f"Estimated arrival {on}" if on else "Estimated arrival"
    assert f'<p class="eta-heading" id="eta-heading">{heading}</p>' in html


def test_the_page_uses_the_organisations_brand_with_readable_text(client, org_a, day):
    client.put(
        f"{API}/organisation/tracking-settings",
        json={"brand_colour": "#FFDD00", "logo_url": "https://acme.test/logo.png"},
        headers=auth(org_a.admin),
    )
    html = client.get(f"/t/{day.code}").text
    assert "--brand:#ffdd00;--on-brand:#000000" in html
    assert '<img class="logo" src="https://acme.test/logo.png"' in html
    assert '<span class="org-name">Acme</span>' in html


def test_recipient_text_is_escaped_in_the_html_and_in_the_embedded_json(client, day):
    attack = '</textarea><script>alert("x")</script><img src=x onerror=alert(1)>'
    body = {"text": attack, "gate_code": "<b>1</b>", "safe_place": "</script>"}
    assert client.put(f"{API}/track/{day.code}/instructions", json=body).status_code == 200
    html = client.get(f"/t/{day.code}").text
    assert attack not in html and "<script>alert" not in html and "<b>1</b>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    script = html[html.index('id="ds-view">') :]
    script = script[: script.index("</script>")]
    assert "</" not in script and "<" not in script
    assert embedded_view(html)["instructions"]["text"] == attack
    assert html.count("<script") == 4  # config, view, Leaflet, the page's module


def test_finnish_by_query_or_browser_and_english_otherwise(client, day):
    fi = client.get(f"/t/{day.code}?lang=fi").text
    assert '<html lang="fi">' in fi and "Toimitus aikataulutettu" in fi
    assert "Toimitusohjeet" in fi and '"lang":"fi"' in fi
    browser = client.get(f"/t/{day.code}", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.8"})
    assert '<html lang="fi">' in browser.text
    other = client.get(f"/t/{day.code}", headers={"Accept-Language": "sv-SE, de;q=0.5"})
    assert '<html lang="en">' in other.text and "Scheduled for delivery" in other.text
    assert '<html lang="en">' in client.get("/track?lang=xx").text


def test_after_delivery_the_page_has_proof_and_rating_but_no_van(client, db, day):
    start(client, day)
    set_eta(db, day, away=1, eta=datetime.now(UTC))
    deliver(client, day, location={"lat": HOMES[2][0], "lon": HOMES[2][1]})
    html = client.get(f"/t/{day.code}").text
    view = embedded_view(html)
    assert view["status"] == "delivered" and view["vehicle_position"] is None
    assert re.search(r'<section class="card" id="proof" aria-labelledby="proof-title">', html)
    assert re.search(r'<form id="rating-form"[^>]*action="/t/\w+/rating">', html)
    assert re.search(r'<form id="instructions-form"[^>]* hidden>', html)
    assert re.search(r'<section class="card" id="reschedule"[^>]* hidden>', html)
    assert '<p id="window" hidden></p>' in html  # the promised window is history now


def test_an_expired_page_shows_only_the_status(client, day):
    start(client, day)
    deliver(client, day, at=(datetime.now(UTC) - timedelta(days=15)).isoformat())
    html = client.get(f"/t/{day.code}").text
    assert "This tracking link has expired." in html and "Delivered" in html
    for gone in ("Street 2", "Person2", "<form", 'id="map"', "ds-view", "Dana"):
        assert gone not in html


def test_the_chat_works_without_javascript(client, day, org_a):
    html = client.get(f"/t/{day.code}").text
    assert f'href="/t/{day.code}/chat"' in html
    chat = client.get(f"/t/{day.code}/chat?lang=fi")
    assert chat.status_code == 200 and "Ei vielä viestejä" in chat.text
    assert f'href="/t/{day.code}?lang=fi"' in chat.text
    sent = client.post(
        f"/t/{day.code}/chat", data={"body": "Gate <b>4321</b>"}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/t/{day.code}/chat#write"
    # A quick reply to finish comes back into the box; a whole one is sent.
    draft = client.post(
        f"/t/{day.code}/chat", data={"quick": "The gate code is "}, follow_redirects=False
    )
    assert "draft=The+gate+code+is+" in draft.headers["location"]
    assert ">The gate code is </textarea>" in client.get(draft.headers["location"]).text
    client.post(f"/t/{day.code}/chat", data={"quick": "Beware of the dog"})
    staff = client.get(f"{API}/orders/{day.order_id}/chat", headers=auth(org_a.driver)).json()
    assert [m["body"] for m in staff["messages"]] == ["Gate <b>4321</b>", "Beware of the dog"]
    page = client.get(f"/t/{day.code}/chat").text
    assert "Gate &lt;b&gt;4321&lt;/b&gt;" in page and "<b>4321</b>" not in page
    empty = client.post(f"/t/{day.code}/chat", data={"body": ""}, follow_redirects=False)
    assert "error=invalid" in empty.headers["location"]


# -- the forms without JavaScript -------------------------------------------------------


def test_instructions_posted_without_javascript_are_stored(client, day):
    form = {"text": "Ring <twice>", "gate_code": "1234", "dog_warning": "1", "safe_place": ""}
    response = client.post(f"/t/{day.code}/instructions", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/t/{day.code}?done=instructions"
    stored = client.get(f"{API}/track/{day.code}").json()["instructions"]
    assert stored == {
        "text": "Ring <twice>",
        "gate_code": "1234",
        "dog_warning": True,
        "safe_place": None,
        "editable": True,
    }
    page = client.get(response.headers["location"])
    assert "Saved. The driver sees your instructions at once." in page.text
    assert "Ring &lt;twice&gt;" in page.text


def test_a_rating_posted_without_javascript_is_stored_once(client, org_a, day):
    form = {"stars": "5", "comment": "<i>great</i>", "on_time": "yes", "courteous": "no"}
    early = client.post(f"/t/{day.code}/rating", data=form, follow_redirects=False)
    assert early.headers["location"] == f"/t/{day.code}?error=conflict"
    start(client, day)
    deliver(client, day)
    done = client.post(f"/t/{day.code}/rating", data={**form, "lang": "fi"}, follow_redirects=False)
    assert done.headers["location"] == f"/t/{day.code}?lang=fi&done=rated"
    stored = client.get(f"{API}/orders/{day.order_id}/rating", headers=auth(org_a.viewer)).json()
    assert (stored["stars"], stored["comment"], stored["on_time"], stored["courteous"]) == (
        5,
        "<i>great</i>",
        True,
        False,
    )
    assert stored["package_ok"] is None
    again = client.post(f"/t/{day.code}/rating", data=form, follow_redirects=False)
    assert again.headers["location"] == f"/t/{day.code}?error=conflict"
    assert "This can no longer be changed." in client.get(again.headers["location"]).text
    bad = client.post(f"/t/{day.code}/rating", data={"stars": "9"}, follow_redirects=False)
    assert bad.headers["location"] == f"/t/{day.code}?error=invalid"
    page = client.get(f"/t/{day.code}").text
    assert "You rated this delivery 5 out of 5." in page and "&lt;i&gt;great&lt;/i&gt;" in page


def test_reschedule_without_javascript_offers_slots_and_takes_one_or_a_neighbour(client, day):
    html = client.get(f"/t/{day.code}").text
    slots = re.findall(r'name="slot" value="([^"]+)"', html)
    assert slots, "the page lists the organisation's open slots"
    neighbour = client.post(
        f"/t/{day.code}/reschedule", data={"neighbour": "Virtanen, flat 12"}, follow_redirects=False
    )
    assert neighbour.headers["location"] == f"/t/{day.code}?done=neighbour"
    text = client.get(f"{API}/track/{day.code}").json()["instructions"]["text"]
    assert text.startswith("Leave with neighbour: Virtanen, flat 12")

    odd = client.post(
        f"/t/{day.code}/reschedule",
        data={"slot": "2020-01-01T09:00:00+02:00|2020-01-01T12:00:00+02:00"},
        follow_redirects=False,
    )
    assert odd.headers["location"] == f"/t/{day.code}?error=invalid"
    junk = client.post(f"/t/{day.code}/reschedule", data={"slot": "x"}, follow_redirects=False)
    assert junk.headers["location"] == f"/t/{day.code}?error=invalid"

    moved = client.post(
        f"/t/{day.code}/reschedule", data={"slot": slots[-1]}, follow_redirects=False
    )
    assert moved.headers["location"] == f"/t/{day.code}?done=rescheduled"
    view = client.get(f"{API}/track/{day.code}").json()
    assert view["status"] == "rescheduled"
    assert view["window"]["start"] == slots[-1].split("|")[0]


def test_the_pages_forms_refuse_unknown_numbers(client):
    response = client.post("/t/0000000000000000/instructions", data={"text": "x"})
    assert response.status_code == 404 and NOT_FOUND in response.text


# -- the basemap and static files -------------------------------------------------------


def test_roads_come_as_geojson_lines_for_the_box_fewer_at_low_zoom(client):
    box = "24.930,60.160,24.960,60.180"
    near = client.get(f"/map/roads.geojson?bbox={box}&zoom=16")
    assert near.status_code == 200
    assert near.headers["content-type"] == "application/geo+json"
    assert near.headers["content-encoding"] == "gzip"
    assert "max-age" in near.headers["cache-control"]
    data = near.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) > 100
    classes = {f["properties"]["class"] for f in data["features"]}
    assert {"residential", "primary"} <= classes
    for feature in data["features"]:
        assert feature["geometry"]["type"] == "LineString"
        for lon, lat in feature["geometry"]["coordinates"]:
            assert 24.8 < lon < 25.1 and 60.1 < lat < 60.3
    far = client.get(f"/map/roads.geojson?bbox={box}&zoom=12").json()
    assert 0 < len(far["features"]) < len(data["features"])
    assert "residential" not in {f["properties"]["class"] for f in far["features"]}
    elsewhere = client.get("/map/roads.geojson?bbox=-0.2,51.4,-0.1,51.5&zoom=16").json()
    assert elsewhere == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3&zoom=10",
        "bbox=3,2,1,4&zoom=10",
        "bbox=a,b,c,d&zoom=10",
        "bbox=0,0,1,1&zoom=40",
        "bbox=0,0,1,nan&zoom=5",
        "zoom=5",
    ],
)
def test_bad_basemap_queries_are_422(client, query):
    response = client.get(f"/map/roads.geojson?{query}")
    assert response.status_code == 422, response.text


def test_static_files_are_gzipped_versioned_and_kept(client):
    url = assets.url("leaflet/leaflet.js")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert b"Leaflet 1.9" in response.content[:400]
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == response.content
    assert len(gzip.compress(raw.content)) < 60_000
    cached = client.get(url, headers={"If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304
    stale = client.get(url.replace(assets.version(), "000000000000"))
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    for missing in ("js/nope.js", "../pages.py", "leaflet/leaflet-src.js", "%2e%2e/x"):
        assert client.get(f"/static/{assets.version()}/{missing}").status_code == 404
    css = client.get(assets.url("css/track.css"))
    assert css.headers["content-type"].startswith("text/css")
    assert client.get(assets.url("js/map.js")).headers["content-type"].startswith("text/javascript")


def test_every_page_names_the_same_static_version(client, day):
    html = client.get(f"/t/{day.code}").text
    versions = set(re.findall(r"/static/([0-9a-f]{12})/", html))
    assert versions == {assets.version()}


def test_odd_query_values_and_overlong_fields_are_pages_not_json_errors(client, day):
    page = client.get(f"/t/{day.code}?lang={'x' * 500}&done=<b>&error={'y' * 99}")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "<b>" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    long = client.post(
        f"/t/{day.code}/instructions", data={"text": "x" * 5000}, follow_redirects=False
    )
    assert long.headers["location"] == f"/t/{day.code}?error=invalid"
    assert client.get(f"{API}/track/{day.code}").json()["instructions"]["text"] is None
    entry = client.post(
        "/track", data={"code": day.code, "check": "9" * 500}, follow_redirects=False
    )
    assert entry.status_code == 303


def test_the_delivery_code_shows_while_the_delivery_is_to_come(client, day):
    client.put(
        f"{API}/organisation/proof-settings",
        json={"require_pin": True},
        headers=auth(day.org.admin),
    )
    view = client.get(f"{API}/track/{day.code}").json()
    page = client.get(f"/t/{day.code}").text
    assert f"Your delivery code: {view['delivery_code']}." in page
