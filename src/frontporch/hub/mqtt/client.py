"""The hub's connection to its MQTT broker: paho-mqtt 2.x, in its own network thread.

The broker is someone else's server, often on another machine: it may be down at start,
restart, or refuse the hub's credentials. None of that may stop the hub, so nothing here
raises into the caller. paho's `loop_start` thread connects and reconnects with a
backoff of 1 s doubling to 60 s; the will (`<prefix>/available` = "offline", retained)
tells subscribers when the hub vanishes without saying goodbye; a refusal is logged once
with its reason in words. Publishing while disconnected never blocks: the caller asks
`connected` first, and paho keeps at most a small queue of what was in flight.

Callbacks run on paho's thread; an exception escaping one would end that thread (and
with it every reconnect), so each is wrapped.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from frontporch.hub.mqtt.config import MqttConfig
from frontporch.hub.mqtt.topics import OFFLINE

log = logging.getLogger(__name__)

QOS = 1  # at least once: events, states and alerts must not vanish on a busy link
MAX_QUEUED = 200  # messages paho may hold while (re)connecting; more are refused
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 60

# CONNACK reason codes (MQTT 5 numbering; paho maps MQTT 3.1.1's onto it) in words.
_REFUSALS = {
    128: "the broker refused the connection without saying why",
    129: "the broker could not read the connection request",
    130: "the broker reported a protocol error",
    132: "the broker does not speak this MQTT protocol version",
    133: "the broker rejected the client id (set mqtt.client_id)",
    134: "the broker refused the user name or password",
    135: "the broker refused the user name or password (not authorised)",
    136: "the broker is unavailable",
    137: "the broker is busy",
    138: "the broker has banned this client",
    140: "the broker refused the authentication method",
    159: "the broker refused: too many connections in a short time",
}


def refusal_reason(code: int) -> str:
    """Why the broker refused a connection, in words, from its CONNACK reason code."""
    return _REFUSALS.get(code, f"the broker refused the connection (reason code {code})")


class MqttLink:
    """One broker connection; `start` once, `stop` once. Thread-safe."""

    def __init__(
        self,
        config: MqttConfig,
        client_id: str,
        will_topic: str,
        subscriptions: Sequence[str],
        on_connected: Callable[[], None],
        on_message: Callable[[str, bytes], None],
    ) -> None:
        self.config = config
        self.where = f"{config.host}:{config.effective_port}"
        self._client_id = client_id
        self._will_topic = will_topic
        self._subscriptions = list(subscriptions)
        self._on_connected = on_connected
        self._on_message = on_message
        self._client: paho.Client | None = None
        self._connected = threading.Event()
        self._last_problem: str | None = None  # logged once until it changes or clears

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self, password: str | None) -> bool:
        """Begin connecting in the background; False (logged) when it cannot even try."""
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        client.will_set(self._will_topic, OFFLINE, qos=QOS, retain=True)
        client.reconnect_delay_set(min_delay=RECONNECT_MIN_S, max_delay=RECONNECT_MAX_S)
        client.max_queued_messages_set(MAX_QUEUED)
        if self.config.username is not None:
            client.username_pw_set(self.config.username, password)
        if self.config.tls.enabled:
            ca_file = self.config.tls.ca_file
            try:
                client.tls_set(
                    ca_certs=str(ca_file) if ca_file is not None else None,
                    cert_reqs=ssl.CERT_REQUIRED,
                )
            except (OSError, ssl.SSLError, ValueError) as exc:
                log.error(
                    "MQTT is off: cannot set up TLS with mqtt.tls.ca_file %s: %s", ca_file, exc
                )
                return False
            client.tls_insecure_set(self.config.tls.insecure)
        client.on_connect = self._handle_connect
        client.on_connect_fail = self._handle_connect_fail
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        try:
            client.connect_async(
                self.config.host, self.config.effective_port, self.config.keepalive_s
            )
        except (OSError, ValueError) as exc:
            log.error("MQTT is off: cannot connect to %s: %s", self.where, exc)
            return False
        self._client = client
        log.info("connecting to the MQTT broker at %s as %s", self.where, self._client_id)
        client.loop_start()
        return True

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> bool:
        """Hand a message to paho; False when not connected (then nothing is sent)."""
        client = self._client
        if client is None or not self.connected:
            return False
        info = client.publish(topic, payload, qos=QOS, retain=retain)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    def publish_confirmed(self, topic: str, payload: bytes | str, timeout: float) -> str | None:
        """Publish and wait for the broker's acknowledgement; None when it came, else why
        not (for a delivery log)."""
        client = self._client
        if client is None or not self.connected:
            return "not connected to the broker"
        info = client.publish(topic, payload, qos=QOS, retain=False)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return f"not sent: {paho.error_string(info.rc)}"
        try:
            info.wait_for_publish(timeout)
        except (RuntimeError, ValueError) as exc:  # the connection went while waiting
            return f"not sent: {exc}"
        if not info.is_published():
            return f"the broker did not acknowledge within {timeout:g} s"
        return None

    def stop(self, timeout: float = 2.0) -> None:
        """Say "offline" (retained) if connected, disconnect cleanly, end the thread."""
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected:
            info = client.publish(self._will_topic, OFFLINE, qos=QOS, retain=True)
            # If the broker went meanwhile, the will says "offline" for us.
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout)
        client.disconnect()
        client.loop_stop()
        self._connected.clear()
        log.info("disconnected from the MQTT broker at %s", self.where)

    # --- paho's callbacks (its network thread) -------------------------------------------

    def _handle_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            if reason_code.is_failure:
                self._problem(
                    f"cannot connect to the MQTT broker at {self.where}: "
                    f"{refusal_reason(reason_code.value)}; retrying with backoff "
                    f"up to {RECONNECT_MAX_S} s"
                )
                return
            self._last_problem = None
            self._connected.set()
            log.info("connected to the MQTT broker at %s", self.where)
            for topic in self._subscriptions:
                client.subscribe(topic, qos=QOS)
            self._on_connected()
        except Exception:  # an escaping exception would end paho's thread
            log.exception("MQTT connect handling failed")

    def _handle_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        # paho does not say why; with TLS a refused certificate is the usual suspect.
        tls = (
            " (or its TLS certificate was not accepted: check mqtt.tls and mqtt.host)"
            if self.config.tls.enabled
            else ""
        )
        self._problem(
            f"cannot reach the MQTT broker at {self.where}{tls}; retrying with backoff "
            f"up to {RECONNECT_MAX_S} s"
        )

    def _handle_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        was_connected = self.connected
        self._connected.clear()
        if was_connected and self._client is not None:  # not our own stop()
            # paho says "Unspecified error" for a dropped socket: only a broker's own
            # DISCONNECT reason is worth showing.
            why = "" if reason_code.value == 128 else f" ({reason_code})"
            log.warning(
                "lost the connection to the MQTT broker at %s%s; reconnecting with backoff",
                self.where,
                why,
            )

    def _handle_message(self, client: paho.Client, userdata: Any, message: Any) -> None:
        try:
            self._on_message(str(message.topic), bytes(message.payload))
        except Exception:  # an escaping exception would end paho's thread
            log.exception("MQTT message handling failed on %s", message.topic)

    def _problem(self, text: str) -> None:
        """Log a connection problem once, not on every retry."""
        if text != self._last_problem:
            self._last_problem = text
            log.warning("%s", text)
        else:
            log.debug("%s", text)
