"""Prometheus metrics, read from the running hub at scrape time.

A custom collector on a registry of its own (not the process-global one), so two app
instances in one process never clash and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from frontporch.hub.ports import CameraStatus, HubRuntime
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context


@dataclass(frozen=True)
class Series:
    """One per-camera metric family: its kind, name and help, and its value per camera."""

    family: type[GaugeMetricFamily] | type[CounterMetricFamily]
    name: str
    help: str
    value: Callable[[CameraStatus], float]


SERIES = (
    Series(
        GaugeMetricFamily,
        "frontporch_camera_online",
        "1 if online.",
        lambda status: 1.0 if status.online else 0.0,
    ),
    Series(
        GaugeMetricFamily,
        "frontporch_camera_input_fps",
        "Frames per second read.",
        lambda status: status.input_fps,
    ),
    Series(
        GaugeMetricFamily,
        "frontporch_camera_analyzed_fps",
        "Frames per second analysed.",
        lambda status: status.analyzed_fps,
    ),
    Series(
        CounterMetricFamily,
        "frontporch_camera_skipped_frames",
        "Frames skipped by analysis.",
        lambda status: status.skipped_frames,
    ),
    Series(
        CounterMetricFamily,
        "frontporch_camera_reconnects",
        "Input reconnects.",
        lambda status: status.reconnects,
    ),
    Series(
        CounterMetricFamily,
        "frontporch_camera_events",
        "Events opened since start.",
        lambda status: status.events,
    ),
    Series(
        GaugeMetricFamily,
        "frontporch_camera_recorded_bytes",
        "Bytes of recordings on disk.",
        lambda status: status.recorded_bytes,
    ),
)


class HubCollector(Collector):
    """Per-camera gauges and counters (`SERIES`) from `HubRuntime.camera_status`."""

    def __init__(self, runtime: HubRuntime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        """Build every metric family from the cameras' current status."""
        families = [series.family(series.name, series.help, labels=["camera"]) for series in SERIES]
        for name in self._runtime.camera_names():
            status = self._runtime.camera_status(name)
            for series, family in zip(SERIES, families, strict=True):
                family.add_metric([name], series.value(status))
        yield from families


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
