"""A plan's revenue target is the sum of its account's targets for the plan's year (issue
15), not a number of its own. Before the column goes, a plan's number that no target holds
yet becomes a draft annual target of its account's year, so nothing a KAM typed is lost."""

from django.db import migrations


def plan_targets_to_targets(apps, schema_editor):
    AccountPlan = apps.get_model("plans", "AccountPlan")
    Target = apps.get_model("plans", "Target")
    taken = set(Target.objects.values_list("account_id", "year"))
    new = []
    plans = (
        AccountPlan.objects.filter(revenue_target__isnull=False)
        .order_by("account_id", "-period_start", "-pk")
        .values_list("account_id", "period_start", "revenue_target", "owner_id")
    )
    for account_id, start, amount, owner_id in plans:
        key = (account_id, start.year)
        if key in taken:  # the account's year has targets already, or a later plan gave one
            continue
        taken.add(key)
        new.append(
            Target(
                account_id=account_id,
                year=start.year,
                revenue_target=amount,
                status="draft",
                set_by_id=owner_id,
            )
        )
    Target.objects.bulk_create(new, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("plans", "0004_search_indexes")]

    operations = [
        migrations.RunPython(plan_targets_to_targets, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="accountplan", name="plan_revenue_target_non_negative"
        ),
        migrations.RemoveField(model_name="accountplan", name="revenue_target"),
        migrations.RemoveField(model_name="historicalaccountplan", name="revenue_target"),
    ]
