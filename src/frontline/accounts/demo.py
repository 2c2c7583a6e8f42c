"""Demo accounts: one for every role, all with the same demo password (printed by make run)."""

from __future__ import annotations

from frontline.accounts.models import User
from frontline.accounts.roles import Role
from frontline.accounts.services import role_grant_from_console
from frontline.areas.models import Jurisdiction, Place, PlaceKind

DEMO_PASSWORD = "frontline-demo-2026"  # noqa: S105 - demo data only, printed for the user

# username, display name, role, division code or place kind
DEMO_USERS = [
    ("city", "北京市外办(演示)", Role.CITY_OFFICE, "11"),
    ("district", "东城区外办 王晓(演示)", Role.DISTRICT_STAFF, "110101"),
    ("leader", "东城区领导 李华(演示)", Role.DISTRICT_LEADER, "110101"),
    ("street", "东华门街道 张敏(演示)", Role.STREET_STAFF, "110101001"),
    ("street2", "景山街道 刘洋(演示)", Role.STREET_STAFF, "110101002"),
    ("community", "多福巷社区 陈静(演示)", Role.COMMUNITY_WORKER, "110101001001"),
    ("registrar", "分流点登记员 赵磊(演示)", Role.REGISTRAR, PlaceKind.TRANSFER_POINT),
    ("hotel", "观察酒店值班 孙丽(演示)", Role.HOTEL_STAFF, PlaceKind.OBSERVATION_HOTEL),
    ("linguist", "外语人才库 周杰(演示)", Role.LINGUIST, "110101"),
    ("translator", "翻译 吴芳(演示)", Role.TRANSLATOR, "110101"),
    ("proofreader", "校对 郑强(演示)", Role.PROOFREADER, "110101"),
]


def load(*, stdout) -> None:
    created = 0
    for username, display_name, role, where in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display_name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        if where in PlaceKind.values:
            place = Place.objects.filter(kind=where).order_by("id").first()
            role_grant_from_console(user=user, role=role, place=place)
        else:
            role_grant_from_console(user=user, role=role,
                                    jurisdiction=Jurisdiction.objects.get(code=where))
    stdout.write(f"accounts: {created} demo accounts added")
