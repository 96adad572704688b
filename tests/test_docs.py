"""The docs stay true: every environment variable documented, the campaign-file reference current and complete."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from letters.campaign import reference
from letters.campaign.model import SECTION_MODELS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ENV_VAR = re.compile(r"\bVANBAN_[A-Z0-9_]+")


def _code_env_vars() -> set[str]:
    found: set[str] = set()
    for folder in ("letters", "signing", "web", "tests", "bench", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".sh") and path.is_file():
                found.update(ENV_VAR.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_documented() -> None:
    used = _code_env_vars()
    assert "VANBAN_PIN" in used  # the scan itself works
    page = (DOCS / "environment.md").read_text(encoding="utf-8")
    documented = set(ENV_VAR.findall(page))
    missing = sorted(v for v in used if f"`{v}`" not in page)
    assert not missing, f"document these in docs/environment.md: {missing}"
    stale = sorted(documented - used)
    assert not stale, f"docs/environment.md names variables the code no longer reads: {stale}"


def test_campaign_reference_is_current() -> None:
    committed = (DOCS / "campaign-file.md").read_text(encoding="utf-8")
    assert reference.campaign_reference() == committed, "run `make docs` and commit docs/campaign-file.md"


def _models() -> list[type[BaseModel]]:
    """Every model a campaign file can contain, reached from the sections."""
    found: list[type[BaseModel]] = []

    def walk(tp: typing.Any) -> None:
        bare, _ = reference._unwrap(tp)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            if bare not in found:
                found.append(bare)
                for info in bare.model_fields.values():
                    walk(info.annotation)
            return
        for arg in typing.get_args(bare):
            walk(arg)

    for model in SECTION_MODELS.values():
        walk(model)
    return found


def _vietnamese(text: str) -> bool:
    return any(ord(ch) > 127 and ch.isalpha() for ch in text)


def test_every_section_has_a_vietnamese_title() -> None:
    for name, info in reference.section_models():
        assert info.title and _vietnamese(info.title), f"Campaign.{name} needs a Vietnamese title"


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_field_is_described_in_the_reference(model: type[BaseModel]) -> None:
    page = reference.campaign_reference()
    for name, info in model.model_fields.items():
        text = reference.description(info)
        assert text and _vietnamese(text), f"{model.__name__}.{name} needs a Vietnamese title or description"
        assert f"| `{name}` | {text} |" in page, f"{model.__name__}.{name} is missing from the reference"


def test_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("docs/architecture.md", "docs/environment.md", "docs/campaign-file.md"):
        assert (ROOT / page).is_file()
        assert f"({page})" in readme, f"README.md should link {page}"
