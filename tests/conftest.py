from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from letters.campaign.load import load_campaign
from letters.documents.render import render_documents

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# The team's shared reference data (reference documents, seeds, test corpus) lives beside the repository and
# is never copied into it; CI lays a copy there too. VANBAN_SHARED points elsewhere (or at nothing, to check
# that its absence fails loudly).
SHARED = Path(os.environ.get("VANBAN_SHARED") or REPO.parent / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """A path inside the shared reference data. Missing data fails the test, never skips it: a run without it
    would pass while testing less than it claims."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"shared reference data missing: {path} does not exist. Lay the team's shared/ folder beside "
            f"the repository ({REPO.parent / 'shared'}) or set VANBAN_SHARED to its path.",
            pytrace=False,
        )
    return path


def copy_checkout(target: Path) -> Path:
    """The checkout as a fresh clone would have it, with the working tree's content: tracked and untracked
    (not ignored) files, so no .venv, no outputs/, no caches. Modification times are kept, which the
    Makefile's install stamp relies on."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in sorted(set(filter(None, listing.split("\0")))):
        source = REPO / name
        if not source.is_file():  # deleted in the working tree, not yet committed
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name, follow_symlinks=False)
    return target


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
