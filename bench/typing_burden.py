"""How much of each example letter its user had to type, and how close the letters come without it.

For every bundled example: the characters typed as wording (`documents.<kind>.wording` values and
`sections[].text`/`title`) divided by the characters of the rendered body; the similarity of the rendered letter
to the real letter it reproduces (the measure of tests/test_render_nd30.py), with the typed wording and with all of
it stripped from a copy of the file (variant choices, hidden sections and facts kept); and the facts of the
campaign that neither the Kế hoạch nor the công văn states (there should be none).

Run: .venv/bin/python bench/typing_burden.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from letters.campaign.load import load_campaign  # noqa: E402
from letters.campaign.model import PLANNING_KINDS, Campaign, DocumentKind  # noqa: E402
from letters.documents import wording  # noqa: E402
from letters.documents.builders import build  # noqa: E402
from letters.documents.coverage import document_text, missing_facts  # noqa: E402
from tests.docx_read import seed_body, similarity  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# The real letter each example reproduces; phutho-2026 reproduces none (its letters come from facts alone).
REAL_LETTERS = {
    "bacgiang-2023": (DocumentKind.KE_HOACH, "bacgiang-2023-ke-hoach.txt"),
    "brvt-2024": (DocumentKind.CONG_VAN, "brvt-2024-cong-van-huong-dan.txt"),
    "gialai-2023": (DocumentKind.CONG_VAN, "gialai-2023-cong-van-2138.txt"),
}


def typed_chars(campaign: Campaign, kind: DocumentKind) -> int:
    spec = campaign.document(kind)
    count = sum(len(text or "") for text in spec.wording.values())
    for change in spec.sections:
        count += len(change.text or "") + len(change.title or "")
    return count


def body(campaign: Campaign, kind: DocumentKind) -> str:
    return "\n".join(b.text for b in build(campaign, kind).blocks)


def strip_typed(data: dict[str, Any]) -> dict[str, Any]:
    """The campaign file with every typed sentence removed: overrides gone, added sections gone."""
    for kind, spec in (data.get("documents") or {}).items():
        if not isinstance(spec, dict):
            continue
        spec.pop("wording", None)
        keys = set(wording.section_keys(kind))
        kept = []
        for change in spec.get("sections") or []:
            if change.get("id") not in keys:
                continue
            change = {k: v for k, v in change.items() if k not in ("text", "title")}
            if set(change) - {"id"}:
                kept.append(change)
        if "sections" in spec:
            spec["sections"] = kept
    return data


def stripped_campaign(path: Path, folder: Path) -> Campaign:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = folder / path.name
    target.write_text(
        yaml.safe_dump(strip_typed(data), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return load_campaign(target)


def main() -> int:
    rows = []
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(EXAMPLES.glob("*.yaml")):
            campaign = load_campaign(path)
            bare = stripped_campaign(path, Path(tmp))
            texts = [document_text(build(campaign, k)) for k in PLANNING_KINDS]
            missing = missing_facts(campaign, texts)
            failures += len(missing)
            typed_all = sum(typed_chars(campaign, k) for k in PLANNING_KINDS)
            if path.stem in REAL_LETTERS:
                kind, seed = REAL_LETTERS[path.stem]
                text = body(campaign, kind)
                real = seed_body(seed)
                share = typed_chars(campaign, kind) / len(text)
                with_typed = similarity(text, real)
                without = similarity(body(bare, kind), real)
                label = kind.value
            else:
                kind = DocumentKind.CONG_VAN
                share = typed_all / sum(len(body(campaign, k)) for k in PLANNING_KINDS)
                with_typed = without = float("nan")
                label = "(mọi văn bản)"
            rows.append((path.stem, label, share, with_typed, without, typed_all, missing))
    print(
        f"{'hồ sơ':<15} {'văn bản':<14} {'gõ/thân':>8} {'giống, có gõ':>13} {'giống, không gõ':>16}  thông tin không văn bản nào nêu"
    )
    for name, label, share, with_typed, without, _, missing in rows:
        sims = "—" if with_typed != with_typed else f"{with_typed:.3f}"
        stripped = "—" if without != without else f"{without:.3f}"
        facts = ", ".join(f"{m.field} ({m.value})" for m in missing) or "không có"
        print(f"{name:<15} {label:<14} {share:>7.1%} {sims:>13} {stripped:>16}  {facts}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
