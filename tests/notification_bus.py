"""A private D-Bus session bus and a small notification server, for tests.

``session_bus`` starts the system's real ``dbus-daemon`` on a private socket;
``notification_server`` puts an ``org.freedesktop.Notifications`` server
(written with jeepney, in a thread) on it, which records every call and
answers ``GetServerInformation`` with :attr:`NotificationServer.information`.
Test modules import the two fixtures they use; :data:`REAL_BUS` says whether
this machine can run them.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REAL_BUS = (
    shutil.which("dbus-daemon") is not None and importlib.util.find_spec("jeepney") is not None
)
"""True where a private bus and the jeepney server can run."""

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def session_bus() -> Iterator[str]:
    """A private session bus for this test only; yields its address."""
    if not REAL_BUS:
        pytest.skip("dbus-daemon or jeepney is not installed here")
    # A short folder: a unix socket path must fit in about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="coach-bus-") as folder:
        config = Path(folder) / "session.conf"
        config.write_text(_BUS_CONFIG.format(folder=folder))
        daemon = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert daemon.stdout is not None
            address = daemon.stdout.readline().strip()
            assert address.startswith("unix:"), address
            yield address
        finally:
            daemon.terminate()
            daemon.wait(timeout=5)
            if daemon.stdout is not None:
                daemon.stdout.close()


@dataclass
class NotificationServer:
    """org.freedesktop.Notifications on a bus, in a thread, recording each Notify call."""

    address: str
    information: tuple[str, str, str, str] = ("test", "coach", "1", "1.2")
    """What GetServerInformation answers: name, vendor, version, spec version."""
    received: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self._serve()
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
            self.ready.set()

    def _serve(self) -> None:
        from jeepney import MessageType, new_error, new_method_return
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus=self.address) as connection:
            reply = connection.send_and_get_reply(
                message_bus.RequestName("org.freedesktop.Notifications", 4), timeout=5
            )
            assert reply.body == (1,), reply.body  # primary owner
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = connection.receive(timeout=0.05)
                except TimeoutError:
                    continue
                header = message.header
                if header.message_type != MessageType.method_call:
                    continue
                member = header.fields.get(3)  # HeaderFields.member
                self.calls.append(str(member))
                if member == "Notify":
                    app, _replaces, _icon, summary, body, _actions, hints, _expire = message.body
                    self.received.append(
                        {"app_name": app, "summary": summary, "body": body, "hints": hints}
                    )
                    answer = new_method_return(message, "u", (len(self.received),))
                elif member == "GetCapabilities":
                    answer = new_method_return(message, "as", (["body", "body-markup"],))
                elif member == "GetServerInformation":
                    answer = new_method_return(message, "ssss", self.information)
                elif member == "CloseNotification":
                    answer = new_method_return(message)
                else:
                    answer = new_error(message, "org.freedesktop.DBus.Error.UnknownMethod")
                connection.send(answer)


def serve_notifications(
    address: str, **information: Any
) -> Generator[NotificationServer, None, None]:
    """Run a :class:`NotificationServer` on ``address`` for the life of the generator."""
    server = NotificationServer(address, **information)
    thread = threading.Thread(target=server.run, name="notification-server", daemon=True)
    thread.start()
    assert server.ready.wait(timeout=10)
    if server.error is not None:
        raise server.error
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(timeout=5)
    if server.error is not None:
        raise server.error


@pytest.fixture
def notification_server(session_bus: str) -> Iterator[NotificationServer]:
    """A notification server on :func:`session_bus`."""
    yield from serve_notifications(session_bus)
