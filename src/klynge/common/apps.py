from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "klynge.common"
    label = "common"

    def ready(self) -> None:
        from klynge.common import checks  # noqa: F401 - registers the deployment checks
