"""The durable-life pattern end to end on the embedded target: rooms from the lobby, players over
real WebSockets, GameRooms ticking on alarms off the virtual clock, and the page in a real
headless Chromium."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from infra.testing.browser import CHROMIUM, headless_chromium
from patterns.api_client import call
from patterns.durable_life import workload


@pytest.fixture(scope="module")
def life():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("durable-life")
    socket_url, base = workload.urls(cloud, stack)
    yield cloud, stack, socket_url, base
    cloud.close()


def test_players_see_the_same_frames_and_the_glider_moves_as_life_says(life):
    cloud, stack, *_ = life
    checks = workload.outcome(workload.run(cloud, stack))
    assert checks == {"room_listed": True, "page_is_html": True, "frames": True, "same_frames": True,
                      "glider_moves_as_life_says": True, "refused": "error"}


def test_lobby_lists_created_rooms(life):
    _, _, _, base = life
    created = [call("POST", f"{base}/rooms").body["id"] for _ in range(2)]
    assert set(created) <= set(call("GET", f"{base}/rooms").body["rooms"])


def test_joining_with_a_bad_room_id_is_refused(life):
    _, _, socket_url, _ = life
    for room in ("", "lobby", "0" * 64):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{socket_url}?room={room}")
        assert refused.value.response.status_code == 400


def test_an_empty_room_stops_ticking(life):
    cloud, stack, socket_url, base = life
    room = call("POST", f"{base}/rooms").body["id"]
    with connect(f"{socket_url}?room={room}") as ws:
        ws.send(json.dumps({"action": "place", "cells": [[5, 5], [6, 5], [7, 5]]}))  # a blinker
        assert workload.frames(ws, 1, cloud)
    for _ in range(6):
        workload.advance(cloud, 1.0)
    names = [s["Name"] for s in cloud.client("scheduler").list_schedules()["Schedules"]]
    assert len(names) <= 1  # at most the rooms still watched
    before = len(cloud.plane.executor.invocations)
    for _ in range(5):
        workload.advance(cloud, 1.0)
    alarm_calls = [i for i in cloud.plane.executor.invocations[before:] if i["function"].endswith("-alarm")]
    assert not alarm_calls


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_person_can_play_in_a_real_browser(life, tmp_path):
    cloud, stack, socket_url, base = life
    with headless_chromium(f"{base}/?ws={socket_url}&autoplay=1", tmp_path) as page:  # the rooms tick between reads
        dataset = page.dataset_when(lambda d: int(d.get("generation", 0)) >= 4, between=lambda: workload.advance(cloud, 0.5))
    assert int(dataset["generation"]) >= 4 and dataset["live"] == "5"  # a glider stays five cells
    assert dataset["room"] in call("GET", f"{base}/rooms").body["rooms"]
