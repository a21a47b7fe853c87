"""The compute plane's event sources: every enabled mapping through its source kind, plus
EventBridge Scheduler's one-time schedules and EventBridge rules (eventbridge/: schedules, PutEvents).

The plane asks this family, never a particular source: ``refresh()`` follows the control plane's
mappings, ``poll_once()`` delivers what is due, ``in_flight()`` counts what is left (drain and
settle wait for it), ``start()`` gives each unit of work (a queue, a shard) a background thread.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from infra.compute.sources import EventSource, SourceContext, enabled, kind_for
from infra.compute.sources.eventbridge.rules import EventBridgeRules
from infra.compute.sources.scheduler import ScheduleSource

IDLE_WAIT_SECONDS = 0.02  # a background worker that found nothing looks again after this
_NOT_SETTINGS = ("State", "StateTransitionReason", "LastModified", "LastProcessingResult", "ResponseMetadata")


def settings_of(esm: dict[str, Any]) -> str:
    """A mapping's settings, to notice an UpdateEventSourceMapping."""
    return json.dumps({k: v for k, v in esm.items() if k not in _NOT_SETTINGS}, sort_keys=True, default=str)


class EventSources:
    def __init__(self, ctx: SourceContext, invoke_async: Callable[[str, dict[str, Any]], None],
                 report: Callable[[str], None] = print) -> None:
        self.ctx = ctx
        self.report = report
        self.mappings: dict[str, EventSource] = {}
        self.runs_mappings = False  # set by the plane that is moto's compute plane (embedded, up)
        self._invoke_async = invoke_async
        self._schedules: ScheduleSource | None = None
        self.rules = EventBridgeRules(ctx, invoke_async, report)  # fired only where runs_mappings
        self._spawn: Callable[[Callable[[], None]], None] | None = None
        self._stop: threading.Event | None = None
        self._lock = threading.Lock()
        self._started: dict[str, set[str]] = {}  # names of the workers running, per mapping
        self._paused: dict[str, EventSource] = {}  # disabled mappings' sources, checkpoints kept
        self._reported: set[tuple[str, str]] = set()
        self._settings: dict[str, str] = {}  # each mapping's settings when its source last took them

    # -- the control plane's mappings -------------------------------------------------------
    def refresh(self) -> None:
        """Build a source for every enabled mapping the control plane has; drop deleted ones.

        Only a plane whose target has no Lambda poller of its own runs mappings (``runs_mappings``):
        LocalStack runs its mappings itself and hands the invocations over."""
        if not self.runs_mappings:
            return
        lam = self.ctx.clients("lambda")
        listed: set[str] = set()
        running: set[str] = set()
        for page in lam.get_paginator("list_event_source_mappings").paginate():
            for esm in page["EventSourceMappings"]:
                kind = kind_for(esm.get("EventSourceArn", ""))
                listed.add(esm["UUID"])
                if kind is None or not enabled(esm):
                    continue  # the deployer refuses mappings no kind runs; a disabled one waits
                running.add(esm["UUID"])
                with self._lock:
                    source = self.mappings.get(esm["UUID"]) or self._paused.pop(esm["UUID"], None)
                    if source is None:
                        try:
                            source = kind.build(esm, self.ctx)
                        except Exception as exc:  # noqa: BLE001 - e.g. its stream was deleted: the others run
                            self._report_once(esm["UUID"], f"event source {esm['UUID']} cannot start: {exc}")
                            continue
                    elif settings_of(esm) != self._settings.get(esm["UUID"]) and esm["UUID"] in self._settings:
                        source.reconfigure(esm)  # UpdateEventSourceMapping: new settings, same checkpoint
                    self._settings[esm["UUID"]] = settings_of(esm)
                    self.mappings[esm["UUID"]] = source
                if self._spawn is not None:
                    self._start_workers(source)  # new mappings, and new shards of running ones
        with self._lock:
            for stopped in set(self.mappings) - running:
                source = self.mappings.pop(stopped)
                self._started.pop(stopped, None)
                if stopped in listed:  # disabled: enabling it again resumes from its checkpoint
                    self._paused[stopped] = source
            for deleted in set(self._paused) - listed:
                del self._paused[deleted]
            for deleted in set(self._settings) - listed:
                del self._settings[deleted]

    # -- synchronous driving ----------------------------------------------------------------
    def poll_once(self) -> int:
        """Fire due schedules and let every source deliver what is due; returns what was handled."""
        handled = self.fire_schedules()
        for source in list(self.mappings.values()):
            try:
                handled += source.poll_once()
            except Exception as exc:  # noqa: BLE001 - e.g. the function or the stream is gone
                # nothing was checkpointed: the source tries again at its next poll (stream records
                # until they expire, queue messages after their visibility timeout)
                self._report_once(source.uuid, f"event source {source.uuid}: {exc}")
        return handled

    def _report_once(self, uuid: str, message: str) -> None:
        if (uuid, message) not in self._reported:
            self._reported.add((uuid, message))
            self.report(message)

    def fire_schedules(self) -> int:
        if self._schedules is None:
            self._schedules = ScheduleSource(self.ctx.clients("scheduler"), self._invoke_async, self.ctx.now)
        return self._schedules.poll_once() + (self.rules.poll_once() if self.runs_mappings else 0)

    def in_flight(self) -> int:
        """Records the sources have not handled yet, EventBridge events not yet delivered (schedules
        are not waited for: they may re-arm)."""
        return sum(source.in_flight() for source in list(self.mappings.values())) + self.rules.in_flight()

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (s.next_deadline() for s in list(self.mappings.values())) if d is not None]
        deadlines += [d for d in (self.rules.next_deadline(),) if d is not None]
        return min(deadlines) if deadlines else None

    # -- background mode --------------------------------------------------------------------
    def start(self, spawn: Callable[[Callable[[], None]], None], stop: threading.Event) -> None:
        """One thread per unit of work of every source, one for schedules; new mappings get
        theirs when ``refresh`` finds them."""
        self._spawn, self._stop = spawn, stop
        spawn(self._schedule_loop)
        for source in list(self.mappings.values()):
            self._start_workers(source)

    def _start_workers(self, source: EventSource) -> None:
        """A thread for each of the source's units of work that has none yet."""
        assert self._spawn is not None and self._stop is not None
        stop = self._stop
        started = self._started.setdefault(source.uuid, set())
        for name, work in source.workers().items():
            if name in started:
                continue
            started.add(name)

            def loop(work: Callable[[], int] = work) -> None:
                while not stop.is_set() and self.mappings.get(source.uuid) is source:
                    try:
                        if work() == 0:
                            stop.wait(IDLE_WAIT_SECONDS)
                    except Exception as exc:  # noqa: BLE001 - a vanished queue or stream must not kill the plane
                        self._report_once(source.uuid, f"event source {source.uuid}: {exc}")
                        stop.wait(1.0)

            self._spawn(loop)

    def _schedule_loop(self) -> None:
        assert self._stop is not None
        while not self._stop.is_set():
            try:
                fired = self.fire_schedules()
            except Exception as exc:  # noqa: BLE001 - a schedule problem must not stop the plane
                self.report(f"firing schedules failed: {exc}")
                fired = 0
            if fired == 0:
                self._stop.wait(0.1)
