"""Containers: a Dockerfile through hadolint; Kubernetes manifests through kubernetes-validate --strict, and
their selectors against their pods' labels."""

import json

from decisions.configs.validate.checks import Check, executable, output, require_module

HADOLINT_FAILING_LEVELS = {"error", "warning"}  # info and style findings are reported, not failed
KUBERNETES_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}


def check_dockerfile(check: Check, filename: str, content: str, app: str | None) -> None:
    hadolint = executable("hadolint")
    check.write(filename, content)
    # An empty rule set of our own, so that a hadolint config in this user's home cannot change the verdict.
    settings = check.write("serverwise-hadolint.yaml", "ignored: []\n")
    result = check.run([hadolint, "--config", settings, "--no-fail", "--no-color", "--format", "json", filename])
    if result.returncode:
        check.problem(output(result))
        return
    for finding in json.loads(result.stdout or "[]"):
        text = f"line {finding['line']}: {finding['code']} ({finding['level']}) {finding['message']}"
        (check.problem if finding["level"] in HADOLINT_FAILING_LEVELS else check.note)(text)


def check_kubernetes(check: Check, filename: str, content: str, app: str | None) -> None:
    tool = executable("kubernetes-validate")
    require_module("yaml", "PyYAML")
    import yaml

    check.write(filename, content)
    result = check.run([tool, "--strict", filename])
    entries: list[str] = []
    for line in output(result).splitlines():
        if line.startswith(("INFO ", "WARN ", "ERROR ")) or not entries:
            entries.append(line)
        else:
            entries[-1] += f" {line.strip()}"
    for entry in entries:
        (check.note if entry.startswith("INFO ") else check.problem)(entry)
    if result.returncode and not check.problems:
        check.problem(f"kubernetes-validate failed with exit status {result.returncode}")
    try:
        documents = [document for document in yaml.safe_load_all(content) if isinstance(document, dict)]
    except yaml.YAMLError:
        return  # kubernetes-validate has said why
    _check_selectors(check, documents)


def _check_selectors(check: Check, documents: list[dict]) -> None:
    """The API server rejects a selector that misses the pod labels; a Service that selects no pod sends nothing."""
    pod_labels = []
    for document in documents:
        if document.get("kind") not in KUBERNETES_WORKLOADS:
            continue
        name = f"{document['kind']} {(document.get('metadata') or {}).get('name')}"
        spec = document.get("spec") or {}
        wanted = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        pod_labels.append(labels)
        if any(labels.get(key) != value for key, value in wanted.items()):
            check.problem(
                f"{name}: spec.selector.matchLabels {wanted} does not match spec.template.metadata.labels {labels}"
            )
    for document in documents:
        if document.get("kind") != "Service" or not pod_labels:
            continue
        name = f"Service {(document.get('metadata') or {}).get('name')}"
        selector = (document.get("spec") or {}).get("selector") or {}
        if not selector:
            check.problem(f"{name} has no selector: it sends traffic to none of the pods in this file")
        elif not any(all(labels.get(key) == value for key, value in selector.items()) for labels in pod_labels):
            check.problem(f"{name} selects {selector}, which no pod in this file carries")
