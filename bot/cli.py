"""The ``protocolwijzer`` command: serve, lint, route, chat.

Adapters are imported inside the commands that need them, so ``lint`` and ``route``
work without any platform SDK installed and the core never imports one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

from bot import logs
from bot.settings import Settings

#: Addresses only this computer can reach.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="protocolwijzer", description="Protocolwijzer: protocols as conversations.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (the local simulator when no platform is configured)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1 or $HOST)")
    serve.add_argument("--port", type=int, help="port (default 3978 or $PORT)")
    serve.add_argument("--teams-anonymous", action="store_true",
                       help="Teams without tokens, for local testing on 127.0.0.1 only")
    serve.add_argument("--allow-remote", action="store_true",
                       help="let the simulator listen beyond this computer (it has no login: anyone who reaches "
                            "it can act as any role)")

    package = sub.add_parser("teams-package", help="build the Teams app package to upload in the Teams admin center")
    package.add_argument("--app-id", required=True, help="the Azure Bot's Microsoft App ID (TEAMS_APP_ID)")
    package.add_argument("--out", type=Path, default=Path("protocolwijzer-teams.zip"), help="zip file to write")
    package.add_argument("--incident-space", choices=["graph", "channel"],
                         help="as teams.incident_space in school.yaml (default: read from it, else graph)")
    package.add_argument("--version", default="1.0.0", help="app version; raise it with every new upload")
    package.add_argument("--website", help="the school's or supplier's https page shown in the app details")

    lint = sub.add_parser("lint", help="check playbooks and the school directory")
    lint.add_argument("paths", nargs="*", type=Path, help="playbook files or directories (default $PLAYBOOKS_DIR)")
    lint.add_argument("--school", type=Path, help="school directory to check roles against (default $SCHOOL_CONFIG"
                                                  " when that file exists)")

    route = sub.add_parser("route", help="show which playbooks a question reaches")
    route.add_argument("question")
    route.add_argument("--lang", choices=["nl", "en"], help="language of the question (default: detected)")
    route.add_argument("--json", action="store_true", help="print JSON")

    train = sub.add_parser("train-router", help="train the learned router on the playbooks' examples and write "
                                                "_router_model.json beside them (needs the dev extra)")
    train.add_argument("--playbooks", type=Path, help="playbook directory (default $PLAYBOOKS_DIR)")
    train.add_argument("--tune-on", type=Path, nargs="*", default=[],
                       help="question files (q, expect) to tune the thresholds on besides held-out examples; "
                            "never trained on (the repository uses tests/data/*.yaml)")

    show = sub.add_parser("show", help="render a playbook as Markdown for review")
    show.add_argument("playbook", help="playbook id, e.g. naaktbeeld-sexting")
    show.add_argument("--lang", choices=["nl", "en"], default="nl")
    show.add_argument("--jurisdiction", choices=["nl", "vl"], help="answer the jurisdiction question (default: "
                                                                      "the school directory's, else both shown)")

    export = sub.add_parser("export", help="write an incident's chronology as Markdown for the school's dossier")
    export.add_argument("number", help="incident number, e.g. 2026-0042")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    purge = sub.add_parser("purge", help="remove the free text of closed incidents past the retention period")
    purge.add_argument("--older-than", required=True, help="retention period, e.g. 365d, 52w")

    migrate = sub.add_parser("migrate", help="bring the database to the newest schema, keeping its records "
                                              "(serve also does this at start)")
    migrate.add_argument("--to", default="head", help="a revision to go to instead of the newest")
    migrate.add_argument("--down", action="store_true", help="go down to --to (undo the revisions after it)")

    sub.add_parser("chat", help="talk to the bot in this terminal")
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.store.migrate import SchemaOutdated

    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    logs.configure(logging.INFO if args.command == "serve" else logging.ERROR,
                   os.environ.get("LOG_FORMAT", "text").strip().lower())
    try:
        return _run(args, settings)
    except SchemaOutdated as exc:
        print(f"protocolwijzer: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "lint":
        return _lint(settings, args.paths, args.school)
    if args.command == "route":
        return _route(settings, args.question, args.lang, as_json=args.json)
    if args.command == "train-router":
        return _train_router(args.playbooks or settings.playbooks_dir, args.tune_on)
    if args.command == "show":
        return _show(settings, args.playbook, args.lang, args.jurisdiction)
    if args.command == "export":
        return asyncio.run(_export(settings, args.number, args.output))
    if args.command == "purge":
        return asyncio.run(_purge(settings, args.older_than))
    if args.command == "chat":
        return asyncio.run(_chat(settings))
    if args.command == "migrate":
        return asyncio.run(_migrate(settings, args.to, down=args.down))
    if args.command == "teams-package":
        return _teams_package(settings, args)
    return asyncio.run(_serve(settings, args.host, args.port, teams_anonymous=args.teams_anonymous,
                              allow_remote=args.allow_remote))


def _lint(settings: Settings, paths: list[Path], school: Path | None) -> int:
    from bot.playbooks.lint import lint_paths

    targets = paths or [settings.playbooks_dir]
    missing = [path for path in targets if not path.exists()]
    if missing:
        for path in missing:
            print(f"{path}:1: no such file or directory", file=sys.stderr)
        return 1
    if school is None and settings.school_config.exists():
        school = settings.school_config
    problems = lint_paths(targets, school)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    from bot.playbooks.loader import playbook_files

    checked = len(playbook_files(targets))
    print(f"ok: {checked} playbook(s)" + (f" and {school}" if school else "") + " without problems", file=sys.stderr)
    return 0


def _route(settings: Settings, question: str, lang: str | None, *, as_json: bool) -> int:
    from bot.conversation.router import Router
    from bot.playbooks.library import load_library

    library, _problems = load_library(settings.playbooks_dir)
    router = Router(library)
    route = router.route(question)
    detected = lang or router.detect_language(question) or settings.default_lang
    if as_json:
        print(json.dumps({"lang": detected, "decision": route.decision, "playbooks": list(route.playbooks),
                          "matches": [{"playbook": m.playbook, "score": m.score} for m in route.matches]}))
        return 0
    shown = {"open": "open", "choose": "choose (Bedoel je…?)", "menu": "menu (out of scope)"}[route.decision]
    print(f"decision: {shown}" + (f": {', '.join(route.playbooks)}" if route.playbooks else ""))
    for match in route.matches:
        print(f"{match.score:.3f}  {match.playbook}")
    return 0


def _train_router(directory: Path, tune_on: list[Path]) -> int:
    try:
        import sklearn  # noqa: F401

        from bot.conversation.training import train
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        print(f"protocolwijzer: train-router needs the dev extra (scikit-learn): {exc}", file=sys.stderr)
        return 1
    train(directory, tune_on=tune_on)
    return 0


def _show(settings: Settings, playbook_id: str, lang: str, jurisdiction: str | None) -> int:
    from bot.directory import load_directory
    from bot.playbooks.library import load_library
    from bot.playbooks.markdown import render_markdown

    library, _problems = load_library(settings.playbooks_dir)
    playbook = library.get(playbook_id)
    if playbook is None:
        known = ", ".join(library.ids()) or "none"
        print(f"no valid playbook '{playbook_id}' (available: {known}); run protocolwijzer lint", file=sys.stderr)
        return 1
    if jurisdiction is None and settings.school_config.exists():
        directory, _ = load_directory(settings.school_config)
        jurisdiction = directory.jurisdiction if directory else None
    print(render_markdown(playbook, lang=lang, jurisdiction=jurisdiction), end="")
    return 0


async def _export(settings: Settings, number: str, output: Path | None) -> int:
    """The school's directory gives the language, time zone and roles of the dossier. Without
    a school.yaml the demo school is used, as the simulator (the only front end that runs
    without one) does; a broken school.yaml stops the export rather than mislabel people."""
    import bot
    from bot.directory import load_directory
    from bot.errors import UserFacingError
    from bot.incidents.dossier import export_markdown
    from bot.playbooks.library import load_library
    from bot.store.db import create_schema, make_engine, session_factory

    school = settings.school_config
    if not school.exists():
        school = Path(bot.__file__).resolve().parents[1] / "school.example.yaml"
        using = f"the demo school's roles, language and time zone ({school.name})" if school.exists() \
            else "no roles, Dutch, times in Europe/Amsterdam"
        print(f"protocolwijzer: no {settings.school_config}: {using}", file=sys.stderr)
    directory, problems = load_directory(school) if school.exists() else (None, [])
    if problems:
        print("\n".join(problems) + "\nprotocolwijzer: fix the school directory first (protocolwijzer lint)",
              file=sys.stderr)
        return 1
    library, _problems = load_library(settings.playbooks_dir)  # a missing playbook: steps shown by id
    engine = make_engine(settings.database_url)
    try:
        await create_schema(engine)
        text = await export_markdown(session_factory(engine), number=number, library=library, directory=directory)
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if output:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


async def _migrate(settings: Settings, revision: str, *, down: bool) -> int:
    from alembic.util.exc import CommandError

    from bot.store.db import make_engine
    from bot.store.migrate import current, migrate

    if down and revision == "head":
        print("protocolwijzer: --down needs --to REVISION (the revision to go back to)", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        before = await current(engine)
        after = await migrate(engine, revision, down=down)
    except CommandError as exc:
        print(f"protocolwijzer: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"database at revision {after}" + (f" (was {before})" if before != after else " (nothing to do)"))
    return 0


async def _purge(settings: Settings, older_than: str) -> int:
    from bot.errors import UserFacingError
    from bot.incidents.records import parse_period, purge
    from bot.store.db import create_schema, make_engine, session_factory

    try:
        period = parse_period(older_than)
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        await create_schema(engine)
        count = await purge(session_factory(engine), older_than=period)
    finally:
        await engine.dispose()
    print(f"purged the free text of {count} closed incident(s) older than {older_than}", file=sys.stderr)
    return 0


async def _chat(settings: Settings) -> int:
    from adapters.terminal.chat import run_chat
    from bot.app import build_core

    core = await build_core(settings, incidents=False)  # a terminal cannot deliver DMs
    try:
        return await run_chat(core)
    finally:
        await core.close()


def _teams_package(settings: Settings, args: argparse.Namespace) -> int:
    try:
        from adapters.teams.package import PackageError, build_package
    except ImportError:
        print("the Teams package needs the teams extra: pip install '.[teams]'", file=sys.stderr)
        return 1
    space = args.incident_space
    if space is None and settings.school_config.exists():
        from bot.directory import load_directory

        directory, _ = load_directory(settings.school_config)
        space = directory.teams.incident_space if directory and directory.teams else None
    try:
        out = build_package(args.out, app_id=args.app_id, incident_space=space or "graph", version=args.version,
                            website=args.website)
    except PackageError as exc:
        print(f"protocolwijzer: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} (incident space: {space or 'graph'}); upload it in the Teams admin center", file=sys.stderr)
    return 0


def _teams_configured() -> bool:
    return any(os.environ.get(name, "").strip() for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD",
                                                            "TEAMS_CERTIFICATE_PATH"))


async def _serve(settings: Settings, host: str | None, port: int | None, *, teams_anonymous: bool = False,
                 allow_remote: bool = False) -> int:
    """Teams when ``TEAMS_APP_ID`` is set (or ``--teams-anonymous``), beside Slack when
    ``SLACK_BOT_TOKEN`` is set too; Slack alone; else the simulator with the background
    workers (started by ``start_web``). Without a ``school.yaml`` the simulator uses the
    repository's ``school.example.yaml`` as its demo school, so that ``make run`` shows
    the whole incident journey; Slack and Teams never do (its ids would be the demo's)."""
    import bot
    from bot.app import build_core

    slack = bool(os.environ.get("SLACK_BOT_TOKEN", "").strip())
    if teams_anonymous or _teams_configured():
        try:
            from adapters.teams.serve import serve_teams
        except ImportError:
            print("Teams needs the teams extra: pip install '.[teams]'", file=sys.stderr)
            return 1
        return await serve_teams(settings, host, port, anonymous=teams_anonymous, with_slack=slack,
                                 until=_until_stopped)
    if slack:
        return await _serve_slack(settings, host, port)
    from adapters.web.app import start_web

    host = host or settings.host
    if host not in LOOPBACK and not allow_remote:
        print(f"protocolwijzer: the simulator has no login, so it listens on this computer only; to serve it on "
              f"{host} anyway, add --allow-remote", file=sys.stderr)
        return 1
    if host not in LOOPBACK:
        logging.getLogger("protocolwijzer").warning(
            "the simulator has no login: anyone who can reach http://%s:%s can act as any role, coordinators "
            "included. Use it on a trusted network only.", host, settings.port if port is None else port)
    core = await build_core(settings, fallback_school=Path(bot.__file__).resolve().parents[1] / "school.example.yaml")
    try:
        runner = await start_web(core, host, settings.port if port is None else port)
    except OSError as exc:
        await core.close()
        print(f"cannot start the simulator: {exc}", file=sys.stderr)
        return 1
    for address in runner.addresses:
        logging.getLogger("protocolwijzer").info("simulator at http://%s:%s", *address[:2])
    try:
        await _until_stopped()
    finally:
        await runner.cleanup()
        await core.close()
    return 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _serve_slack(settings: Settings, host: str | None, port: int | None) -> int:
    try:
        from adapters.slack.serve import serve_slack
    except ImportError:
        print("Slack needs the slack extra: pip install '.[slack]'", file=sys.stderr)
        return 1
    return await serve_slack(settings, host, port, until=_until_stopped)
