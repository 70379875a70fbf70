"""A gateway's open file descriptors by what they are, and the bounds its settings put on them.

Some descriptors belong to pools that keep connections open on purpose, up to a bound the
settings give; a pool that has grown to its bound after a busy hour is not a leak. The others
(pipes, event fds, log and spool files, recordings, accepted connections) belong to something
that starts once or to one call or chat, so once the traffic is gone they must be back where they
were before it. The kinds (`fd_kinds`):

- `database connections`: TCP to PostgreSQL. The engine keeps up to `pool_size` open and opens up
  to `max_overflow` more while all are busy, closing those when they come back
  (FRONTDESK_DATABASE_POOL_SIZE / _MAX_OVERFLOW, gateway/store/db.py `pool_limits`).
- `database file`, `database -wal`, `database -shm`: SQLite. Each connection (the same pool, plus
  the batch writer's own) holds the database file and its -wal open; the -shm is one per process.
  A connection closed while another holds a lock on the file cannot close its descriptor of the
  file (POSIX locks belong to the process, closing any descriptor of the file would drop them
  all): SQLite keeps it and hands it to the next connection it opens. So the database file's
  descriptors reach the most connections ever open at once, and stay there.
- `redis connections`: TCP to Redis, at most FRONTDESK_REDIS_MAX_CONNECTIONS per client (the bus,
  whose subscription holds one; the console's limits, made on the first login), plus the /readyz
  probe's own while it runs.
- `listening sockets`: the HTTP port (and the metrics port when set).
- `client connections`: accepted on the gateway's port (calls, chats, /metrics).
- `recordings`: a call's audio being written.
- `audit spool`, `pipes`, `event fds` (epoll, eventfd), `other sockets`, other files by name.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from gateway.settings import Settings
from gateway.store.db import pool_limits


def settings_of(env: dict[str, str]) -> Settings:
    """The settings a gateway started with `env` (over this process's environment) runs with."""
    prefix = "FRONTDESK_"
    merged = {**os.environ, **env}
    return Settings(**{k[len(prefix) :].lower(): v for k, v in merged.items() if k.startswith(prefix)})


@dataclass(frozen=True)
class Bound:
    """The most descriptors of a pooled kind: while busy, and once idle again."""

    busy: int
    idle: int
    why: str


def pool_bounds(settings: Settings) -> dict[str, Bound]:
    size, overflow = pool_limits(
        settings.database_url, settings.database_pool_size, settings.database_max_overflow
    )
    bounds: dict[str, Bound] = {}
    if settings.database_url.startswith("sqlite"):
        most = size + overflow + 1  # the batch writer's connection
        bounds["database file"] = Bound(
            most, most, f"pool {size} + overflow {overflow} + writer 1 (kept for reuse)"
        )
        bounds["database -wal"] = Bound(most, size + 1, f"busy: {most}; idle: pool {size} + writer 1")
        bounds["database -shm"] = Bound(1, 1, "one per process")
    else:
        bounds["database connections"] = Bound(
            size + overflow, size, f"busy: pool {size} + overflow {overflow}; idle: pool {size}"
        )
    if settings.redis_url is not None:
        most = 2 * settings.redis_max_connections + 1
        bounds["redis connections"] = Bound(
            most, most, f"2 clients x {settings.redis_max_connections} + the readiness probe's 1"
        )
    return bounds


def _sockets(pid: int) -> dict[str, tuple[int, int, str]]:
    """Socket inode -> (local port, remote port, TCP state) for the process's TCP sockets."""
    found: dict[str, tuple[int, int, str]] = {}
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, remote, state, inode = cols[1], cols[2], cols[3], cols[9]
            found[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state)
    return found


def fd_kinds(pid: int, settings: Settings, port: int) -> dict[str, int]:
    """What the process's open descriptors are (the kinds above), counted; `port`: the HTTP port
    it serves on."""
    db = make_url(settings.database_url)
    db_file = db.database if settings.database_url.startswith("sqlite") else None
    db_port = None if db_file else (db.port or 5432)
    redis_port = None
    if settings.redis_url is not None:
        redis_port = urlsplit(settings.redis_url.get_secret_value()).port or 6379
    files = {
        str(settings.audit_spool_file()): "audit spool",
    }
    if db_file:
        files.update(
            {db_file: "database file", db_file + "-wal": "database -wal", db_file + "-shm": "database -shm"}
        )
    recordings = str(Path(settings.data_dir).resolve() / "recordings") + "/"
    tcp = _sockets(pid)
    kinds: Counter[str] = Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            local, remote, state = tcp.get(target[8:-1], (0, 0, ""))
            if not state:
                kind = "other sockets"  # Unix, UDP, or closed since the table was read
            elif state == "0A":
                kind = "listening sockets"
            elif remote == db_port:
                kind = "database connections"
            elif remote == redis_port:
                kind = "redis connections"
            elif local in (port, settings.metrics_port):
                kind = "client connections"
            else:
                kind = "other sockets"
        elif target.startswith("pipe:"):
            kind = "pipes"
        elif target.startswith("anon_inode:"):
            kind = "event fds"
        elif target in files:
            kind = files[target]
        elif target.startswith(recordings):
            kind = "recordings"
        else:
            kind = "file " + Path(target).name
        kinds[kind] += 1
    return dict(kinds.most_common())


def judge_fds(
    bounds: dict[str, Bound],
    idle_before: dict[str, int],
    idle_after: dict[str, int],
    busiest: dict[str, int],
    slack: int,
) -> dict[str, Any]:
    """Pooled kinds within their bounds, busy and idle; the rest, once idle, back to their level
    before the traffic (within `slack` in all)."""
    pooled = {
        kind: {
            "idle_before": idle_before.get(kind, 0),
            "busiest": busiest.get(kind, 0),
            "idle_after": idle_after.get(kind, 0),
            "bound_busy": bound.busy,
            "bound_idle": bound.idle,
            "why": bound.why,
            "pass": busiest.get(kind, 0) <= bound.busy and idle_after.get(kind, 0) <= bound.idle,
        }
        for kind, bound in bounds.items()
    }
    rest = sorted((set(idle_before) | set(idle_after)) - set(bounds))
    changed = {
        kind: [idle_before.get(kind, 0), idle_after.get(kind, 0)]
        for kind in rest
        if idle_before.get(kind, 0) != idle_after.get(kind, 0)
    }
    before = sum(idle_before.get(kind, 0) for kind in rest)
    after = sum(idle_after.get(kind, 0) for kind in rest)
    return {
        "pooled": pooled,
        "unpooled_idle_before": before,
        "unpooled_idle_after": after,
        "unpooled_changed": changed,
        "idle_slack": slack,
        "pass": all(p["pass"] for p in pooled.values()) and after <= before + slack,
    }
