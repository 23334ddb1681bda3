"""The Teams app package a school's IT admin uploads: ``manifest.json`` and two icons in one zip.

``protocolwijzer teams-package --app-id …`` calls :func:`build_package`. Teams accepts the zip only
when the manifest is valid and ``manifest.json``, ``color.png`` (192×192, full colour) and
``outline.png`` (32×32, white on transparent) lie at the zip's root, so the package is checked
before it is written (:func:`package_problems`, against the official manifest 1.24 schema vendored
in ``schemas/``), and a bad app id is refused before anything else happens.

What the manifest declares, and why:

- One bot (the Azure Bot's app id, which is also the manifest id) in ``personal`` and ``team``
  scope, plus ``groupChat`` when incidents get a Graph-made group chat (``incident_space``
  ``graph``): the app must be installable in those chats to post the incident card there.
- Command lists for the personal chat (menu, help, English, Nederlands) and for channels and
  group chats (menu, help): typed words the core already understands.
- A message action "Vraag Protocolwijzer" (``askProtocolwijzer``). ``fetchTask`` is false and it
  has no parameters, so Teams opens no dialog: the bot gets ``composeExtension/submitAction`` with
  the message at once and answers in the personal chat. Attachments are never sent with it.
- ``supportsFiles: false``: the bot never receives or downloads files.
- No resource-specific consent (RSC), so no ``authorization`` and no ``webApplicationInfo``; the
  Graph permissions of ``graph`` mode are application permissions the admin consents to in Entra.
- Dutch names and descriptions (``localizationInfo`` ``nl-nl``) with the English text in the full
  description; no language files, so nothing else to keep in step.

Teams installs an upload again only when ``version`` is higher, so the admin bumps it on every
change (the README says so). The icons are drawn here with zlib and struct, no imaging library.
"""

from __future__ import annotations

import functools
import json
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.24"
MANIFEST_SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "teams-manifest-1.24.schema.json"

MANIFEST_FILE = "manifest.json"
COLOR_ICON_FILE = "color.png"
OUTLINE_ICON_FILE = "outline.png"
DEFAULT_PACKAGE_NAME = "protocolwijzer-teams.zip"

INCIDENT_SPACES = ("graph", "channel")
MESSAGE_ACTION_ID = "askProtocolwijzer"
APP_NAME = "Protocolwijzer"
ACCENT_COLOR = "#1F4E79"
#: Placeholders in the shape Microsoft's own templates use; a school passes its own pages.
DEFAULT_WEBSITE = "https://www.example.com/protocolwijzer"

COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32

MAX_SHORT_NAME = 30
MAX_DEVELOPER_NAME = 32

_GUID = re.compile(r"^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_SEMVER = re.compile(r"^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)$")
_HTTPS = re.compile(r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")


class PackageError(ValueError):
    """The package cannot be built with these arguments; the message says what to fix."""


def build_manifest(*, app_id: str, incident_space: str = "graph", version: str = "1.0.0", name: str = APP_NAME,
                   developer_name: str = APP_NAME, website: str = DEFAULT_WEBSITE, privacy_url: str | None = None,
                   terms_url: str | None = None) -> dict[str, Any]:
    """The Teams app manifest (1.24) for this school's bot.

    Args:
        app_id: the Azure Bot's Microsoft App ID (a GUID); it is the manifest id and the bot id.
        incident_space: ``graph`` (a group chat per incident, so the bot needs ``groupChat`` scope)
            or ``channel`` (a thread per incident in the safety team's channel).
        version: ``MAJOR.MINOR.PATCH``; raise it on every new upload.
        name: the short name Teams shows (at most 30 characters).
        developer_name: who publishes the app inside the school (at most 32 characters).
        website: https page about the app; also the privacy and terms pages unless those are given.

    Raises:
        PackageError: an argument Teams would refuse, with what to do instead.
    """
    app_id = _checked_app_id(app_id)
    if incident_space not in INCIDENT_SPACES:
        raise PackageError(f"incident_space must be one of {', '.join(INCIDENT_SPACES)}, not {incident_space!r}")
    if not _SEMVER.match(version):
        raise PackageError(f"version must look like 1.0.0 (MAJOR.MINOR.PATCH, numbers only), not {version!r}")
    name = name.strip()
    if not name or len(name) > MAX_SHORT_NAME:
        raise PackageError(f"name must be 1 to {MAX_SHORT_NAME} characters, not {len(name)}")
    developer_name = developer_name.strip()
    if not developer_name or len(developer_name) > MAX_DEVELOPER_NAME:
        raise PackageError(f"developer_name must be 1 to {MAX_DEVELOPER_NAME} characters, not {len(developer_name)}")
    urls = {"website": website, "privacy_url": privacy_url or website, "terms_url": terms_url or website}
    for label, url in urls.items():
        if not _HTTPS.match(url):
            raise PackageError(f"{label} must be an https:// address, not {url!r}")

    graph = incident_space == "graph"
    group_scopes = ["team", "groupChat"] if graph else ["team"]
    full_name = f"{name} – schoolprotocollen bij online incidenten"
    return {
        "$schema": MANIFEST_SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": "nl-nl"},
        "developer": {"name": developer_name, "websiteUrl": urls["website"], "privacyUrl": urls["privacy_url"],
                      "termsOfUseUrl": urls["terms_url"]},
        "name": {"short": name, "full": full_name if len(full_name) <= 100 else name},
        "description": {"short": "Wat moet ik doen als…? De protocollen van je school bij online incidenten.",
                        "full": _full_description(graph)},
        "icons": {"color": COLOR_ICON_FILE, "outline": OUTLINE_ICON_FILE},
        "accentColor": ACCENT_COLOR,
        "bots": [{
            "botId": app_id,
            "scopes": ["personal", *group_scopes],
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [
                {"scopes": ["personal"], "commands": [
                    _command("menu", "De protocollen en wat je me kunt vragen.",
                             "The protocols and what you can ask me."),
                    _command("help", "Hoe Protocolwijzer werkt, en de protocollen.",
                             "How Protocolwijzer works, and the protocols."),
                    _command("English", "Antwoord voortaan in het Engels.", "Answer in English from now on."),
                    _command("Nederlands", "Antwoord voortaan in het Nederlands.", "Answer in Dutch from now on."),
                ]},
                {"scopes": group_scopes, "commands": [
                    _command("menu", "De protocollen; ik antwoord je in een privéchat.",
                             "The protocols; I answer you in a private chat."),
                    _command("help", "Hoe Protocolwijzer werkt. Noem hier nooit namen.",
                             "How Protocolwijzer works. Never use names here."),
                ]},
            ],
        }],
        "composeExtensions": [{
            "botId": app_id,
            "commands": [{
                "id": MESSAGE_ACTION_ID,
                "type": "action",
                "context": ["message"],
                "title": "Vraag Protocolwijzer",
                "description": "Vraag wat je moet doen bij dit bericht (alleen de tekst). "
                               "Ask what to do about this message (text only).",
                "fetchTask": False,
            }],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
        "defaultInstallScope": "personal",
    }


def _command(title: str, nl: str, en: str) -> dict[str, str]:
    return {"title": title, "description": f"{nl} · {en}"}


def _full_description(graph: bool) -> str:
    where_nl = "in een kanaal of groepschat" if graph else "in een kanaal"
    where_en = "in a channel or group chat" if graph else "in a channel"
    space_nl = ("een privégroepschat voor het incident met alleen de mensen die het protocol noemt" if graph
                else "een eigen gesprek voor het incident in het kanaal van het veiligheidsteam")
    space_en = ("a private group chat for the incident with only the people the protocol names" if graph
                else "a thread of its own for the incident in the safety team's channel")
    return (
        "Protocolwijzer helpt medewerkers van scholen in Nederland en Vlaanderen als er online iets misgaat: een "
        "naaktfoto van een leerling die rondgaat, een anoniem roddelaccount, een groepschat die zich tegen één kind "
        "keert, een collega die grenzen overschrijdt. Stel je vraag (\"wat moet ik doen als…?\") in je chat met "
        f"Protocolwijzer, noem @Protocolwijzer {where_nl}, of kies bij een bericht … → Vraag Protocolwijzer "
        "(alleen de tekst, nooit bijlagen). Je krijgt meteen wat je nu moet doen, een paar knoppen om het advies "
        "op maat te maken en de stappen uit het eigen protocol van de school, met wie wat doet. Met \"Meld bij "
        f"coördinator\" opent de app {space_nl} (alleen een nummer, nooit namen), waarschuwt de coördinatoren tot "
        "iemand het oppakt en bereidt een briefing voor het team voor zonder namen. Protocolwijzer vraagt nooit om "
        "bestanden of afbeeldingen en downloadt ze nooit; wordt er toch een bestand gedeeld, dan waarschuwt de app."
        "\n\n"
        "Protocolwijzer guides school staff through the school's own safeguarding protocols when something goes "
        "wrong online. Ask \"what do I do if…?\" in your chat with Protocolwijzer, mention @Protocolwijzer "
        f"{where_en}, or use … → Vraag Protocolwijzer on a message (the text only, never attachments), and get what "
        "to do now, a few buttons to tailor the advice, and the next steps with who does them. Reporting opens "
        f"{space_en} (a number, never names), pings the coordinators until one takes it, and prepares a name-free "
        "team briefing. It never asks for, downloads or stores files or images; when a file is shared it warns."
    )


def _checked_app_id(app_id: str) -> str:
    cleaned = app_id.strip().lower()
    if cleaned == _NIL_GUID:
        raise PackageError("app id 00000000-0000-0000-0000-000000000000 is the example, not your bot: use the "
                           "Microsoft App ID of your Azure Bot (Azure portal → the bot → Configuration)")
    if not _GUID.match(cleaned):
        hint = " (without the '28:' prefix)" if cleaned.startswith("28:") else ""
        raise PackageError(f"app id must be the Microsoft App ID of your Azure Bot, a GUID such as "
                           f"1b2c3d4e-0000-4000-8000-123456789abc{hint}; got {app_id!r}")
    return cleaned


def package_problems(manifest: dict[str, Any]) -> list[str]:
    """What Teams would refuse in ``manifest``, one readable line each; empty when it is fine.

    The official schema (draft-04) does the bulk. Draft 4 ignores the schema's ``const`` and its
    URL pattern also allows ``http://``, so the manifest version, the semver version, https links,
    the bot id and the icon files are checked here as well.
    """
    import jsonschema  # type: ignore[import-untyped,unused-ignore]  # needed only to build or check a package

    validator = jsonschema.Draft4Validator(_schema())
    problems = [f"{_where(error.absolute_path)}: {error.message}"
                for error in sorted(validator.iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path])]
    if manifest.get("manifestVersion") != MANIFEST_VERSION:
        problems.append(f"manifestVersion: must be {MANIFEST_VERSION!r}")
    if manifest.get("$schema") != MANIFEST_SCHEMA_URL:
        problems.append(f"$schema: must be {MANIFEST_SCHEMA_URL}")
    if not _SEMVER.match(str(manifest.get("version", ""))):
        problems.append("version: must be MAJOR.MINOR.PATCH, such as 1.0.0")
    developer = manifest.get("developer")
    for key, url in developer.items() if isinstance(developer, dict) else ():
        if key.endswith("Url") and not str(url).startswith("https://"):
            problems.append(f"developer.{key}: must start with https://")
    bots = manifest.get("bots")
    for i, bot in enumerate(bots if isinstance(bots, list) else []):
        if isinstance(bot, dict) and bot.get("botId") != manifest.get("id"):
            problems.append(f"bots[{i}].botId: must be the app id {manifest.get('id')!r}")
    if manifest.get("icons") != {"color": COLOR_ICON_FILE, "outline": OUTLINE_ICON_FILE}:
        problems.append(f"icons: must be {{'color': '{COLOR_ICON_FILE}', 'outline': '{OUTLINE_ICON_FILE}'}}, "
                        "the files in the package")
    return problems


def _where(path: Iterable[str | int]) -> str:
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "manifest"


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def build_package(out: Path, **manifest_args: Any) -> Path:
    """Write the zip (manifest and icons at its root) to ``out`` and return its path.

    ``manifest_args`` are :func:`build_manifest`'s; one that is None keeps its default, so a
    command line can pass its options through as they are. ``out`` may be a folder, which then
    gets ``protocolwijzer-teams.zip``. The zip is written to a
    temporary file first and moved into place, so a failed run never leaves half a package, and
    it is byte-for-byte the same for the same arguments (fixed timestamps).

    Raises:
        PackageError: a bad argument, or a manifest the schema refuses (every problem listed).
    """
    manifest = build_manifest(**{key: value for key, value in manifest_args.items() if value is not None})
    problems = package_problems(manifest)
    if problems:
        raise PackageError("the manifest is not valid:\n" + "\n".join(f"- {p}" for p in problems))
    target = out / DEFAULT_PACKAGE_NAME if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    files = {MANIFEST_FILE: json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n",
             COLOR_ICON_FILE: color_icon(), OUTLINE_ICON_FILE: outline_icon()}
    fd, temp = tempfile.mkstemp(prefix=".teams-package-", suffix=".zip", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for filename, data in files.items():
                info = zipfile.ZipInfo(filename, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.chmod(temp, 0o644)  # mkstemp makes it private; the package holds no secret
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


# --- icons ----------------------------------------------------------------------------------------------
#
# A signpost ("wegwijzer"): a pole with a board pointing right and one pointing left, drawn in a unit
# square (y down) and sampled 4×4 times per pixel for smooth edges.

_WHITE = (255, 255, 255)
_AMBER = (242, 169, 0)
_BACKGROUND = (0x1F, 0x4E, 0x79)  # ACCENT_COLOR
_SAMPLES = 4


def _signpost(x: float, y: float) -> tuple[int, int, int] | None:
    """The colour of the glyph at (x, y) of the unit square, or None outside it."""
    if 0.22 <= x <= 0.70 and 0.18 <= y <= 0.38 or 0.70 < x <= 0.84 and abs(y - 0.28) <= 0.10 * (0.84 - x) / 0.14:
        return _WHITE                                   # upper board, pointing right
    if 0.30 <= x <= 0.78 and 0.46 <= y <= 0.66 or 0.16 <= x < 0.30 and abs(y - 0.56) <= 0.10 * (x - 0.16) / 0.14:
        return _AMBER                                   # lower board, pointing left
    if 0.455 <= x <= 0.545 and 0.10 <= y <= 0.88 or 0.34 <= x <= 0.66 and 0.84 <= y <= 0.90:
        return _WHITE                                   # pole and its foot
    return None


def _coverage(size: int, inset: float, pixel: Callable[[list[tuple[int, int, int] | None]], bytes]) -> bytes:
    """Raw PNG scanlines (filter byte 0 each) of the glyph scaled into the square minus ``inset``."""
    scale = 1.0 - 2 * inset
    offsets = [(i + 0.5) / _SAMPLES for i in range(_SAMPLES)]
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        ys = [((py + oy) / size - inset) / scale for oy in offsets]
        for px in range(size):
            xs = [((px + ox) / size - inset) / scale for ox in offsets]
            rows += pixel([_signpost(x, y) for y in ys for x in xs])
    return bytes(rows)


def _blend_on_background(samples: list[tuple[int, int, int] | None]) -> bytes:
    colours = [s or _BACKGROUND for s in samples]
    return bytes(round(sum(c[i] for c in colours) / len(colours)) for i in range(3))


def _white_with_alpha(samples: list[tuple[int, int, int] | None]) -> bytes:
    alpha = round(255 * sum(s is not None for s in samples) / len(samples))
    return bytes((255, 255, 255, alpha))


@functools.cache
def color_icon() -> bytes:
    """192×192 PNG, full colour: the signpost in white and amber on the accent blue, edge to edge."""
    return _png(COLOR_ICON_SIZE, COLOR_ICON_SIZE, 2, _coverage(COLOR_ICON_SIZE, 0.16, _blend_on_background))


@functools.cache
def outline_icon() -> bytes:
    """32×32 PNG (RGBA): the signpost in white on a fully transparent background, as Teams requires."""
    return _png(OUTLINE_ICON_SIZE, OUTLINE_ICON_SIZE, 6, _coverage(OUTLINE_ICON_SIZE, 0.0, _white_with_alpha))


def _png(width: int, height: int, colour_type: int, scanlines: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 9))
            + chunk(b"IEND", b""))
