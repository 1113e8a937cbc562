"""`sendable serve`: the HTTP API, live stream and web app.

Everything that can fail is checked before the line "serving on" is printed: the
mail setting, Redis, the database (opened and migrated) and the listening socket
(bound here and handed to uvicorn), so a busy port or a bad --db is one line and
a non-zero exit, never a "serving on" followed by a traceback.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from sendable.cli.common import (
    DbOption,
    PolicyOption,
    app,
    fail,
    needs_server,
    open_service,
    policy_or_exit,
)

LogFormat = Annotated[str, typer.Option(
    "--log-format", envvar="SENDABLE_LOG_FORMAT", show_envvar=True,
    help="json: one JSON object a line (timestamp, level, request_id, ...); "
         "text: lines for people.")]


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or one line saying why it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            fail(f"--port {port}: {host}:{port} is already in use (is another sendable "
                 f"serve running? pick another --port)")
        if error.errno in (errno.EACCES, errno.EPERM):
            fail(f"--port {port}: not allowed to listen on {host}:{port} (ports below 1024 "
                 f"need privileges)")
        fail(f"--host {host}: cannot listen on {host}:{port}: {error.strerror or error}")
    except (socket.gaierror, OverflowError, UnicodeError) as error:
        sock.close()
        fail(f"--host {host} --port {port}: not an address to listen on ({error})")
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@app.command()
def serve(host: Annotated[str, typer.Option(
              "--host", envvar="SENDABLE_HOST", show_envvar=True,
              help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(
              "--port", envvar="SENDABLE_PORT", show_envvar=True, min=0, max=65535,
              help="Port to listen on.")] = 8000,
          db: DbOption = None, policy: PolicyOption = None,
          demo: Annotated[bool, typer.Option(
              "--demo", envvar="SENDABLE_DEMO", show_envvar=True,
              help="Load demo accounts and conversations.")] = False,
          poll: Annotated[float, typer.Option(
              "--poll", envvar="SENDABLE_POLL", show_envvar=True,
              help="Seconds between stream checks for other nodes' events.")] = 2.0,
          quiet: Annotated[bool, typer.Option("--quiet", help="No request log lines.")] = False,
          log_format: LogFormat = "json",
          mail: Annotated[str, typer.Option(
              "--mail", envvar="SENDABLE_MAIL", show_envvar=True,
              help="Where verification codes go: console, file:PATH, smtp://…")] = "console",
          redis: Annotated[str | None, typer.Option(
              "--redis", envvar="SENDABLE_REDIS", show_envvar=True,
              help="Redis URL: counters and rate windows shared by every node, "
                   "and streams woken by other nodes' sends (default: in-process, one node).")]
          = None,
          contact_secret_file: Annotated[Path | None, typer.Option(
              "--contact-secret-file", envvar="SENDABLE_CONTACT_SECRET_FILE", show_envvar=True,
              help="Keep the key contact hashes are made with in this file (made on first "
                   "start; default: in the database).")] = None,
          metrics_token_file: Annotated[Path | None, typer.Option(
              "--metrics-token-file", envvar="SENDABLE_METRICS_TOKEN_FILE", show_envvar=True,
              help="A file holding the operator's metrics token: /metrics shows true reason "
                   "codes only to `Authorization: Bearer <token>` (default: "
                   "SENDABLE_METRICS_TOKEN; without one, sender-view codes only).")] = None,
          shadow_policy: Annotated[Path | None, typer.Option(
              "--shadow-policy", envvar="SENDABLE_SHADOW_POLICY", show_envvar=True,
              help="Also decide every live attempt under this policy, with no effect on "
                   "anyone; differences on /metrics and at /mod/lab.")] = None,
          retrain_every: Annotated[str | None, typer.Option(
              "--retrain-every", envvar="SENDABLE_RETRAIN_EVERY", show_envvar=True,
              help="Retrain the spam and abuse models from all labels this often (30m, 6h, "
                   "1d) when new labels arrived since the last model; in the background, "
                   "sends go on with the model in force (default: only by command).")]
          = None,
          ) -> None:
    """Serve the HTTP API and live stream (migrations are applied on start)."""
    import gc
    import logging

    if log_format not in ("json", "text"):
        fail(f"--log-format: must be json or text, not {log_format!r}")
    try:
        import uvicorn

        from sendable.api import create_app
        from sendable.api.observe import configure_logging
        from sendable.shell.auth import Auth
        from sendable.shell.mailer import mailer_from_url
        from sendable.store.temporary import BackendUnreachable, check_redis
    except ImportError as error:  # a client-only install
        needs_server(error)
        return

    try:
        mailer = mailer_from_url(mail)
    except ValueError as error:
        fail(f"--mail: {error}")
        return
    retrain_seconds = None
    if retrain_every:
        from sendable.durations import parse_duration

        try:
            retrain_seconds = parse_duration(retrain_every)
        except ValueError as error:
            fail(f"--retrain-every: {error}")
            return
    if redis:
        try:
            check_redis(redis)
        except BackendUnreachable as error:
            fail(f"--redis: {' '.join(str(error).split())}")
            return
    if contact_secret_file is not None:
        from sendable.shell.contact_keys import use_secret_file

        use_secret_file(contact_secret_file)
    sock = listen(host, port)
    port = sock.getsockname()[1]
    shadow = policy_or_exit(shadow_policy) if shadow_policy is not None else None
    service = open_service(db, policy, create=True, mailer=mailer, redis=redis)
    service.lab.record_live()  # the policy history keeps every policy that was live
    if shadow is not None:
        service.lab.start_shadow(shadow, source=str(shadow_policy))
    auth = Auth(service)
    if demo:
        from sendable.shell.demo import load_demo

        for line in load_demo(service, auth):
            typer.echo(line.replace("PORT", str(port)))
    configure_logging(logging.WARNING if quiet else logging.INFO, log_format)
    # Sends run on a writer thread beside the event loop; each SQLite call hands the
    # GIL back and forth, and the default 5 ms switch interval makes every hand-back a
    # wait. A short interval keeps the two threads from convoying.
    sys.setswitchinterval(float(os.environ.get("SENDABLE_SWITCH_INTERVAL", "0.0005")))
    from sendable.cli.database import locate

    shown_db = locate(db, create=True).shown
    typer.echo(f"sendable serving on http://{host}:{port} (db {shown_db}; "
               f"counters {'Redis' if redis else 'in-process'}; "
               f"policy {service.policy.digest()})")
    from sendable.api.metrics import operator_token

    asgi = create_app(service, auth=auth, poll_seconds=poll, fanout_uri=redis,
                      metrics_token=operator_token(metrics_token_file))
    # What startup built (the text models, the policy, the imports) lives as long as
    # the process: leave it out of the collector's full passes, which otherwise walk
    # all of it and stall every request for 50-150 ms every few seconds under load.
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(asgi, http="httptools",
                            loop="uvloop" if sys.platform != "win32" else "asyncio",
                            log_level="warning", log_config=None, access_log=False,
                            ws_ping_interval=20.0)
    schedule = None
    if retrain_seconds is not None:
        from sendable.shell.retraining import RetrainSchedule

        schedule = RetrainSchedule(service.models, retrain_seconds, service.now)
        schedule.start()
        logging.getLogger("sendable.retrain").info(
            "retraining every %gs when new labels arrive", retrain_seconds)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if schedule is not None:
            schedule.stop()
