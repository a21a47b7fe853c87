"""The front door on a real socket: HTTP/1.1 keep-alive, the same answers as in-process, and the
10 MB limit refused before the body is read."""

from __future__ import annotations

import http.client
import json
import socket

import pytest

from infra.compute.http import api_path


@pytest.fixture
def served(cloud, deploy):
    stack = deploy("frontdoor_rest")
    server = cloud.serve_http()
    return stack, server


def test_one_keep_alive_connection_carries_many_requests(served):
    stack, server = served
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    answers = []
    for name in ("a", "b", "c"):
        connection.request("GET", api_path(stack.outputs["ApiId"], "test", f"/echo/{name}"))
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())["pathParameters"]["id"]))
    sock = connection.sock
    connection.close()

    assert answers == [(200, "a"), (200, "b"), (200, "c")]
    assert sock is not None  # the same socket served all three


def test_errors_come_over_the_socket_as_api_gateway_words_them(served):
    stack, server = served
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)

    connection.request("GET", api_path(stack.outputs["ApiId"], "test", "/nowhere"))
    response = connection.getresponse()

    assert response.status == 403
    assert response.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert json.loads(response.read()) == {"message": "Missing Authentication Token"}


def test_body_over_10_mb_is_refused_before_it_is_read(served):
    stack, server = served
    path = api_path(stack.outputs["ApiId"], "test", "/files/big")
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {10 * 1024 * 1024 + 1}\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk

    assert reply.startswith(b"HTTP/1.1 413")
    assert b'{"message": "Request Too Long"}' in reply and b"Connection: close" in reply


def test_port_in_use_is_a_one_line_error(cloud, served):
    from infra.compute.http import HttpFrontDoorServer
    from infra.exceptions import ToolkitError

    _, server = served
    with pytest.raises(ToolkitError) as failure:
        HttpFrontDoorServer(cloud.front_door, server.port)
    assert str(server.port) in str(failure.value)


def test_chunked_request_body_reaches_the_function_whole(served):
    stack, server = served
    path = api_path(stack.outputs["ApiId"], "test", "/files/upload.txt")
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)

    connection.request("POST", path, body=iter([b"first part, ", b"second part"]),
                       headers={"Content-Type": "text/plain"}, encode_chunked=True)
    event = json.loads(connection.getresponse().read())

    assert event["body"] == "first part, second part"


def test_client_that_writes_its_whole_oversized_body_first_gets_the_413(served):
    stack, server = served
    path = api_path(stack.outputs["ApiId"], "test", "/files/big")
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)

    connection.request("POST", path, body=b"x" * (11 * 1024 * 1024), headers={"Content-Type": "text/plain"})
    response = connection.getresponse()

    assert response.status == 413
    assert json.loads(response.read()) == {"message": "Request Too Long"}
