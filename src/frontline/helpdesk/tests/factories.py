"""Builders for question-desk tests, through the real services."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from frontline.core.testing import PASSWORD
from frontline.helpdesk import services


def office_user(tree, username: str = "district_b"):
    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console

    user = User.objects.create_user(username=username, password=PASSWORD)
    role_grant_from_console(user=user, role="district_staff", jurisdiction=tree.jurisdictions["110101"])
    return user


def roster(tree, *, backup=None, leader_slot: bool = False, hours: int = 12):
    """The district user on duty now, optionally a backup and a leader slot."""
    now = timezone.now()
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=hours)
    actor = tree.users["district"]
    office = tree.jurisdictions["110101"]
    slots = [services.duty_slot_create(actor=actor, jurisdiction=office, user=actor,
                                       position="primary", starts_at=start, ends_at=end)]
    if backup is not None:
        slots.append(services.duty_slot_create(actor=actor, jurisdiction=office, user=backup,
                                               position="backup", starts_at=start, ends_at=end))
    if leader_slot:
        slots.append(services.duty_slot_create(actor=actor, jurisdiction=office,
                                               user=tree.users["leader"], position="leader",
                                               starts_at=start, ends_at=end))
    return slots


def ask(tree, username: str = "street", *, street: str = "110101001", **kwargs):
    kwargs.setdefault("text", "客人要求换房间，怎么办？")
    if username == "hotel":
        kwargs.setdefault("place", tree.places["hotel"])
    else:
        kwargs.setdefault("jurisdiction", tree.jurisdictions[street])
    return services.question_ask(actor=tree.users[username], **kwargs)


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


PDF_BYTES = (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
