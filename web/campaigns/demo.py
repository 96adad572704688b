"""The bundled example campaigns (examples/*.yaml) as campaigns of the demo agency, for `vanban serve --demo`."""

from __future__ import annotations

from web.accounts.models import Agency
from web.campaigns.models import Campaign
from web.campaigns.services import save_source


def load_demo_campaigns(agency: Agency) -> list[Campaign]:
    """Each example once, byte for byte as shipped, checked like any saved campaign; a campaign the visitor has
    already changed is left as it is."""
    from letters.usecases.documents import bundled_examples

    loaded = []
    for path in bundled_examples():
        existing = Campaign.objects.filter(agency=agency, slug=path.stem).first()
        if existing is not None:
            loaded.append(existing)
            continue
        campaign = Campaign(agency=agency, slug=path.stem, title="", year=0)
        save_source(
            campaign,
            path.read_text(encoding="utf-8"),
            action="nhap_yaml",
            reason=f"Nạp hồ sơ mẫu {path.name}",
            after={"tep": path.name},
            note="vanban serve --demo",
        )
        loaded.append(campaign)
    return loaded
