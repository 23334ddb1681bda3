"""Build the real Dockerfile without Docker, on a stand-in base, and smoke-test the result.

Why: CI here reaches Debian's and Python's package registries but no container registry and has
no container daemon, so ``python:3.11-slim-bookworm`` cannot be pulled. Its stand-in is Debian
bookworm itself (debootstrap, whose python3 is 3.11, with ``python`` on the PATH as in the official
image). This script carries out the Dockerfile's instructions as written, stage by stage, in a
copy of that root file system (``RUN`` in a chroot, ``COPY`` from the context filtered by
``.dockerignore`` or from an earlier stage, ``ENV``, ``WORKDIR``, ``USER``), then runs what the
image contains as its user: ``protocolwijzer lint`` on the bundled playbooks, ``migrate``, and
``serve`` answering ``/healthz``; the container's own command refusing to expose the simulator.

    python3 .ci/standin_build.py --base /var/cache/pw-standin --context . --out /tmp/pw-image

Needs root (chroot, mounts). Only the instructions the Dockerfile uses are understood; anything
else stops the build with the line, so the Dockerfile cannot drift past what was checked.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: What python:3.11-slim-bookworm offers that the Dockerfile uses: python 3.11, venv, certificates, useradd.
BASE_PACKAGES = "python3,python3-venv,ca-certificates,passwd"
HOST_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
#: Docker's PATH for a container whose image sets none.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: The build's own settings (not the Dockerfile's): pip trusts the system's bundle, as the host's does.
BUILD_ENV = {"PIP_CERT": HOST_BUNDLE, "SSL_CERT_FILE": HOST_BUNDLE}


@dataclass
class Stage:
    name: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    meta: dict[str, object] = field(default_factory=dict)


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        start = start or number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((start, word.upper(), rest.strip()))
        start = 0
    return out


def expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), ""), value)


def env_pairs(arguments: str, variables: dict[str, str]) -> dict[str, str]:
    return {k: expand(v, variables) for k, _, v in (part.partition("=") for part in shlex.split(arguments))}


def ignored(relative: str, patterns: list[str]) -> bool:
    """``.dockerignore`` semantics for the patterns this project uses: the last match wins."""
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        candidates = [relative] + [relative.split("/", i + 1)[0] for i in range(relative.count("/"))]
        if body.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, body[3:]) for part in relative.split("/"))
        else:
            hit = any(fnmatch.fnmatch(c, body) for c in candidates)
        if hit:
            verdict = not negated
    return verdict


Done = subprocess.CompletedProcess[str] | subprocess.Popen[str]


def run_in(stage: Stage, command: str, *, user: str = "root", check: bool = True,
           extra_env: dict[str, str] | None = None, background: bool = False) -> Done:
    env = {"HOME": "/root" if user == "root" else stage.workdir, "PATH": DEFAULT_PATH,
           **stage.env, **(extra_env or {})}
    script = f"cd {shlex.quote(stage.workdir)} && {command}"
    argv = ["chroot", f"--userspec={user}", str(stage.root), "/usr/bin/env", "-i",
            *[f"{k}={v}" for k, v in env.items()], "/bin/sh", "-c", script]
    if background:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(argv, check=check, text=True, capture_output=True)


class Mounts:
    """/proc, /dev and the resolver inside a root file system while it is worked on."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> Mounts:
        (self.root / "proc").mkdir(exist_ok=True)
        subprocess.run(["mount", "-t", "proc", "proc", str(self.root / "proc")], check=True)
        subprocess.run(["mount", "--bind", "/dev", str(self.root / "dev")], check=True)
        shutil.copy("/etc/resolv.conf", self.root / "etc/resolv.conf")
        # This network inspects TLS with its own authority, which the host trusts: lend the host's
        # bundle while a step runs (a build setting, like a proxy; it never stays in the image).
        self.bundle = self.root / HOST_BUNDLE.lstrip("/")
        self.lent = Path(HOST_BUNDLE).exists() and self.bundle.exists()
        if self.lent:
            subprocess.run(["mount", "--bind", "-o", "ro", HOST_BUNDLE, str(self.bundle)], check=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        points = (["dev", "proc"] + ([HOST_BUNDLE.lstrip("/")] if self.lent else []))
        for point in reversed(points):
            subprocess.run(["umount", "-l", str(self.root / point)], check=False)


def unmount_under(path: Path) -> None:
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for point in sorted((m for m in mounts if m.startswith(str(path.resolve()) + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)


def make_base(base: Path) -> None:
    """Debian bookworm with python3 3.11, ``python`` where the official image has it."""
    if not (base / "usr/bin/python3").exists():
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", "bookworm", str(base),
                        "http://deb.debian.org/debian"], check=True, stdout=subprocess.DEVNULL)
    elif not (base / "usr/sbin/useradd").exists():  # a base made before passwd was on the list
        with Mounts(base):
            subprocess.run(["chroot", str(base), "apt-get", "install", "-y", "-qq", "passwd"], check=True,
                           stdout=subprocess.DEVNULL)
    subprocess.run(["chroot", str(base), "apt-get", "clean"], check=True)
    python = base / "usr/local/bin/python"
    if not python.is_symlink():
        python.parent.mkdir(parents=True, exist_ok=True)
        os.symlink("/usr/bin/python3", python)


def copy_into(stage: Stage, sources: list[Path], dest: str, context: Path | None, patterns: list[str]) -> None:
    """COPY: files into ``dest`` (a directory when it ends in / or there are several), a directory's
    contents into ``dest``; from the context, what ``.dockerignore`` excludes stays out."""
    target = stage.root / str(Path(stage.workdir, dest)).lstrip("/")

    def skip(folder: str, names: list[str]) -> set[str]:
        if context is None:
            return set()
        return {n for n in names if ignored((Path(folder) / n).relative_to(context).as_posix(), patterns)}

    for source in sources:
        if context is not None and ignored(source.relative_to(context).as_posix(), patterns):
            raise SystemExit(f"COPY {source.relative_to(context)}: excluded by .dockerignore")
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, ignore=skip, dirs_exist_ok=True)
        else:
            out = target / source.name if dest.endswith("/") or len(sources) > 1 else target
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out)


def build(base: Path, context: Path, out: Path) -> Stage:
    text = (context / "Dockerfile").read_text(encoding="utf-8")
    patterns = [p.strip() for p in (context / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    if out.exists():
        unmount_under(out)  # a build killed mid-step may have left /dev or /proc mounted in there
        subprocess.run(["rm", "-rf", "--one-file-system", str(out)], check=True)
    out.mkdir(parents=True)
    for number, word, rest in instructions(text):
        where = f"Dockerfile:{number}: {word}"
        if word == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
        elif word == "FROM":
            parts = rest.split()
            image = expand(parts[0], args)
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else f"stage{len(stages)}"
            root = out / name
            if image in stages:
                subprocess.run(["cp", "-a", str(stages[image].root), str(root)], check=True)
            elif image.startswith("python:3.11-slim"):
                subprocess.run(["cp", "-a", str(base), str(root)], check=True)  # device nodes included
            else:
                raise SystemExit(f"{where}: no stand-in for {image}")
            stage = stages[name] = Stage(name, root)
            print(f"== {where} {image} (stand-in: Debian bookworm, python3 3.11)", flush=True)
        elif stage is None:
            raise SystemExit(f"{where} before FROM")
        elif word == "ENV":
            stage.env.update(env_pairs(rest, {"PATH": DEFAULT_PATH, **stage.env}))
        elif word == "WORKDIR":
            stage.workdir = expand(rest, stage.env)
            (stage.root / stage.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            parts = shlex.split(rest)
            origin = next((p.split("=", 1)[1] for p in parts if p.startswith("--from=")), None)
            parts = [p for p in parts if not p.startswith("--")]
            *sources, dest = parts
            if origin is not None:
                paths = [stages[origin].root / s.lstrip("/") for s in sources]
                copy_into(stage, paths, dest, None, patterns)
            else:
                copy_into(stage, [context / s for s in sources], dest, context, patterns)
        elif word == "RUN":
            print(f"== {where}", flush=True)
            with Mounts(stage.root):
                done = run_in(stage, rest, check=False, extra_env=BUILD_ENV)
            assert isinstance(done, subprocess.CompletedProcess)
            if done.returncode:
                raise SystemExit(f"{where} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        elif word == "USER":
            stage.user = rest
        elif word in ("VOLUME", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "LABEL"):
            stage.meta[word] = rest
        else:
            raise SystemExit(f"{where}: not understood by the stand-in builder")
    assert stage is not None
    (out / "image.json").write_text(json.dumps({"env": stage.env, "user": stage.user, "workdir": stage.workdir,
                                                "meta": stage.meta}, indent=2))
    return stage


def size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def smoke(stage: Stage) -> None:
    """What the image holds, run as its user: lint, migrate, a server answering /healthz, and
    the default command refusing to expose the simulator without a login."""
    cmd = json.loads(str(stage.meta["CMD"]))
    health = json.loads(str(stage.meta["HEALTHCHECK"]).split("CMD", 1)[1])
    assert stage.user != "root", "the image runs as root"
    with Mounts(stage.root):
        whoami = run_in(stage, "id -u", user=stage.user)
        assert isinstance(whoami, subprocess.CompletedProcess) and whoami.stdout.strip() != "0"
        lint = run_in(stage, "protocolwijzer lint", user=stage.user, check=False)
        assert isinstance(lint, subprocess.CompletedProcess)
        print(lint.stdout.strip() or lint.stderr.strip())
        assert lint.returncode == 0, lint.stderr
        migrated = run_in(stage, "protocolwijzer migrate", user=stage.user, check=False)
        assert isinstance(migrated, subprocess.CompletedProcess) and migrated.returncode == 0, migrated.stderr
        print(migrated.stdout.strip())
        refused = run_in(stage, " ".join(shlex.quote(c) for c in cmd), user=stage.user, check=False)
        assert isinstance(refused, subprocess.CompletedProcess)
        assert refused.returncode == 1 and "--allow-remote" in refused.stderr, refused.stderr
        print("the default command, with no platform set, refuses to expose the simulator: ok")
        server = run_in(stage, "exec protocolwijzer serve --port 39780", user=stage.user,
                        extra_env={"PORT": "39780"}, background=True)
        assert isinstance(server, subprocess.Popen)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen("http://127.0.0.1:39780/healthz", timeout=2) as response:
                        print(f"/healthz: {response.status} {response.read().decode()}")
                        break
                except OSError as exc:
                    if time.monotonic() > deadline or server.poll() is not None:
                        said = server.stdout.read() if server.stdout else ""
                        raise SystemExit(f"serve did not answer /healthz:\n{said}") from exc
                    time.sleep(0.5)
            probe = run_in(stage, " ".join(shlex.quote(c) for c in health), user=stage.user, check=False,
                           extra_env={"PORT": "39780"})
            assert isinstance(probe, subprocess.CompletedProcess) and probe.returncode == 0, probe.stderr
            print("HEALTHCHECK command: ok")
        finally:
            server.terminate()
            server.wait(timeout=15)
        assert server.returncode == 0, f"serve exited {server.returncode} on SIGTERM"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--context", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("standin_build: needs root (chroot, mounts)", file=sys.stderr)
        return 1
    make_base(options.base)
    began = time.monotonic()
    final = build(options.base, options.context.resolve(), options.out)
    print(f"built in {time.monotonic() - began:.0f} s; image file system {size(final.root) / 1e6:.0f} MB "
          f"(stand-in base {size(options.base) / 1e6:.0f} MB; the app's virtual environment "
          f"{size(final.root / 'opt/protocolwijzer') / 1e6:.0f} MB)")
    smoke(final)
    print("stand-in image: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
