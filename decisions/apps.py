from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decision criteria"

    def ready(self) -> None:
        from decisions import checks, signals  # noqa: F401  (registers the contract check, connects the version bump)
