"""The Teams app package: a manifest the official 1.24 schema accepts in both incident-space modes,
the two icons Teams asks for (decoded here by hand, no imaging library), and exactly three files at
the zip's root. A bad app id is refused before anything is written."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest

from adapters.teams.package import (
    ACCENT_COLOR,
    MESSAGE_ACTION_ID,
    SCHEMA_PATH,
    PackageError,
    build_manifest,
    build_package,
    color_icon,
    outline_icon,
    package_problems,
)

APP_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
SHARED_SCHEMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "schemas" / "teams-manifest-1.24.schema.json"
MODES = ["graph", "channel"]


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


# --- the manifest -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_manifest_validates_against_the_official_schema(mode: str) -> None:
    manifest = build_manifest(app_id=APP_ID, incident_space=mode)
    assert schema_errors(manifest) == []
    assert package_problems(manifest) == []
    assert manifest["$schema"] == "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json"
    assert manifest["manifestVersion"] == "1.24"
    assert manifest["id"] == APP_ID and manifest["version"] == "1.0.0"
    assert manifest["accentColor"] == ACCENT_COLOR
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["permissions"] == ["identity", "messageTeamMembers"] and manifest["validDomains"] == []
    assert manifest["localizationInfo"] == {"defaultLanguageTag": "nl-nl"}
    assert manifest["name"]["short"] == "Protocolwijzer"
    for url in manifest["developer"].values():
        assert url == manifest["developer"]["name"] or url.startswith("https://")


def test_the_vendored_schema_is_the_official_one_unchanged() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip("the shared schema folder is not next to this checkout")
    assert SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()


def test_group_chat_scope_only_for_graph_incident_chats() -> None:
    graph = build_manifest(app_id=APP_ID, incident_space="graph")["bots"]
    channel = build_manifest(app_id=APP_ID, incident_space="channel")["bots"]
    assert len(graph) == len(channel) == 1
    assert graph[0]["scopes"] == ["personal", "team", "groupChat"]
    assert channel[0]["scopes"] == ["personal", "team"]
    assert [cl["scopes"] for cl in graph[0]["commandLists"]] == [["personal"], ["team", "groupChat"]]
    assert [cl["scopes"] for cl in channel[0]["commandLists"]] == [["personal"], ["team"]]
    assert "groupChat" not in json.dumps(build_manifest(app_id=APP_ID, incident_space="channel"))


@pytest.mark.parametrize("mode", MODES)
def test_bot_commands_and_message_action(mode: str) -> None:
    manifest = build_manifest(app_id=APP_ID, incident_space=mode)
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    personal, group = bot["commandLists"]
    assert [c["title"] for c in personal["commands"]][:3] == ["menu", "help", "English"]
    assert [c["title"] for c in group["commands"]] == ["menu", "help"]
    for command in personal["commands"] + group["commands"]:
        dutch, english = command["description"].split(" · ")      # Dutch first, then English
        assert dutch and english and len(command["description"]) <= 128

    assert manifest["composeExtensions"] == [{
        "botId": APP_ID,
        "commands": [{
            "id": MESSAGE_ACTION_ID, "type": "action", "context": ["message"], "title": "Vraag Protocolwijzer",
            "description": manifest["composeExtensions"][0]["commands"][0]["description"], "fetchTask": False,
        }],
    }]
    assert MESSAGE_ACTION_ID == "askProtocolwijzer"
    assert "parameters" not in manifest["composeExtensions"][0]["commands"][0]   # no dialog: runs at once


def test_no_resource_specific_consent() -> None:
    manifest = build_manifest(app_id=APP_ID)
    assert "authorization" not in manifest and "webApplicationInfo" not in manifest


def test_descriptions_are_dutch_first_and_mention_the_incident_space() -> None:
    graph = build_manifest(app_id=APP_ID, incident_space="graph")["description"]
    channel = build_manifest(app_id=APP_ID, incident_space="channel")["description"]
    assert len(graph["short"]) <= 80 and len(graph["full"]) <= 4000
    dutch, english = graph["full"].split("\n\n")
    assert dutch.startswith("Protocolwijzer helpt") and english.startswith("Protocolwijzer guides")
    assert "groepschat voor het incident" in graph["full"]
    assert "kanaal van het veiligheidsteam" in channel["full"]


@pytest.mark.parametrize("bad", [
    "", "not-a-guid", "28:1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d", "{1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d}",
    "1b2c3d4e5f604a7b8c9d0e1f2a3b4c5d", "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5g", "00000000-0000-0000-0000-000000000000",
])
def test_a_bad_app_id_is_refused_with_a_clear_error(bad: str, tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="(?i)app id"):
        build_manifest(app_id=bad)
    with pytest.raises(PackageError, match="Microsoft App ID"):
        build_package(tmp_path / "app.zip", app_id=bad)
    assert list(tmp_path.iterdir()) == []


def test_the_app_id_is_normalised() -> None:
    manifest = build_manifest(app_id=f"  {APP_ID.upper()} ")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID


@pytest.mark.parametrize(("args", "message"), [
    ({"incident_space": "chat"}, "incident_space"),
    ({"version": "1.0"}, "version"),
    ({"version": "v1.0.0"}, "version"),
    ({"version": "01.0.0"}, "version"),
    ({"name": "Protocolwijzer voor de hele scholengroep"}, "name"),
    ({"developer_name": ""}, "developer_name"),
    ({"website": "http://school.example.nl"}, "website"),
    ({"privacy_url": "school.example.nl/privacy"}, "privacy_url"),
])
def test_other_bad_arguments_are_refused(args: dict[str, str], message: str) -> None:
    with pytest.raises(PackageError, match=message):
        build_manifest(app_id=APP_ID, **args)


def test_the_school_can_name_the_app_and_its_pages() -> None:
    manifest = build_manifest(app_id=APP_ID, name="Protocolwijzer Regenboog", version="1.2.10",
                              developer_name="OBS De Regenboog", website="https://regenboog.example.nl",
                              privacy_url="https://regenboog.example.nl/privacy")
    assert package_problems(manifest) == []
    assert manifest["name"]["short"] == "Protocolwijzer Regenboog" and manifest["version"] == "1.2.10"
    assert manifest["developer"] == {"name": "OBS De Regenboog", "websiteUrl": "https://regenboog.example.nl",
                                     "privacyUrl": "https://regenboog.example.nl/privacy",
                                     "termsOfUseUrl": "https://regenboog.example.nl"}


def test_problems_are_readable() -> None:
    manifest = build_manifest(app_id=APP_ID)
    manifest["manifestVersion"] = "1.23"
    manifest["bots"][0]["scopes"] = ["personal", "groupchat"]       # old samples' spelling
    manifest["name"]["short"] = "x" * 31
    manifest["developer"]["privacyUrl"] = "http://school.example.nl/privacy"
    manifest["composeExtensions"][0]["commands"][0]["context"] = ["messages"]
    manifest["bots"][0]["botId"] = "2b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
    del manifest["accentColor"]
    problems = package_problems(manifest)
    joined = "\n".join(problems)
    assert "bots[0].scopes[1]: 'groupchat' is not one of" in joined
    assert "name.short: " in joined and "is too long" in joined
    assert "composeExtensions[0].commands[0].context[0]: 'messages' is not one of" in joined
    assert "manifest: 'accentColor' is a required property" in joined
    assert "manifestVersion: must be '1.24'" in joined                  # draft 4 ignores the schema's const
    assert "developer.privacyUrl: must start with https://" in joined   # the schema's pattern allows http
    assert "bots[0].botId: must be the app id" in joined


def test_problems_of_a_malformed_manifest_do_not_crash() -> None:
    problems = package_problems({"developer": ["x"], "bots": "x", "icons": None})
    assert "manifest: 'id' is a required property" in problems
    assert any(p.startswith("developer: ") for p in problems) and any(p.startswith("bots: ") for p in problems)


# --- the zip ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_package_has_exactly_the_three_files_at_its_root(mode: str, tmp_path: Path) -> None:
    out = build_package(tmp_path / "protocolwijzer-teams.zip", app_id=APP_ID, incident_space=mode, version="1.0.3")
    assert out == tmp_path / "protocolwijzer-teams.zip"
    assert [p.name for p in tmp_path.iterdir()] == ["protocolwijzer-teams.zip"]     # no temporary file left
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
        assert zf.read("color.png") == color_icon()
        assert zf.read("outline.png") == outline_icon()
    assert manifest == build_manifest(app_id=APP_ID, incident_space=mode, version="1.0.3")
    assert schema_errors(manifest) == []


def test_package_into_a_folder_and_reproducibly(tmp_path: Path) -> None:
    first = build_package(tmp_path, app_id=APP_ID, name=None, version=None)     # None: the default
    assert first == tmp_path / "protocolwijzer-teams.zip"
    data = first.read_bytes()
    assert build_package(tmp_path / "sub" / "again.zip", app_id=APP_ID).read_bytes() == data


def test_an_invalid_manifest_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.teams.package as package

    real = package.build_manifest

    def broken(**args: Any) -> dict[str, Any]:
        manifest = real(**args)
        manifest["bots"][0]["scopes"].append("groupchat")
        return manifest

    monkeypatch.setattr(package, "build_manifest", broken)
    with pytest.raises(PackageError, match=r"bots\[0\]\.scopes\[3\]: 'groupchat' is not one of"):
        build_package(tmp_path / "app.zip", app_id=APP_ID)
    assert list(tmp_path.iterdir()) == []


# --- the icons ----------------------------------------------------------------------------------------


@dataclass
class Png:
    width: int
    height: int
    colour_type: int
    pixels: list[list[tuple[int, ...]]]


def decode_png(data: bytes) -> Png:
    """A small PNG reader for 8-bit RGB/RGBA, non-interlaced: chunk CRCs, IHDR and all five filters."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, compression, filtering, interlace) == (8, 0, 0, 0) and colour_type in (2, 6)
    channels = 4 if colour_type == 6 else 3
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    previous = bytearray(stride)
    pixels = []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
            else:
                assert kind == 0, f"unknown filter {kind}"
        pixels.append([tuple(line[x:x + channels]) for x in range(0, stride, channels)])
        previous = line
    return Png(width, height, colour_type, pixels)


def test_colour_icon_is_192_square_and_full_colour() -> None:
    png = decode_png(color_icon())
    assert (png.width, png.height) == (192, 192)
    colours = {pixel[:3] for row in png.pixels for pixel in row}
    accent = tuple(int(ACCENT_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    assert png.pixels[0][0][:3] == png.pixels[191][191][:3] == accent      # the accent blue, edge to edge
    assert (255, 255, 255) in colours and len(colours) > 3                 # a white glyph, more than one hue
    if png.colour_type == 6:
        assert all(pixel[3] == 255 for row in png.pixels for pixel in row)


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    png = decode_png(outline_icon())
    assert (png.width, png.height) == (32, 32)
    assert png.colour_type == 6                                            # RGBA
    assert png.pixels[0][0][3] == 0                                        # transparent background
    visible = [pixel for row in png.pixels for pixel in row if pixel[3] > 0]
    assert visible and all(pixel[:3] == (255, 255, 255) for pixel in visible)
    assert sum(pixel[3] == 255 for pixel in visible) >= 100                # a solid glyph, not a faint smudge
    assert sum(pixel[3] == 0 for row in png.pixels for pixel in row) >= 32 * 32 // 2
