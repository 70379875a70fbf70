"""deploy/helm/frontdesk rendered with values.yaml (tests/deploy/helm_subset.py: Helm is not
installed here): every template is Kubernetes YAML with the fields the cluster needs, and the
parts that must agree with each other and with the gateway do."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.drain import GOODBYE_S, SHUTDOWN_S
from gateway.settings import Settings
from gateway.twilio.session import _REPLY_GRACE_S
from tests.deploy.helm_subset import Unsupported, render

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "frontdesk"
RELEASE = "clinic"
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# After the drain deadline: a reply finishing, the goodbye, uvicorn's shutdown, the last flush
# (docs/drain.md: the orchestrator's grace period is the deadline + 45 s).
DRAIN_OVERHEAD_S = 45.0
assert DRAIN_OVERHEAD_S > _REPLY_GRACE_S + GOODBYE_S + SHUTDOWN_S


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), path
    return loaded


def chart_meta() -> dict[str, Any]:
    return _load(CHART / "Chart.yaml")


def default_values() -> dict[str, Any]:
    return _load(CHART / "values.yaml")


def templates() -> list[Path]:
    found = sorted((CHART / "templates").iterdir())
    assert found, "no templates"
    return found


def render_chart(values: dict[str, Any]) -> list[dict[str, Any]]:
    docs = []
    for path in templates():
        assert path.suffix == ".yaml", f"{path.name}: only .yaml templates (no _helpers.tpl: no include)"
        text = render(path.read_text(), values=values, chart=chart_meta(), release=RELEASE, name=path.name)
        for doc in yaml.safe_load_all(text):
            if doc is not None:
                doc["_template"] = path.name
                docs.append(doc)
    return docs


def one(docs: list[dict[str, Any]], kind: str, *, component: str | None = None) -> dict[str, Any]:
    found = [
        d
        for d in docs
        if d["kind"] == kind
        and d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component
    ]
    assert len(found) == 1, f"{len(found)} {kind} (component {component})"
    return found[0]


def hook(doc: dict[str, Any]) -> tuple[set[str], int] | None:
    notes = doc["metadata"].get("annotations") or {}
    if "helm.sh/hook" not in notes:
        return None
    return set(notes["helm.sh/hook"].split(",")), int(notes.get("helm.sh/hook-weight", "0"))


def env_refs(pod_spec: dict[str, Any]) -> list[tuple[str, str]]:
    refs = []
    for container in pod_spec["containers"]:
        for source in container.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    refs.append((kind, source[key]["name"]))
    return refs


def test_every_template_renders_to_kubernetes_objects() -> None:
    docs = render_chart(default_values())
    for doc in docs:
        where = doc["_template"]
        assert isinstance(doc.get("apiVersion"), str) and doc["apiVersion"], where
        assert isinstance(doc.get("kind"), str) and doc["kind"], where
        name = doc["metadata"]["name"]
        assert DNS_1123.match(name) and len(name) <= 63, f"{where}: bad name {name!r}"
        assert doc["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE, where
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == ["ConfigMap", "Deployment", "Job", "PodDisruptionBudget", "Secret", "Secret", "Service"]
    assert len({(d["kind"], d["metadata"]["name"]) for d in docs}) == len(docs)  # no two objects collide


def test_deployment_probes_drain_and_security() -> None:
    values = default_values()
    docs = render_chart(values)
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    port_names = {p["name"] for p in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in port_names
    assert container["args"] == ["serve"]
    assert deployment["spec"]["replicas"] == values["replicaCount"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0

    # The preStop hook starts the drain and waits for the process, so the kubelet's SIGTERM that
    # follows it is never the "second signal" that stops a drain at once (gateway/drain.py).
    pre_stop = " ".join(container["lifecycle"]["preStop"]["exec"]["command"])
    assert "kill -TERM 1" in pre_stop and "while kill -0 1" in pre_stop
    config = one(docs, "ConfigMap")["data"]
    deadline = float(config["FRONTDESK_DRAIN_DEADLINE_S"])
    assert deadline == values["config"]["drainDeadlineSeconds"]
    # SIGKILL only after the drain and what follows it.
    assert pod["terminationGracePeriodSeconds"] >= deadline + DRAIN_OVERHEAD_S

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the image's user (deploy/Dockerfile)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {config["FRONTDESK_DATA_DIR"], "/tmp"} <= mounts

    # The serving pods read only ordinary (non-hook) objects, and never the schema owner's URL.
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for ref in env_refs(pod):
        assert ref in by_name, ref
        assert hook(by_name[ref]) is None, ref
    secret = by_name[("Secret", deployment["metadata"]["name"])]
    assert "FRONTDESK_DATABASE_OWNER_URL" not in secret["stringData"]
    assert {"FRONTDESK_DATABASE_URL", "FRONTDESK_SESSION_SECRET"} <= set(secret["stringData"])


def test_redis_url_is_set_only_when_given() -> None:
    """An empty FRONTDESK_REDIS_URL would be taken for a configured Redis at address ''."""
    values = default_values()
    assert "FRONTDESK_REDIS_URL" not in one(render_chart(values), "Secret")["stringData"]
    values["secrets"]["redisUrl"] = "redis://:pw@redis:6379/0"
    assert (
        one(render_chart(values), "Secret")["stringData"]["FRONTDESK_REDIS_URL"] == "redis://:pw@redis:6379/0"
    )


def test_selectors_match_the_pods() -> None:
    docs = render_chart(default_values())
    deployment = one(docs, "Deployment")
    selector = deployment["spec"]["selector"]["matchLabels"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    assert pdb["spec"]["minAvailable"] >= 1
    service = one(docs, "Service")
    assert service["spec"]["selector"] == selector
    container_ports = {p["name"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports
    # The migration Job's pods must not be taken for gateway pods by either selector.
    job_labels = one(docs, "Job", component="migrate")["spec"]["template"]["metadata"]["labels"]
    assert job_labels["app.kubernetes.io/component"] == "migrate"
    assert "app.kubernetes.io/component" not in pod_labels


def test_migration_job_runs_as_a_hook_before_install_and_upgrade() -> None:
    docs = render_chart(default_values())
    job = one(docs, "Job", component="migrate")
    events, weight = hook(job) or (set(), 0)
    assert {"pre-install", "pre-upgrade"} <= events
    assert "before-hook-creation" in job["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    script = pod["containers"][0]["command"] + pod["containers"][0]["args"]
    assert script[:2] == ["sh", "-c"] and script[2].endswith("exec frontdesk db upgrade")
    # At pre-install nothing but earlier hooks exists: what the Job reads must be one of them.
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    refs = env_refs(pod)
    assert refs
    for ref in refs:
        assert ref in by_name, ref
        earlier = hook(by_name[ref])
        assert earlier is not None and events <= earlier[0] and earlier[1] < weight, ref
        # deleted only when the next hook run recreates it, never right after it is created
        assert by_name[ref]["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation"
    migrate_secret = by_name[refs[0]]
    assert set(migrate_secret["stringData"]) == {"FRONTDESK_DATABASE_OWNER_URL", "FRONTDESK_DATABASE_URL"}


def test_settings_names_are_the_gateways() -> None:
    """Every FRONTDESK_* the chart sets is a real setting (a misspelt one is silently ignored)."""
    values = default_values()
    for section in ("config", "secrets"):  # the optional ones too
        for key, value in values[section].items():
            if value in ("", None):
                values[section][key] = "x" * 40
    docs = render_chart(values)
    names = set()
    for doc in docs:
        if doc["kind"] in ("ConfigMap", "Secret"):
            names |= set(doc.get("data") or doc.get("stringData") or {})
    assert len(names) > 20
    unknown = {n for n in names if n.removeprefix("FRONTDESK_").lower() not in Settings.model_fields}
    assert not unknown
    assert all(n.startswith("FRONTDESK_") for n in names)


def test_autoscaling_on_active_calls() -> None:
    values = default_values()
    values["autoscaling"]["enabled"] = True
    values["replicaCount"] = 0
    docs = render_chart(values)
    hpa = one(docs, "HorizontalPodAutoscaler")
    deployment = one(docs, "Deployment")
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": deployment["apiVersion"],
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods"
    assert metric["pods"]["metric"]["name"] == "frontdesk_active_calls"
    assert float(metric["pods"]["target"]["averageValue"]) > 0
    assert hpa["spec"]["minReplicas"] >= 2 <= hpa["spec"]["maxReplicas"]


def test_quoted_values_survive_yaml() -> None:
    values = default_values()
    tricky = 'p@ss"word\\with: # yaml {{ things }}'
    values["secrets"]["sessionSecret"] = tricky
    values["config"]["timezone"] = "yes"  # a bare yes would be a YAML boolean
    docs = render_chart(values)
    assert one(docs, "Secret")["stringData"]["FRONTDESK_SESSION_SECRET"] == tricky
    assert one(docs, "ConfigMap")["data"]["FRONTDESK_TIMEZONE"] == "yes"


def _render(template: str, values: dict[str, Any] | None = None) -> str:
    return render(
        template, values=values or {"a": {"b": "x"}}, chart={"name": "c", "appVersion": "1"}, release="r"
    )


def test_the_renderer_follows_go_template_trimming() -> None:
    text = "a:\n  {{- if .Values.a.b }}\n  b: {{ .Values.a.b | quote }}\n  {{- end }}\nc: {{ .Release.Name }}-{{ .Chart.Name }}\n"
    assert _render(text) == 'a:\n  b: "x"\nc: r-c\n'
    assert _render(text, {"a": {"b": ""}}) == "a:\nc: r-c\n"
    assert _render("x {{ .Values.a.b -}}  \n  y") == "x xy"
    assert _render("{{ .Values.a.n }}", {"a": {"n": 120}}) == "120"
    assert _render("{{ .Values.a.n | quote }}", {"a": {"n": False}}) == '"false"'


@pytest.mark.parametrize(
    "template",
    [
        '{{ include "frontdesk.labels" . }}',
        "{{ toYaml .Values.a }}",
        '{{ .Values.a.b | default "y" }}',
        "{{ .Values.a.b | upper }}",
        "{{- range .Values.a }}x{{- end }}",
        "{{ if .Values.a.b }}x{{ else }}y{{ end }}",
        "{{ if not .Values.a.b }}x{{ end }}",
        "{{/* a comment */}}",
        "{{ $x := .Values.a.b }}",
        "{{ .Values.a.missing }}",
        "{{ .Values.a }}",  # a map printed as text
        "{{ .Values.a.n }}",  # 1e+06 in Helm
        "{{ if .Values.a.b }}never closed",
        "stray {{ end }}",
        "{{-.Values.a.b }}",  # Go reads {{-. as a number
        "{{ .Capabilities.KubeVersion }}",
        "{{ .Values.a.b }",
    ],
)
def test_the_renderer_refuses_what_is_outside_the_subset(template: str) -> None:
    with pytest.raises(Unsupported):
        _render(template, {"a": {"b": "x", "n": 1_000_000}})


def test_the_chart_itself_stays_inside_the_subset() -> None:
    """Every action in every template is one the renderer knows (not merely one it skipped)."""
    allowed = re.compile(
        r"^(if \.Values(\.\w+)+|end|(\.Values(\.\w+)+|\.Release\.Name|\.Chart\.Name|\.Chart\.AppVersion)( \| quote)?)$"
    )
    for path in templates():
        for body in re.findall(r"\{\{-? (.*?) -?\}\}", path.read_text()):
            assert allowed.match(body), f"{path.name}: {body}"
        with_values = copy.deepcopy(default_values())
        render(path.read_text(), values=with_values, chart=chart_meta(), release=RELEASE, name=path.name)


def test_retention_cronjob() -> None:
    values = default_values()
    values["retention"] |= {"enabled": True, "recordingDays": 30, "transcriptDays": 365}
    docs = render_chart(values)
    cron = one(docs, "CronJob", component="retention")
    assert len(cron["spec"]["schedule"].split()) == 5
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"  # one purge at a time
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"] == ["retention"]
    # The same settings and runtime role as the serving pods (not the schema owner).
    deployment_pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    assert env_refs(pod) == env_refs(deployment_pod)
    config = one(docs, "ConfigMap")["data"]
    assert config["FRONTDESK_RETENTION_RECORDING_DAYS"] == "30"
    assert config["FRONTDESK_RETENTION_TRANSCRIPT_DAYS"] == "365"


def test_migration_job_refuses_an_empty_owner_url(tmp_path: Path) -> None:
    """The Job's script run with sh, a stand-in `frontdesk` on PATH recording its arguments."""
    job = one(render_chart(default_values()), "Job", component="migrate")
    container = job["spec"]["template"]["spec"]["containers"][0]
    stub = tmp_path / "frontdesk"
    stub.write_text('#!/bin/sh\necho "ran: $*"\n')
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    empty = subprocess.run(
        [*container["command"], *container["args"]], env=env, capture_output=True, text=True, timeout=30
    )
    assert (
        empty.returncode == 1 and "databaseOwnerUrl is empty" in empty.stderr and "ran:" not in empty.stdout
    )
    given = subprocess.run(
        [*container["command"], *container["args"]],
        env={**env, "FRONTDESK_DATABASE_OWNER_URL": "postgresql+asyncpg://frontdesk@db/frontdesk"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert given.returncode == 0 and given.stdout.strip() == "ran: db upgrade"
