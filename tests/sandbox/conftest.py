"""HTTP helpers for talking to the sandbox subprocess with plain urllib."""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

import pytest


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def xml(self):
        return ElementTree.fromstring(self.body)


def call(method, url, *, user=None, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:".encode()).decode()
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read())


@pytest.fixture
def picqer(sandbox_server):
    """picqer(method, path, body=None, user=<api key>) → Answer."""

    def _call(method, path, body=None, user=sandbox_server.api_key):
        return call(method, sandbox_server.picqer_url + path, user=user, body=body)

    return _call


@pytest.fixture
def ps(sandbox_server):
    """ps(method, path, xml=None, user=<ws key>) → Answer (path after /api/)."""

    def _call(method, path, xml=None, user=sandbox_server.ws_key):
        body = xml.encode() if isinstance(xml, str) else xml
        quoted = urllib.parse.quote(path, safe="/?=&")  # as requests encodes [ ] > % |
        return call(
            method,
            f"{sandbox_server.prestashop_url}/api/{quoted}",
            user=user,
            body=body,
            content_type="text/xml",
        )

    return _call
