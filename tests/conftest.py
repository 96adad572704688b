from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from letters.campaign.load import load_campaign
from letters.documents.render import render_documents

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def rendered_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Every example campaign rendered once: {example: {kind: docx path}}."""
    out = tmp_path_factory.mktemp("examples")
    result: dict[str, dict[str, Path]] = {}
    for example in sorted(EXAMPLES.glob("*.yaml")):
        campaign = load_campaign(example)
        docs = render_documents(campaign, out / example.stem)
        result[example.stem] = {r.kind.value: r.path for r in docs}
    return result


@pytest.fixture()
def example_copy(tmp_path: Path) -> Path:
    """A private copy of the examples folder, for tests that edit a campaign file."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target
