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
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in body, f"{name}: option {opt} is not documented"


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


def test_every_contract_field_is_explained():
    text = (DOCS / "contract.md").read_text()
    names = field_names(Contract, set())
    assert {
        "half_life_days",
        "min_fit_grade",
        "reason_lists",
        "qualification_owner",
        "from",
    } <= names
    missing = sorted(
        n
        for n in names
        if f"`{n}`" not in text and f"`{n}[]" not in text and f"[].{n}`" not in text
    )
    assert missing == []
