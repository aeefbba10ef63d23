from django.db import migrations


def load_domains(apps, schema_editor):
    from zhifa.registry.domains import DOMAINS

    Domain = apps.get_model("registry", "Domain")
    for order, (code, name) in enumerate(DOMAINS):
        Domain.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load_domains, migrations.RunPython.noop)]
