"""The reference documents every command, option, setting and contract field."""

import re
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from leadledger.cli import app
from leadledger.contract.schemas import Contract
from leadledger.core.config import Settings

DOCS = Path(__file__).parents[2] / "docs"


def commands(command, path):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from commands(sub, [*path, name])
    else:
        yield " ".join(path), command


ALL_COMMANDS = list(commands(typer.main.get_command(app), ["leadledger"]))


def section(text: str, heading_start: str) -> str:
    """The text of the ### section whose heading starts with ``heading_start``."""
    match = re.search(
        rf"^### `{re.escape(heading_start)}[ `].*?(?=^#{{2,3}} |\Z)", text, re.S | re.M
    )
    return match.group(0) if match else ""


@pytest.mark.parametrize(("name", "command"), ALL_COMMANDS, ids=[n for n, _ in ALL_COMMANDS])
def test_every_cli_command_and_option_is_in_the_reference(name, command):
    text = (DOCS / "cli.md").read_text()
    body = section(text, name)
    assert body, f"docs/cli.md has no '### `{name} ...`' section"
    real = {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]}
    for opt in real:
        if opt.startswith("--"):
            assert opt in body, f"{name}: option {opt} is not documented"
    documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", body))
    assert documented <= real | {"--help"}, (
        f"{name}: documented but no such option: {documented - real}"
    )


def test_there_are_commands_to_check():
    assert len(ALL_COMMANDS) >= 20


def test_every_setting_is_documented():
    text = (DOCS / "configuration.md").read_text()
    for field in Settings.model_fields:
        assert f"`LEADLEDGER_{field.upper()}`" in text, field


def field_names(model: type[BaseModel], seen: set) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for arg in getattr(info.annotation, "__args__", ()) + (info.annotation,):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    seen.add(inner)
                    names |= field_names(inner, seen)
    return names


def contract_sections(text: str) -> dict[str, str]:
    """``### `name` ...`` heading -> its text; the top level is under ``### Top level``."""
    parts = re.split(r"^### ", text, flags=re.M)[1:]
    out = {}
    for part in parts:
        heading = part.splitlines()[0]
        match = re.match(r"`(\w+)`", heading)
        out[match.group(1) if match else heading.strip().lower()] = part
    return out


def field_names_of(annotation) -> set[str]:
    models = [
        inner
        for arg in (annotation, *getattr(annotation, "__args__", ()))
        for inner in (arg, *getattr(arg, "__args__", ()))
        if isinstance(inner, type) and issubclass(inner, BaseModel)
    ]
    return set().union(*(field_names(m, set()) for m in models)) if models else set()


def test_every_contract_field_is_explained_in_its_section():
    sections = contract_sections((DOCS / "contract.md").read_text())
    checked = 0
    for name, info in Contract.model_fields.items():
        nested = field_names_of(info.annotation)
        where = sections.get(name) if nested else sections.get("top level")
        assert where, f"docs/contract.md has no section for '{name}'"
        for field in nested or {name}:
            explained = any(f in where for f in (f"`{field}`", f"`{field}[]", f"[].{field}`"))
            assert explained, f"{name}.{field} is not explained in its section"
            checked += 1
    assert checked > 60
