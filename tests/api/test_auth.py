"""Authentication: API keys in the Authorization header, or a signed session cookie
after logging in with email and password. Every failure is a 401 saying what to do."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from doorstep.domain.codes import hash_api_key
from tests.conftest import auth, create_order, order_body

API = "/api/v1"
COOKIE = "doorstep_session"
PASSWORD = "correct horse battery"


def login(client, email: str, password: str):
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def new_user(client, org, role: str = "dispatcher") -> dict:
    body = {
        "email": f"{uuid.uuid4().hex[:8]}@acme.test",
        "name": "Uma",
        "role": role,
        "password": PASSWORD,
    }
    response = client.post(f"{API}/users", json=body, headers=auth(org.admin))
    assert response.status_code == 201, response.text
    return response.json()


def new_key(client, org, **body) -> dict:
    response = client.post(
        f"{API}/api-keys",
        json={"name": "ci", "role": "dispatcher", **body},
        headers=auth(org.admin),
    )
    assert response.status_code == 201, response.text
    return response.json()


def orders_total(client, org) -> int:
    return client.get(f"{API}/orders", headers=auth(org.admin)).json()["total"]


def test_no_credentials_is_401_saying_how_to_authenticate(client, org_a):
    for path in ("/auth/me", "/orders", "/routes", "/users"):
        response = client.get(API + path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "Authorization: Bearer <API key>" in response.json()["detail"]
        assert "log in" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Basic x", "Bearer ", "Bearer", "Token abc", "dsk_abc"])
def test_malformed_authorization_header_is_401(client, org_a, header):
    response = client.get(f"{API}/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "use the header `Authorization: Bearer <API key>`"


def test_unknown_key_is_401(client, org_a):
    for key in ("dsk_" + "x" * 43, "nonsense", org_a.admin + "x"):
        response = client.get(f"{API}/auth/me", headers=auth(key))
        assert response.status_code == 401
        assert response.json()["detail"] == "the API key is not valid"


def test_scheme_is_case_insensitive_and_spaces_around_the_key_are_ignored(client, org_a):
    response = client.get(f"{API}/auth/me", headers={"Authorization": f"bearer  {org_a.admin} "})
    assert response.status_code == 200


def test_revoked_key_is_401_and_changes_nothing(client, org_a):
    key = new_key(client, org_a)
    create_order(client, key["key"])
    revoked = client.delete(f"{API}/api-keys/{key['id']}", headers=auth(org_a.admin))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    response = client.post(f"{API}/orders", json=order_body(), headers=auth(key["key"]))
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key has been revoked"
    assert client.get(f"{API}/orders", headers=auth(key["key"])).status_code == 401
    assert orders_total(client, org_a) == 1


def test_revoking_twice_keeps_the_first_revocation_time(client, org_a):
    key = new_key(client, org_a)
    first = client.delete(f"{API}/api-keys/{key['id']}", headers=auth(org_a.admin)).json()
    second = client.delete(f"{API}/api-keys/{key['id']}", headers=auth(org_a.admin)).json()
    assert second["revoked_at"] == first["revoked_at"]


def test_key_of_a_deactivated_user_is_401(client, org_a):
    user = new_user(client, org_a)
    key = new_key(client, org_a, user_id=user["id"])
    assert client.get(f"{API}/orders", headers=auth(key["key"])).status_code == 200
    response = client.patch(
        f"{API}/users/{user['id']}", json={"is_active": False}, headers=auth(org_a.admin)
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    refused = client.post(f"{API}/orders", json=order_body(), headers=auth(key["key"]))
    assert refused.status_code == 401
    assert refused.json()["detail"] in (
        "the API key has been revoked",
        "the API key's user is no longer active",
    )
    assert orders_total(client, org_a) == 0


def test_reactivating_a_user_does_not_bring_their_keys_back(client, org_a):
    user = new_user(client, org_a)
    key = new_key(client, org_a, user_id=user["id"])
    url = f"{API}/users/{user['id']}"
    client.patch(url, json={"is_active": False}, headers=auth(org_a.admin))
    client.patch(url, json={"is_active": True}, headers=auth(org_a.admin))
    assert client.get(f"{API}/orders", headers=auth(key["key"])).status_code == 401


def test_deactivated_user_cannot_log_in_and_their_session_ends(client, org_a):
    user = new_user(client, org_a)
    assert login(client, user["email"], PASSWORD).status_code == 200
    assert client.get(f"{API}/auth/me").status_code == 200
    client.patch(f"{API}/users/{user['id']}", json={"is_active": False}, headers=auth(org_a.admin))
    ended = client.get(f"{API}/auth/me")
    assert ended.status_code == 401
    assert ended.json()["detail"] == "your session has ended; log in again"
    client.cookies.clear()
    refused = login(client, user["email"], PASSWORD)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "wrong email or password"


def test_login_sets_a_signed_http_only_session_cookie(client, org_a):
    response = login(client, org_a.admin_email, org_a.admin_password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == "admin" and body["actor_type"] == "user"
    assert body["organisation"]["id"] == str(org_a.id)
    set_cookie = response.headers["set-cookie"].lower()
    assert set_cookie.startswith(f"{COOKIE}=")
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert client.cookies.get(COOKIE)


def test_session_cookie_alone_authenticates_until_logout(client, org_a):
    login(client, org_a.admin_email, org_a.admin_password)
    me = client.get(f"{API}/auth/me")
    assert me.status_code == 200
    assert me.json()["actor_type"] == "user"
    assert me.json()["organisation"]["id"] == str(org_a.id)
    assert client.post(f"{API}/orders", json=order_body()).status_code == 201
    assert client.post(f"{API}/auth/logout").status_code == 204
    after = client.get(f"{API}/auth/me")
    assert after.status_code == 401
    assert "log in" in after.json()["detail"]


def test_login_email_is_case_insensitive(client, org_a):
    response = login(client, org_a.admin_email.upper(), org_a.admin_password)
    assert response.status_code == 200


def test_wrong_password_and_unknown_email_are_the_same_401(client, org_a):
    wrong = login(client, org_a.admin_email, "not the password")
    unknown = login(client, "nobody@acme.test", org_a.admin_password)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong email or password"
    assert wrong.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"] == "Bearer"
    assert COOKIE not in client.cookies


def test_user_without_a_password_cannot_log_in(client, org_a):
    body = {"email": "nopass@acme.test", "name": "N", "role": "viewer"}
    client.post(f"{API}/users", json=body, headers=auth(org_a.admin))
    response = login(client, "nopass@acme.test", "")
    assert response.status_code == 422  # an empty password is not even a login attempt
    response = login(client, "nopass@acme.test", "anything at all")
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong email or password"


def test_tampered_session_cookie_is_401(client, org_a):
    login(client, org_a.admin_email, org_a.admin_password)
    value = client.cookies[COOKIE]
    client.cookies.clear()
    # Change the signature's first character: all six of its bits count (the last
    # character of base64 may carry padding bits only, so changing it can change nothing).
    cut = value.rindex(".") + 1
    other = "A" if value[cut] != "A" else "B"
    client.cookies.set(COOKIE, value[:cut] + other + value[cut + 1 :])
    response = client.get(f"{API}/auth/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_forged_unsigned_session_cookie_is_401(client, org_a):
    me = client.get(f"{API}/auth/me", headers=auth(org_a.admin)).json()
    payload = base64.b64encode(json.dumps({"uid": me["user_id"]}).encode()).decode()
    client.cookies.set(COOKIE, payload)
    assert client.get(f"{API}/auth/me").status_code == 401
    client.cookies.set(COOKIE, payload + ".forged.signature")
    assert client.get(f"{API}/auth/me").status_code == 401


def test_a_bad_header_is_not_rescued_by_a_good_session(client, org_a):
    login(client, org_a.admin_email, org_a.admin_password)
    response = client.get(f"{API}/auth/me", headers=auth("not-a-key"))
    assert response.status_code == 401


def test_api_key_is_shown_once_and_listed_only_by_prefix(client, org_a):
    created = new_key(client, org_a, name="deploy bot")
    key = created["key"]
    assert key.startswith("dsk_") and key.startswith(created["prefix"])
    assert len(key) > len(created["prefix"]) + 20
    me = client.get(f"{API}/auth/me", headers=auth(key)).json()
    assert (me["actor_type"], me["name"], me["role"]) == ("api_key", "deploy bot", "dispatcher")
    listing = client.get(f"{API}/api-keys", headers=auth(org_a.admin))
    assert listing.status_code == 200
    listed = next(k for k in listing.json()["items"] if k["id"] == created["id"])
    assert listed["prefix"] == created["prefix"]
    assert "key" not in listed and "key_hash" not in listed
    for item in listing.json()["items"]:
        assert set(item) == set(listed)
    assert key not in listing.text
    assert hash_api_key(key) not in listing.text
    assert hash_api_key(key) not in created.values()


def test_admin_cannot_deactivate_or_demote_themselves(client, org_a):
    me = client.get(f"{API}/auth/me", headers=auth(org_a.admin)).json()
    url = f"{API}/users/{me['user_id']}"
    for change in ({"is_active": False}, {"role": "viewer"}):
        response = client.patch(url, json=change, headers=auth(org_a.admin))
        assert response.status_code == 409
        assert "yourself" in response.json()["detail"]
    user = client.get(url, headers=auth(org_a.admin)).json()
    assert user["is_active"] is True and user["role"] == "admin"
    assert client.get(f"{API}/orders", headers=auth(org_a.admin)).status_code == 200


def test_admin_logged_in_by_session_cannot_deactivate_themselves_either(client, org_a):
    me = login(client, org_a.admin_email, org_a.admin_password).json()
    response = client.patch(f"{API}/users/{me['user_id']}", json={"is_active": False})
    assert response.status_code == 409


def _replay(client, cookie: str):
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return client.get(f"{API}/auth/me")


def test_a_cookie_captured_before_logout_is_worthless_after_it(client, org_a):
    login(client, org_a.admin_email, org_a.admin_password)
    captured = client.cookies.get(COOKIE)
    assert client.post(f"{API}/auth/logout").status_code == 204
    assert _replay(client, captured).status_code == 401


def test_logging_out_on_one_device_keeps_the_other_signed_in(client, org_a):
    login(client, org_a.admin_email, org_a.admin_password)
    phone = client.cookies.get(COOKIE)
    client.cookies.clear()
    login(client, org_a.admin_email, org_a.admin_password)
    assert client.post(f"{API}/auth/logout").status_code == 204
    assert _replay(client, phone).status_code == 200


def test_changing_a_password_ends_every_session_of_that_user(client, org_a):
    user = new_user(client, org_a)
    login(client, user["email"], PASSWORD)
    captured = client.cookies.get(COOKIE)
    client.cookies.clear()
    changed = client.patch(
        f"{API}/users/{user['id']}",
        json={"password": "another long one"},
        headers=auth(org_a.admin),
    )
    assert changed.status_code == 200
    assert _replay(client, captured).status_code == 401
    client.cookies.clear()
    assert login(client, user["email"], "another long one").status_code == 200


def test_a_demoted_users_key_shrinks_with_them(client, org_a):
    user = new_user(client, org_a, role="admin")
    key = new_key(client, org_a, role="admin", user_id=user["id"])["key"]
    assert client.get(f"{API}/users", headers=auth(key)).status_code == 200
    client.patch(f"{API}/users/{user['id']}", json={"role": "viewer"}, headers=auth(org_a.admin))
    assert client.get(f"{API}/users", headers=auth(key)).status_code == 403
    assert client.get(f"{API}/auth/me", headers=auth(key)).json()["role"] == "viewer"
    assert client.post(f"{API}/orders", json=order_body(), headers=auth(key)).status_code == 403


def test_a_key_cannot_outrank_its_user(client, org_a):
    viewer = new_user(client, org_a, role="viewer")
    response = client.post(
        f"{API}/api-keys",
        json={"name": "x", "role": "admin", "user_id": viewer["id"]},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    assert "more rights than its user" in response.json()["detail"]
