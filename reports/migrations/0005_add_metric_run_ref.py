"""Every metric row names the recompute that computed it, and when.

Existing rows have neither; the fingerprints are blanked so the next recompute (nightly or
POST /api/v1/metrics/runs/) recomputes every period and stamps every row.
"""

import django.db.models.deletion
from django.db import migrations, models


def blank_fingerprints(apps, schema_editor):
    apps.get_model("reports", "PortfolioMetric").objects.update(fingerprint="")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_add_export_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountmetric",
            name="computed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="computed"),
        ),
        migrations.AddField(
            model_name="accountmetric",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="reports.metricrun",
                verbose_name="metric run",
            ),
        ),
        migrations.AddField(
            model_name="portfoliometric",
            name="computed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="computed"),
        ),
        migrations.AddField(
            model_name="portfoliometric",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="reports.metricrun",
                verbose_name="metric run",
            ),
        ),
        # Reversing leaves the blank fingerprints: the next run recomputes, nothing is lost.
        migrations.RunPython(blank_fingerprints, migrations.RunPython.noop),
    ]
