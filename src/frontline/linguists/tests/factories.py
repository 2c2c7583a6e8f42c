"""Builders for pool tests, going through the real services."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from frontline.linguists import services

_names = itertools.count(1)


def make_member(tree, *, name=None, unit="110101001", languages=(("en", 4, 4, 4, 4),),
                actor="district", user=None, **fields):
    name = name or f"DEMO member {next(_names)}"
    member = services.linguist_create(
        actor=tree.users[actor], name=name, unit=tree.jurisdictions[unit],
        user=tree.users[user] if isinstance(user, str) else user, **fields)
    for language, li, sp, re, wr, *pool in languages:
        services.language_set(actor=tree.users[actor], linguist=member, language=language,
                              listening=li, speaking=sp, reading=re, writing=wr,
                              in_reserve_pool=bool(pool and pool[0]))
    return member


def make_post(tree, *, name="Street desk", kind="street_desk", code="110101001", place=None,
              actor="district", essential=False):
    return services.post_create(actor=tree.users[actor], name=name, kind=kind,
                                jurisdiction=tree.jurisdictions[code],
                                place=tree.places[place] if place else None,
                                essential=essential)


def window(start_hours=24, hours=8):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(
        hours=start_hours)
    return start, start + datetime.timedelta(hours=hours)


def make_need(tree, post=None, *, language="en", start_hours=24, hours=8, people=1,
              actor="district", **minimums):
    post = post or make_post(tree)
    start, end = window(start_hours, hours)
    return services.need_create(actor=tree.users[actor], post=post, language=language,
                                starts_at=start, ends_at=end, people=people, **minimums)
