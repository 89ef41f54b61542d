"""A recompute can be asked for through the API: a "queued" state, who asked and when."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_add_metric_run_ref"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="metricrun",
            name="requested_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="requested"),
        ),
        migrations.AddField(
            model_name="metricrun",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="requested by",
            ),
        ),
        migrations.AlterField(
            model_name="metricrun",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="started"),
        ),
        migrations.AlterField(
            model_name="metricrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("success", "Success"),
                    ("skipped", "Skipped"),
                    ("failed", "Failed"),
                ],
                default="running",
                max_length=16,
                verbose_name="status",
            ),
        ),
    ]
