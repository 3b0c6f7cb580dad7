"""Prometheus metrics, read from the running hub at scrape time.

A custom collector on a registry of its own (not the process-global one), so two app
instances in one process never clash and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from frontporch.hub.ports import HubRuntime
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context


class HubCollector(Collector):
    """Per-camera gauges and counters from `HubRuntime.camera_status`."""

    def __init__(self, runtime: HubRuntime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        """Build every metric family from the cameras' current status."""
        online = GaugeMetricFamily("frontporch_camera_online", "1 if online.", labels=["camera"])
        input_fps = GaugeMetricFamily(
            "frontporch_camera_input_fps", "Frames per second read.", labels=["camera"]
        )
        analyzed_fps = GaugeMetricFamily(
            "frontporch_camera_analyzed_fps", "Frames per second analysed.", labels=["camera"]
        )
        skipped = CounterMetricFamily(
            "frontporch_camera_skipped_frames", "Frames skipped by analysis.", labels=["camera"]
        )
        reconnects = CounterMetricFamily(
            "frontporch_camera_reconnects", "Input reconnects.", labels=["camera"]
        )
        events = CounterMetricFamily(
            "frontporch_camera_events", "Events opened since start.", labels=["camera"]
        )
        recorded = GaugeMetricFamily(
            "frontporch_camera_recorded_bytes", "Bytes of recordings on disk.", labels=["camera"]
        )
        for name in self._runtime.camera_names():
            status = self._runtime.camera_status(name)
            online.add_metric([name], 1.0 if status.online else 0.0)
            input_fps.add_metric([name], status.input_fps)
            analyzed_fps.add_metric([name], status.analyzed_fps)
            skipped.add_metric([name], status.skipped_frames)
            reconnects.add_metric([name], status.reconnects)
            events.add_metric([name], status.events)
            recorded.add_metric([name], status.recorded_bytes)
        yield from (online, input_fps, analyzed_fps, skipped, reconnects, events, recorded)


def build_registry(runtime: HubRuntime) -> CollectorRegistry:
    """A registry holding only the hub's collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(runtime))
    return registry


router = APIRouter(dependencies=[Depends(require_owner)])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."}},
    summary="Prometheus metrics",
)
def metrics(context: Annotated[HubContext, Depends(hub_context)]) -> Response:
    """Prometheus text exposition of the hub's per-camera metrics."""
    registry: CollectorRegistry = context.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
