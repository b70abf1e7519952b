"""The shape of the deployment files, read as text (no container engine or systemd needed):
the Dockerfile, compose.yaml and the systemd unit in deploy/."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
# The fixed contract of the README's configuration table; Python's own variables aside.
DOCUMENTED = {
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "SAMEN_DB",
    "SAMEN_CONFIG",
    "SAMEN_KEY_FILE",
}
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|APIKEY", re.I)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(args.split())))
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for instruction in dockerfile():
        if instruction[0] == "FROM":
            out.append([])
        out[-1].append(instruction)
    return out


def env_names(args: str) -> list[str]:
    return re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", args)


def test_the_image_is_built_in_stages_on_the_python_the_project_supports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    supported = SpecifierSet(project["project"]["requires-python"])
    checked = project["tool"]["mypy"]["python_version"]
    built = stages()
    assert len(built) >= 2, "a stage that builds the wheels and one that runs them"
    versions = set()
    for stage in built:
        match = re.fullmatch(r"python:(\d+\.\d+)-slim(?:-\w+)?(?: AS \w+)?", stage[0][1], re.I)
        assert match, f"a slim Python base image, not {stage[0][1]}"
        versions.add(match.group(1))
    assert len(versions) == 1, "every stage on the same Python"
    version = versions.pop()
    assert version in supported and version == checked
    final = built[-1]
    # The final stage takes the wheels from the build stage and builds nothing itself.
    assert any("from=build" in args or "--from=build" in args for _, args in final)
    assert not any(re.search(r"\bgcc\b|build-essential|poppler", args) for _, args in final)


def test_the_image_serves_a_database_server_too() -> None:
    """A school board's workers run this image against PostgreSQL: the driver, and the
    client tools that `samen backup` and `samen restore` call there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "postgresql" in project["project"]["optional-dependencies"]
    build, final = stages()[0], stages()[-1]
    assert any("'.[postgresql]'" in args for keyword, args in build if keyword == "RUN")
    runs = " ".join(args for keyword, args in final if keyword == "RUN")
    assert "'samen[postgresql]'" in runs and "postgresql-client" in runs


def test_the_image_runs_as_an_unprivileged_user_with_its_data_on_a_volume() -> None:
    final = stages()[-1]
    keywords = [keyword for keyword, _ in final]
    users = [(i, args) for i, (keyword, args) in enumerate(final) if keyword == "USER"]
    assert users, "a USER"
    last_user_at, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    starts = [i for i, keyword in enumerate(keywords) if keyword in ("CMD", "ENTRYPOINT")]
    assert starts and last_user_at < min(starts)
    volumes = " ".join(args for keyword, args in final if keyword == "VOLUME")
    assert "/data" in volumes
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert re.search(r"SAMEN_DB=/data/\S+", env)
    healthcheck = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert "--timeout=" in healthcheck[0] and '"samen", "health"' in healthcheck[0]
    assert ("CMD", '["run"]') in final and ("ENTRYPOINT", '["samen"]') in final


def test_no_secret_is_baked_into_the_image() -> None:
    for keyword, args in dockerfile():
        if keyword in ("ENV", "ARG"):
            names = env_names(args) or [args.split("=")[0]]
            assert not any(SECRET.search(name) for name in names), args
            assert set(names) <= DOCUMENTED | {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".git", ".venv", "*.db", ".env", "*.env", "samen.toml"):
        assert pattern in ignored


def test_compose_takes_the_token_from_outside_and_keeps_the_data_on_volumes() -> None:
    compose = (ROOT / "compose.yaml").read_text()
    assert "TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN:?" in compose
    assert not re.search(r"\d{6,}:[A-Za-z0-9_-]{20,}", compose), "no real token in the example"
    assert "- samen-data:/data" in compose and "read_only: true" in compose
    used = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", compose, re.M))
    assert used <= DOCUMENTED


def unit() -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in (ROOT / "deploy" / "samen.service").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
        else:
            key, _, value = line.partition("=")
            sections[current].append((key.strip(), value.strip()))
    return sections


def test_the_systemd_unit_runs_samen_unprivileged_and_confined() -> None:
    sections = unit()
    service = dict(sections["Service"])  # the last value of each key
    environment = [v for k, v in sections["Service"] if k == "Environment"]
    assert service["User"] not in ("root", "0")
    assert service["ExecStart"].endswith("/samen run")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/")
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[hardening] == "yes"
    assert service["ProtectSystem"] == "strict"
    writable = [p.lstrip("-") for p in service["ReadWritePaths"].split()]
    data = service["WorkingDirectory"]
    assert data in writable
    db = next(v.split("=", 1)[1] for v in environment if v.startswith("SAMEN_DB="))
    assert Path(db).parent == Path(data)
    # The token comes from the EnvironmentFile only, never from the unit itself.
    assert not any(SECRET.search(v) for v in environment)
    assert {v.split("=", 1)[0] for v in environment} <= DOCUMENTED
    assert dict(sections["Install"])["WantedBy"] == "multi-user.target"
    example = (ROOT / "deploy" / "samen.env.example").read_text()
    assert re.search(r"^TELEGRAM_BOT_TOKEN=", example, re.M)


def test_the_readme_documents_the_deployment() -> None:
    readme = (ROOT / "README.md").read_text()
    deploy = (ROOT / "deploy" / "README.md").read_text()
    for name in ("Dockerfile", "compose.yaml", "deploy/samen.service", "samen restore"):
        assert name in readme
    for name in ("samen.service", "compose.yaml", "samen health", "samen restore"):
        assert name in deploy
