"""When a user's password was last set; a password someone else set expires unused after
settings.INITIAL_PASSWORD_VALID_HOURS. Accounts already waiting for their first own password
get a full period from this migration."""

from django.db import migrations, models
from django.db.models.functions import Now


def start_the_period(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(password_change_required=True).update(password_set_at=Now())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_session")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="password_set_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       verbose_name="password set at"),
        ),
        migrations.RunPython(start_the_period, migrations.RunPython.noop),
    ]
