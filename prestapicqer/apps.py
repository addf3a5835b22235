from django.apps import AppConfig


class PrestaPicqerConfig(AppConfig):
    name = "prestapicqer"
    verbose_name = "Configuration"
