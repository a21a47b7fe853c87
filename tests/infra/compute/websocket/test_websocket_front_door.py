"""The WebSocket front door: deployed WebSocket APIs on a real socket, Lambda proxy events with
the real shape, routes chosen by the selection expression, the management API on the sockets."""

from __future__ import annotations

import json
import socket

import pytest
import websocket_log
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


@pytest.fixture
def api(cloud, deploy):
    stack = deploy("websocket_api")
    url = cloud.websocket_url(stack.outputs["ApiId"], "test")
    return cloud, stack, url


def _loaded_seen(route: str) -> dict:
    return websocket_log.SEEN[route]


def test_connect_gets_the_real_event_shape_and_default_route_echoes(api):
    cloud, stack, url = api
    with connect(f"{url}?room=blue&who=ann", user_agent_header="pytest-ws") as ws:
        ws.send("plain text, not JSON")
        assert json.loads(ws.recv(timeout=10)) == {"echo": "plain text, not JSON"}
    event = _loaded_seen("$connect")
    context = event["requestContext"]
    assert event["queryStringParameters"] == {"room": "blue", "who": "ann"}
    assert context["eventType"] == "CONNECT" and context["routeKey"] == "$connect"
    assert context["stage"] == "test" and context["apiId"] == stack.outputs["ApiId"]
    assert context["domainName"] == f"{stack.outputs['ApiId']}.execute-api.us-east-1.amazonaws.com"
    assert context["identity"]["userAgent"] == "pytest-ws" and context["connectionId"].endswith("=")
    message = _loaded_seen("$default")["requestContext"]
    assert message["eventType"] == "MESSAGE" and message["connectionId"] == context["connectionId"]


def test_connect_refused_by_the_function_refuses_the_handshake(api):
    cloud, stack, url = api
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{url}?deny=1")
    assert refused.value.response.status_code == 403


def test_unknown_api_or_stage_is_a_404(api):
    cloud, stack, url = api
    with pytest.raises(InvalidStatus) as missing:
        connect(url.rsplit("/", 1)[0] + "/nostage")
    assert missing.value.response.status_code == 404


def test_custom_route_broadcasts_and_reports_gone_connections_after_disconnect(api, eventually):
    cloud, stack, url = api
    with connect(url) as ann, connect(url) as bob:
        with connect(url):
            pass  # closes: $disconnect runs, its connection is gone
        door = cloud.serve_websockets()
        assert eventually(lambda: len(door.open_connections(stack.outputs["ApiId"])) == 2)
        ann.send(json.dumps({"action": "shout", "text": "hello all"}))
        assert ann.recv(timeout=10) == "hello all"
        assert bob.recv(timeout=10) == "hello all"
        report = json.loads(ann.recv(timeout=10))
        assert len(report["gone"]) >= 1 and report["sourceIp"] == "127.0.0.1"
    assert eventually(lambda: "$disconnect" in websocket_log.SEEN)
    disconnect = _loaded_seen("$disconnect")["requestContext"]
    assert disconnect["eventType"] == "DISCONNECT" and disconnect["disconnectStatusCode"] == 1000


def test_delete_connection_closes_the_socket(api):
    cloud, stack, url = api
    with connect(url) as ws:
        ws.send(json.dumps({"action": "kick"}))
        with pytest.raises(Exception):
            ws.recv(timeout=10)
        assert ws.close_code == 1000


def test_failing_route_function_answers_internal_server_error_and_connection_stays_open(api):
    cloud, stack, url = api
    with connect(url) as ws:
        ws.send(json.dumps({"action": "crash"}))
        assert json.loads(ws.recv(timeout=10))["message"] == "Internal server error"
        ws.send("still here")
        assert json.loads(ws.recv(timeout=10)) == {"echo": "still here"}


def test_malformed_frame_closes_only_that_connection(api):
    cloud, stack, url = api
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    with connect(url) as healthy:
        raw = socket.create_connection((host, int(port)), timeout=10)
        raw.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        assert b"101" in raw.recv(4096).split(b"\r\n")[0]
        raw.sendall(b"\x81\x05hello")  # an unmasked client frame: a protocol error
        closing = raw.recv(4096)
        assert closing[:1] == b"\x88" and int.from_bytes(closing[2:4], "big") == 1002
        raw.close()
        healthy.send("after the bad frame")
        assert json.loads(healthy.recv(timeout=10)) == {"echo": "after the bad frame"}


def test_message_over_128_kib_closes_the_connection_with_1009(api):
    cloud, stack, url = api
    with connect(url, max_size=None) as ws:
        ws.send("x" * (128 * 1024 + 1))
        with pytest.raises(Exception):
            ws.recv(timeout=10)
        assert ws.close_code == 1009
