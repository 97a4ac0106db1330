from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "klynge.common"
    label = "common"
