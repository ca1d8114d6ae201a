from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decision criteria"

    def ready(self) -> None:
        from decisions import signals  # noqa: F401  (connects the version bump)
