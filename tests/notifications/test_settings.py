"""Notification settings: templates refused when saved, previews with SMS length, the
provider's token never shown back."""

from __future__ import annotations

from tests.conftest import auth, create_order
from tests.notifications.conftest import use_twilio

URL = "/api/v1/organisation/notification-settings"


def test_a_template_with_an_unknown_field_is_refused_when_saved(client, org_a):
    bad = {"templates": [{"rule": "arriving", "channel": "sms", "body": "Hi {{ frist_name }}"}]}
    response = client.put(URL, json=bad, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert "frist_name" in response.text
    syntax = {"templates": [{"rule": "arriving", "channel": "sms", "body": "Hi {{ first_name"}]}
    response = client.put(URL, json=syntax, headers=auth(org_a.admin))
    assert response.status_code == 422 and "line 1" in response.text
    assert client.get(URL, headers=auth(org_a.admin)).json()["templates"] == []


def test_a_saved_template_is_used_and_previewed(client, org_a):
    body = "{{ first_name }}, {{ driver_first_name }} is {{ minutes }} min away: {{ tracking_url }}"
    saved = client.put(
        URL,
        json={"templates": [{"rule": "arriving", "channel": "sms", "body": body}]},
        headers=auth(org_a.admin),
    )
    assert saved.status_code == 200, saved.text
    order = create_order(client, org_a.admin)
    preview = client.post(
        "/api/v1/notification-templates/preview",
        json={"rule": "arriving", "channel": "sms", "order_id": order["id"]},
        headers=auth(org_a.viewer),
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["body"].startswith("Ann, ") and f"/t/{order['tracking_code']}" in shown["body"]
    assert shown["sms"]["segments"] == 1 and shown["sms"]["encoding"] == "GSM-7"
    assert "tracking_url" in shown["fields"]
    long = client.post(
        "/api/v1/notification-templates/preview",
        json={"rule": "arriving", "channel": "sms", "body": "Käy 😀 " * 20},
        headers=auth(org_a.viewer),
    ).json()
    assert long["sms"]["encoding"] == "UCS-2" and long["sms"]["segments"] > 1


def test_the_twilio_token_is_masked_and_kept_when_sent_back(client, org_a, twilio):
    shown = use_twilio(client, org_a, twilio)
    assert shown["sms"]["auth_token"] != twilio.auth_token
    assert shown["sms"]["auth_token"].startswith("****")
    again = client.put(
        URL, json={k: v for k, v in shown.items() if k != "org_id"}, headers=auth(org_a.admin)
    )
    assert again.status_code == 200, again.text
    from doorstep.services.notifications import organisation_settings
    from doorstep.storage.tables import Organisation

    with client.app.state.runtime.sessions() as session:
        stored = organisation_settings(session.get(Organisation, org_a.id))
    assert stored.sms.auth_token == twilio.auth_token


def test_a_gateway_template_that_cannot_render_is_refused(client, org_a):
    response = client.put(
        URL,
        json={
            "sms": {
                "kind": "http",
                "url": "https://sms.example/send",
                "body_template": '{"to": {{ nope }}}',
            }
        },
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422, response.text
    assert "nope" in response.text
