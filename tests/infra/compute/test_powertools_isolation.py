"""Concurrent invocations in one process each route by their own event through Powertools'
resolver (infra/compute/powertools_isolation.py): it keeps the current event on its class."""

from __future__ import annotations

import json
import threading

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from infra.compute.powertools_isolation import install_if_loaded


def _event(order_id: str) -> dict:
    return {"httpMethod": "GET", "path": f"/orders/{order_id}", "resource": "/orders/{id}", "headers": {},
            "requestContext": {"stage": "prod"}, "pathParameters": {"id": order_id}}


def test_an_invocation_routes_by_its_own_event_while_another_resolves():
    install_if_loaded()
    first_routed, second_done = threading.Event(), threading.Event()
    first, second = APIGatewayRestResolver(), APIGatewayRestResolver()  # two warm environments' apps

    @first.get("/orders/<order_id>")
    def first_order(order_id: str) -> dict:
        first_routed.set()
        second_done.wait(5)  # the other environment's invocation resolves meanwhile
        return {"asked": order_id, "event": first.current_event.path}

    @second.get("/orders/<order_id>")
    def second_order(order_id: str) -> dict:
        return {"asked": order_id}

    answers = {}
    thread = threading.Thread(target=lambda: answers.setdefault("first", first.resolve(_event("A"), None)))
    thread.start()
    first_routed.wait(5)
    answers["second"] = second.resolve(_event("B"), None)
    second_done.set()
    thread.join(5)

    assert json.loads(answers["first"]["body"]) == {"asked": "A", "event": "/orders/A"}
    assert json.loads(answers["second"]["body"]) == {"asked": "B"}
