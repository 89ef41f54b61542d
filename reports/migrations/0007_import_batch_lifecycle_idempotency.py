"""The import log row is written "running" first and finished later (a killed request
leaves a row the sweeper marks failed); Idempotency-Key and X-Request-ID are recorded."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_metric_run_requested_queued"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=255, verbose_name="idempotency key"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="request_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="request id"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="request_sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="request digest"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="response",
            field=models.JSONField(blank=True, null=True, verbose_name="response"),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="http_status",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="HTTP status"
            ),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("applied", "Applied"),
                    ("rejected", "Rejected"),
                    ("failed", "Failed"),
                ],
                default="running",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="importbatch",
            index=models.Index(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=["user", "idempotency_key", "received_at"],
                name="importbatch_idempotency",
            ),
        ),
        migrations.AddIndex(
            model_name="importbatch",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["received_at"],
                name="importbatch_running",
            ),
        ),
    ]
