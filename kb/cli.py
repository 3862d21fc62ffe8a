"""The `kb` command line: local Neo4j, schema, seed data and the server."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.bundled import data_dir, is_checkout
from kb.local_neo4j import LocalNeo4j, LocalNeo4jError, fetch_jars, port_open
from kb.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from kb.warmup import Warmed

NO_LOCAL_NEO4J = ("NEO4J_URI is not set, and an installed kb has no local Neo4j (that needs the "
                  "source checkout's tools/neo4j): set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from exc


def _neo4j_settings() -> Settings:
    """Settings of a command that talks to Neo4j; refuses an installed kb without NEO4J_URI."""
    settings = _settings()
    # rather than a driver retrying bolt://127.0.0.1:7687, where nothing will ever listen
    if settings.local_neo4j and not is_checkout():
        raise click.ClickException(NO_LOCAL_NEO4J)
    return settings


def _local() -> LocalNeo4j:
    settings = _neo4j_settings()
    if not settings.local_neo4j:
        raise click.ClickException("NEO4J_URI is set: the local Neo4j is not used")
    return LocalNeo4j.from_settings(settings)


@click.group()
def main() -> None:
    """Deconfliction KB: knowledge base of deconfliction mechanisms, on Neo4j."""


@main.group()
def neo4j() -> None:
    """Manage the local Neo4j (used when NEO4J_URI is not set)."""


@neo4j.command("fetch")
def neo4j_fetch() -> None:
    """Download Neo4j's jars from Maven Central (once; cached in tools/neo4j/target)."""
    if not is_checkout():
        raise click.ClickException("the local Neo4j needs the source checkout (tools/neo4j)")
    try:
        downloaded = fetch_jars(quiet=False)
    except LocalNeo4jError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Neo4j jars fetched" if downloaded else "Neo4j jars already present")


@neo4j.command("start")
def neo4j_start() -> None:
    """Start the local Neo4j in the background and wait until it answers."""
    _start_local(_local())


def _start_local(local: LocalNeo4j) -> bool:
    if local.running():
        click.echo(f"Neo4j already running on bolt://127.0.0.1:{local.port} (pid {local.pid()})")
        return False
    started = time.monotonic()
    try:
        fetch_jars()
        local.start()
    except LocalNeo4jError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Neo4j ready on bolt://127.0.0.1:{local.port} in "
               f"{time.monotonic() - started:.1f} s (data in {local.data_dir / 'neo4j'})")
    return True


@neo4j.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j (clean shutdown)."""
    local = _local()
    try:
        stopped = local.stop()
    except LocalNeo4jError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Neo4j stopped" if stopped else "Neo4j was not running")


@neo4j.command("status")
def neo4j_status() -> None:
    """Say whether the local Neo4j runs; exit code 1 if not."""
    local = _local()
    if local.running():
        click.echo(f"running: pid {local.pid()}, bolt://127.0.0.1:{local.port}")
    else:
        click.echo("stopped")
        sys.exit(1)


@main.group()
def schema() -> None:
    """The Neo4j constraints and indexes of the model."""


@schema.command("apply")
def schema_apply() -> None:
    """Create the model's constraints and indexes, and bring stored data written by an
    earlier version up to date (both idempotent)."""
    from kb.migrations import migrate
    from kb.model import get_model
    from kb.queries.schema import apply_schema, schema_items

    with _database() as db:
        created = apply_schema(db, get_model())
        migrated = migrate(db)
    total = len(schema_items(get_model()))
    click.echo(f"schema: {len(created)} created, {total - len(created)} already present")
    for step, changed in migrated.items():
        click.echo(f"migration: {step}: {changed} node(s) updated")


@main.command("seed")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=data_dir("seed_data"), show_default=True)
def seed(directory: Path) -> None:
    """Load the curated knowledge base from seed_data/ (idempotent)."""
    from kb.ingest import load_directory

    with _database() as db, _reported_errors():
        report = load_directory(db, directory)
    click.echo(report.summary())


@main.command("validate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
                default=data_dir("seed_data"))
@click.option("--report", is_flag=True,
              help="Also print the data-quality report (kb/curation.py): counts per check, "
                   "worst offenders.")
@click.option("--thresholds", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="TOML file of maximum counts per check (e.g. curation.toml); "
                                 "implies --report; exit 1 when a count exceeds its maximum.")
def validate(directory: Path, report: bool, thresholds: Path | None) -> None:
    """Check a seed directory offline: schemas, ids, references, allowed kinds.

    With --report or --thresholds, then the data-quality report.
    """
    from kb import curation
    from kb.ingest import seed_records, validate_directory

    with _reported_errors():  # a directory holding no files of records
        errors = validate_directory(directory)
    _echo_errors(errors)
    if errors:
        raise click.ClickException(f"{len(errors)} problem(s) in {directory}")
    click.echo(f"{directory}: valid")
    if not (report or thresholds):
        return
    try:
        limits = curation.load_thresholds(thresholds) if thresholds else {}
    except curation.ThresholdsError as exc:
        raise click.ClickException(str(exc)) from exc
    found = curation.report(seed_records(directory), curation.read_source_texts(directory))
    click.echo(curation.render(found, limits), nl=False)
    over = curation.breaches(found.counts(), limits)
    for message in over:
        click.echo(f"over the threshold: {message}", err=True)
    if over:
        raise click.ClickException(f"{len(over)} data-quality check(s) over their maximum "
                                   f"in {thresholds}: {'; '.join(over)}")
    if thresholds:
        click.echo(f"data quality: every count within {thresholds}")


@main.command("explain")
@click.option("--profile", is_flag=True, help="PROFILE (runs the queries) instead of EXPLAIN.")
def explain(profile: bool) -> None:
    """Print the plan of every analyst query on the current database."""
    from kb.queries.plans import STATEMENTS, plan_operators

    with _database() as db:
        for name, query, params in STATEMENTS:
            ops, leaves = plan_operators(db, query, params, profile)
            click.echo(f"{name}\n  starts with: {', '.join(leaves)}\n  plan: {' > '.join(ops)}")


@main.group()
def keys() -> None:
    """API keys: create, list, revoke."""


@keys.command("create")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), required=True)
@click.option("--name", required=True, help="Who or what the key is for.")
@click.option("--expires", "expires_at", default=None,
              help="Expiry, an ISO 8601 date-time with an offset, e.g. 2027-01-01T00:00:00Z.")
def keys_create(role: str, name: str, expires_at: str | None) -> None:
    """Create a key and print it (the only time it is shown)."""
    from kb.auth import create_key
    from kb.dates import expiry_problem

    problem = expiry_problem(expires_at) if expires_at else None
    if problem:
        raise click.BadParameter(problem, param_hint="--expires")

    with _database() as db:
        key, record = create_key(db, role, name, expires_at)
    click.echo(f"{key}\n(key id {record['id']}, role {role}; store it now, it is not kept)")


@keys.command("list")
def keys_list() -> None:
    """List keys: id, role, name, created, expiry, revocation."""
    from kb.auth import expired
    from kb.queries.keys import list_keys

    with _database() as db:
        for k in db.read_tx(list_keys):
            state = (f"revoked {k['revoked_at']}" if k["revoked_at"] else
                     "expired" if expired(k["expires_at"]) else "active")
            click.echo(f"{k['id']}  {k['role']:<7} {k['name']}  created {k['created_at']}"
                       f"  expires {k['expires_at'] or 'never'}  {state}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id."""
    from kb.auth import revoke_key

    with _database() as db:
        if not revoke_key(db, key_id):
            raise click.ClickException(f"no key {key_id!r}")
    click.echo(f"revoked {key_id}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--workers", type=click.IntRange(1, 64),
              default=lambda: min(os.cpu_count() or 1, 8), show_default="one per CPU, up to 8",
              help="Processes that check the records (1: check in this process).")
def import_(path: Path, dry_run: bool, workers: int) -> None:
    """Import a file or a directory of records (YAML, JSON, NDJSON) of any size: every record
    is checked before the first write, then written in batches (a rerun completes a failed
    import; docs/import.md)."""
    from kb.imports import import_paths
    from kb.progress import records_progress
    from kb.reading import record_files

    with _reported_errors():
        files = record_files(path)
    with records_progress() as progress, _database() as db, _reported_errors():
        checking = progress.add_task("checking", total=None)
        writing = progress.add_task("writing", total=None, visible=False)

        def checked(n: int) -> None:
            progress.advance(checking, n)

        def written(n: int) -> None:
            if not progress.tasks[writing].visible:
                total = progress.tasks[checking].completed
                progress.update(checking, total=total)
                progress.update(writing, total=total, visible=True)
            progress.advance(writing, n)

        report = import_paths(db, files, dry_run=dry_run, on_check=checked, on_write=written,
                              workers=workers)
    click.echo(report.summary())
    totals = report.totals()
    if not dry_run and (totals.get("created") or totals.get("updated")) and _settings().warmup:
        # new data moves Neo4j's statistics and the sizes of the lists requests send: after
        # 19,000 records its first requests planned again for 9 s (tools/bench/changes.md)
        _warm_plans(_settings())


@main.command("synth")
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="1: about 13,000 relations; grows linearly (100: about a million).")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same files.")
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("synth"), show_default=True)
def synth(scale: int, seed: int, directory: Path) -> None:
    """Write a synthetic world of realistic shape as NDJSON import files (for load tests)."""
    from kb.synth import write

    for name, count in write(directory, scale, seed).items():
        click.echo(f"{directory / name}: {count} records")


@main.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
@click.option("--as-of", default=None, callback=lambda _c, p, v: _partial_date(p, v),
              help="Only relations valid on this (partial) date: YYYY, YYYY-MM or YYYY-MM-DD.")
def export(output: Any, as_of: str | None) -> None:
    """Write every record as NDJSON (to a file, or stdout): the backup format."""
    from kb.bulk import export_lines

    with _database() as db:
        for line in export_lines(db, as_of):
            output.write(line)


def _partial_date(param: Any, value: str | None) -> str | None:
    """A date option checked as the API checks its `as_of` (kb.schemas.PartialDate)."""
    import marshmallow as ma

    from kb.schemas import PartialDate

    if value is None:
        return None
    try:
        checked: str = PartialDate().deserialize(value)
    except ma.ValidationError as exc:
        raise click.BadParameter(" ".join(map(str, exc.messages)), param=param) from exc
    return checked


def _echo_errors(errors: list[dict[str, str]]) -> None:
    for e in errors:
        click.echo(f"{e.get('record', '?')}: {e['field']}: {e['message']}", err=True)


@contextlib.contextmanager
def _reported_errors() -> Iterator[None]:
    """Print each invalid or clashing record, then fail the command."""
    from kb.errors import KBError

    try:
        yield
    except KBError as exc:  # invalid or clashing records, the database failing: one line
        _echo_errors(exc.errors)
        raise click.ClickException(exc.detail) from exc


class _database:
    """Context manager: a Database for one CLI command, closed afterwards; a database error
    in the command ends it with one line (kb.db.problem_for_humans)."""

    def __enter__(self) -> Any:
        from kb.db import Database

        # The driver warns of each retry with the whole connection error; a command that
        # fails says what happened in one line of its own (below), so only errors show.
        # (Here, not for `kb serve`: its workers log what the driver says.)
        self.db = Database(_neo4j_settings())  # first: a bad setting ends the command here
        self.driver_log = logging.getLogger("neo4j")
        self.level = self.driver_log.level
        self.driver_log.setLevel(logging.ERROR)
        return self.db

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        import neo4j

        from kb.db import problem_for_humans

        self.db.close()
        self.driver_log.setLevel(self.level)
        if isinstance(error, neo4j.exceptions.Neo4jError | neo4j.exceptions.DriverError):
            # one line saying what happened and what to do, never the driver's traceback
            raise click.ClickException(problem_for_humans(error, self.db.settings)) from error


def _gunicorn_command() -> list[str]:
    # the app factory, not the checkout's wsgi.py: an installed kb has no checkout
    return [sys.executable, "-m", "gunicorn", "-c", "python:kb.gunicorn_conf", "kb:create_app()"]


@main.command("warmup")
def warmup() -> None:
    """Plan the analyst questions now, so that no request waits for it (see kb.warmup)."""
    with _database() as db:
        db.ping()  # an unreachable Neo4j: one line (_database), not a 503 per question
    if _warm_plans(_neo4j_settings()).failed:
        raise click.ClickException("the warm-up did not finish: see the questions above")


def _warm_plans(settings: Settings) -> Warmed:
    # before the server opens its port: a first request finds the plans made (a failure
    # is reported, and does not stop `kb serve`: its readiness probe says what is wrong)
    from kb.warmup import warm_plans

    warmed = warm_plans(settings)
    click.echo(f"plan cache: {warmed.asked} questions asked in {warmed.seconds:.1f} s"
               + (f", {len(warmed.not_found)} names not found" if warmed.not_found else ""),
               err=True)
    for url, error in warmed.failed.items():
        click.echo(f"plan cache: {url} answered {error}", err=True)
    return warmed


@main.command("serve")
def serve() -> None:
    """Serve the API with gunicorn on KB_HOST:KB_PORT against the configured Neo4j
    (after warming Neo4j's plan cache, unless KB_WARMUP=off)."""
    settings = _neo4j_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.warmup:
        _warm_plans(settings)
    os.execv(sys.executable, _gunicorn_command())


@main.command("up")
def up() -> None:
    """Start everything: local Neo4j (unless NEO4J_URI), schema, seed data, API server.

    Ctrl-C (or `kb down`) stops the server, and the local Neo4j if this command started it.
    """
    settings = _neo4j_settings()
    local = LocalNeo4j.from_settings(settings) if settings.local_neo4j else None
    started_db = _start_local(local) if local else False
    try:
        ctx = click.get_current_context()
        ctx.invoke(schema_apply)
        ctx.invoke(seed)
        if port_open(settings.port, settings.host):
            raise click.ClickException(f"{settings.host}:{settings.port} is in use (KB_PORT)")
        if settings.warmup:
            _warm_plans(settings)
        click.echo(f"API on http://{settings.host}:{settings.port} (docs at /docs); Ctrl-C stops")
        _run_server()
    finally:
        if local and started_db:
            click.echo("stopping the local Neo4j ...")
            local.stop()


def _run_server() -> None:
    server = subprocess.Popen(_gunicorn_command())

    def forward(signum: int, _frame: object) -> None:
        server.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    server.wait()


@main.command("down")
def down() -> None:
    """Stop a server started by `kb up`/`kb serve` and the local Neo4j."""
    settings = _settings()
    pid_file = settings.data_dir / "gunicorn.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
            click.echo("API server stopping")
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
    if settings.local_neo4j:
        click.get_current_context().invoke(neo4j_stop)


if __name__ == "__main__":
    main()
