"""The durable-chat pattern end to end on the embedded target, over real WebSockets and HTTP."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from infra.ports import free_port
from patterns.api_client import call
from patterns.durable_chat import workload


@pytest.fixture(scope="module")
def chat():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("durable-chat")
    socket_url, base = workload.urls(cloud, stack)
    yield cloud, stack, socket_url, base
    cloud.close()


def chat_messages(ws, count):
    return [(m["seq"], m["message"]) for m in workload.receive(ws, count, timeout=15)]


def test_every_member_sees_every_message_in_the_same_order(chat):
    cloud, stack, *_ = chat
    result = workload.run(cloud, stack)
    checks = workload.outcome(result)
    assert checks["same_order"] and checks["seq_1_to_n"] and checks["messages_each"] == [22] * 4
    assert checks["random"] == [(1, "anyone here?")] and checks["published"] == [200, 200]
    assert checks["history"] == list(range(1, 23))


def test_publish_over_rest_reaches_the_room_with_the_next_seq(chat):
    _, _, socket_url, base = chat
    with connect(f"{socket_url}?room=news") as reader:
        answer = call("POST", f"{base}/rooms/news/publish", {"message": "extra!"})
        assert answer.status == 200 and answer.body == {"seq": 1}
        assert chat_messages(reader, 1) == [(1, "extra!")]


def test_join_without_a_valid_room_is_refused(chat):
    _, _, socket_url, _ = chat
    from websockets.exceptions import InvalidStatus

    for query in ("", "?room=", "?room=bad%20room!"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{socket_url}{query}")
        assert refused.value.response.status_code == 400


def test_malformed_and_oversized_messages_get_an_error_and_the_connection_stays(chat):
    _, _, socket_url, _ = chat
    with connect(f"{socket_url}?room=strict") as ws:
        for bad in ("not json", json.dumps({"message": ""}), json.dumps({"message": "x" * 2001}),
                    json.dumps({"text": "wrong field"}), json.dumps([1, 2])):
            ws.send(bad)
            reply = json.loads(ws.recv(timeout=10))
            assert reply["type"] == "error" and "message" in reply["error"]
        ws.send(json.dumps({"message": "fine now"}))
        assert chat_messages(ws, 1) == [(1, "fine now")]


def test_publish_with_a_bad_body_is_a_400(chat):
    _, _, _, base = chat
    assert call("POST", f"{base}/rooms/general/publish", {"nope": 1}).status == 400
    assert call("POST", f"{base}/rooms/general/publish", "not json").status == 400


def test_disconnected_and_gone_connections_are_detached(chat, eventually):
    cloud, stack, socket_url, base = chat
    from durable_objects import Namespace

    from functions.durable_chat.chat import ChatRoom

    endpoint = f"https://{stack.outputs['WebSocketApiId']}.execute-api.us-east-1.amazonaws.com/live"
    rooms = Namespace(ChatRoom, table=stack.outputs["TableName"], client=cloud.client("dynamodb"),
                      clock=cloud.clock, websocket_endpoint=endpoint)
    room = rooms.get(rooms.id_from_name("churn"))
    members = lambda: rooms.run(room.id, lambda obj: obj.state.websockets.get())  # noqa: E731
    with connect(f"{socket_url}?room=churn") as stays:
        with connect(f"{socket_url}?room=churn"):
            assert len(members()) == 2
        assert eventually(lambda: len(members()) == 1)  # $disconnect detached it
        room.join("GhostConnId0000=")  # attached, but no such connection exists: gone when posted to
        assert len(members()) == 2
        call("POST", f"{base}/rooms/churn/publish", {"message": "who is here?"})
        assert chat_messages(stays, 1) == [(1, "who is here?")]
        assert members() == [cloud.serve_websockets().open_connections(stack.outputs["WebSocketApiId"])[0]]


def test_serve_prints_the_http_and_websocket_urls_and_both_work(eventually):
    import io
    import re
    import threading

    import samplecli

    out, stop = io.StringIO(), threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(samplecli.main(
        ["serve", "durable-chat", "--port", "0", "--ws-port", "0"], out=out, stop=stop)))
    thread.start()
    try:
        assert eventually(lambda: "Ctrl-C stops" in out.getvalue(), 60), out.getvalue()
        text = out.getvalue()
        base = re.search(r"(http://127\.0\.0\.1:\d+/restapis/\w+/Prod/_user_request_)", text).group(1)
        socket_url = re.search(r"WEBSOCKET API durable-chat: (ws://127\.0\.0\.1:\d+/\w+/live)", text).group(1)
        assert "WEBSOCKET API durable-chat: http" not in text  # a WebSocket API has no HTTP URL
        with connect(f"{socket_url}?room=served") as ws:
            assert call("POST", f"{base}/rooms/served/publish", {"message": "over serve"}).body == {"seq": 1}
            assert chat_messages(ws, 1) == [(1, "over serve")]
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0] and "stopped" in out.getvalue()


def test_chat_runs_on_the_up_endpoint_with_its_websockets():
    """``up`` serves WebSocket APIs too: deployed with --target local, the same demo has the same outcome."""
    import uuid

    from infra import server

    endpoint = server.start(free_port(), ws_port=0)
    try:
        with Cloud.remote("local", endpoint.url) as local:
            deployed = local.deploy("durable-chat", stack_name=f"chat-up-{uuid.uuid4().hex[:6]}")
            socket_url, _ = workload.urls(local, deployed)
            checks = workload.outcome(workload.run(local, deployed))
            local.destroy(deployed.name)
    finally:
        endpoint.stop()

    assert socket_url.startswith(f"{endpoint.websocket_url}/{deployed.outputs['WebSocketApiId']}/")
    assert checks["same_order"] and checks["seq_1_to_n"] and checks["messages_each"] == [22] * 4
    assert checks["history"] == list(range(1, 23))


