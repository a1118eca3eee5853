#!/usr/bin/env python3
"""Parse and check souk's Kubernetes manifests without a cluster.

Usage: validate_k8s.py FILE.yaml...

Every document must parse (PyYAML), have apiVersion/kind/metadata.name with a
known apiVersion for its kind, and the fields its kind requires. Across the
files, references must resolve: a Deployment's selector matches its pod
labels; a Service selects some Deployment's pods and targets a named port they
declare; ConfigMaps, Secrets, PVCs and ServiceAccounts a pod uses exist; a
RoleBinding names an existing Role and ServiceAccount; the registry's probes
ask /api/v1/health (/live, /ready). A kustomization.yaml among the FILEs
stands for its resources (checked with the rest) and must set its namespace.
Exits 1 with one line per problem.
"""

import os
import re
import sys

import yaml

API_VERSIONS = {
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "ServiceAccount": "v1",
    "PersistentVolumeClaim": "v1",
    "Namespace": "v1",
    "Deployment": "apps/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
}
HEALTH_PATHS = {
    "live": ("/api/v1/health/live", "/api/v1/health"),
    "ready": ("/api/v1/health/ready", "/api/v1/health"),
}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def need(doc, where, path):
    """The value at the dotted `path` of `doc`, or a problem when missing."""
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node or node[part] in (None, "", [], {}):
            problem(where, f"missing `{path}`")
            return None
        node = node[part]
    return node


def check_container(c, where, pod_ports, refs, is_registry):
    name = need(c, where, "name")
    need(c, where, "image")
    if name and not DNS_LABEL.match(name):
        problem(where, f"container name `{name}` is not a DNS label")
    for p in c.get("ports") or []:
        if not isinstance(p.get("containerPort"), int) or not 0 < p["containerPort"] < 65536:
            problem(where, f"bad containerPort in {p}")
        if "name" in p:
            if len(p["name"]) > 15 or not DNS_LABEL.match(p["name"]):
                problem(where, f"port name `{p['name']}` is not an IANA service name")
            pod_ports.add(p["name"])
        pod_ports.add(p.get("containerPort"))
    for e in c.get("env") or []:
        if not ENV_NAME.match(e.get("name", "")):
            problem(where, f"bad env name {e.get('name')!r}")
    for src in c.get("envFrom") or []:
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in src:
                refs.append((kind, src[key].get("name"), where))
    port_names = {p.get("name") for p in c.get("ports") or []}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        spec = c.get(probe)
        if spec is None:
            if is_registry:
                problem(where, f"the registry container has no `{probe}`")
            continue
        get = spec.get("httpGet")
        if get is None:
            continue
        port = get.get("port")
        if isinstance(port, str) and port not in port_names:
            problem(where, f"`{probe}` uses port `{port}`, which the container does not name")
        # Readiness asks whether it can serve (database, store); the others only
        # whether the process is alive, so a database outage restarts nothing.
        allowed = HEALTH_PATHS["ready" if probe == "readinessProbe" else "live"]
        if is_registry and get.get("path") not in allowed:
            problem(where, f"`{probe}` must ask {' or '.join(allowed)}, not {get.get('path')!r}")
    mounts = {m.get("name") for m in c.get("volumeMounts") or []}
    for m in c.get("volumeMounts") or []:
        if not str(m.get("mountPath", "")).startswith("/"):
            problem(where, f"volumeMount `{m.get('name')}` needs an absolute mountPath")
    return mounts


def check_deployment(doc, where, objects, refs, services_pods):
    spec = need(doc, where, "spec")
    if spec is None:
        return
    selector = need(doc, where, "spec.selector.matchLabels") or {}
    labels = need(doc, where, "spec.template.metadata.labels") or {}
    for k, v in selector.items():
        if labels.get(k) != v:
            problem(where, f"selector {k}={v} does not match the pod labels {labels}")
    pod = need(doc, where, "spec.template.spec") or {}
    containers = need(doc, where, "spec.template.spec.containers") or []
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    pod_ports = set()
    is_registry = doc["metadata"]["name"] == "souk-registry"
    for i, c in enumerate(containers):
        mounts = check_container(c, f"{where} containers[{i}]", pod_ports, refs, is_registry)
        for m in mounts:
            if m not in volumes:
                problem(where, f"volumeMount `{m}` names no volume")
    for name, v in volumes.items():
        if "persistentVolumeClaim" in v:
            refs.append(("PersistentVolumeClaim", v["persistentVolumeClaim"].get("claimName"), where))
        if "secret" in v:
            refs.append(("Secret", v["secret"].get("secretName"), where))
        if "configMap" in v:
            refs.append(("ConfigMap", v["configMap"].get("name"), where))
    if pod.get("serviceAccountName"):
        refs.append(("ServiceAccount", pod["serviceAccountName"], where))
    sc = pod.get("securityContext") or {}
    docker_socket = any(
        (v.get("hostPath") or {}).get("path") == "/var/run/docker.sock" for v in pod.get("volumes") or []
    )
    if docker_socket:
        # The agent drives the node's Docker Engine: root there whatever the
        # pod's user, so the pod says so rather than pretending otherwise.
        if sc.get("runAsUser") != 0 or pod.get("automountServiceAccountToken") is not False:
            problem(where, "a pod with the Docker socket runs as root (runAsUser: 0) and mounts no service account token")
        if not pod.get("nodeSelector"):
            problem(where, "a pod with the Docker socket must select the nodes that run Docker Engine")
    elif sc.get("runAsNonRoot") is not True:
        problem(where, "the pod must set securityContext.runAsNonRoot: true")
    if spec.get("replicas", 1) != 1 or (spec.get("strategy") or {}).get("type") != "Recreate":
        problem(where, "one replica with strategy Recreate: its state is on a single volume")
    services_pods.append((labels, pod_ports))


def check_service(doc, where, services_pods):
    selector = need(doc, where, "spec.selector") or {}
    ports = need(doc, where, "spec.ports") or []
    matches = [
        pp for labels, pp in services_pods if all(labels.get(k) == v for k, v in selector.items())
    ]
    if not matches:
        problem(where, f"selector {selector} selects no Deployment's pods")
    for p in ports:
        if not isinstance(p.get("port"), int):
            problem(where, f"bad port in {p}")
        target = p.get("targetPort", p.get("port"))
        if matches and not any(target in pp for pp in matches):
            problem(where, f"targetPort {target!r} is not a port of the selected pods")


def expand_kustomizations(paths):
    """Replace each kustomization.yaml by its resources; check its namespace."""
    out = []
    for path in paths:
        if os.path.basename(path) not in ("kustomization.yaml", "kustomization.yml"):
            out.append(path)
            continue
        try:
            with open(path, encoding="utf-8") as f:
                k = yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError) as e:
            problem(path, f"does not parse: {e}")
            continue
        ns = k.get("namespace")
        if not isinstance(ns, str) or not DNS_LABEL.match(ns):
            problem(path, f"must set `namespace` to a DNS label, not {ns!r}")
        for r in k.get("resources") or []:
            full = os.path.join(os.path.dirname(path), r)
            if not os.path.isfile(full):
                problem(path, f"resource `{r}` is not a file")
            elif full not in out:
                out.append(full)
    return out


def main(paths):
    objects = {}
    docs = []
    for path in expand_kustomizations(paths):
        try:
            with open(path, encoding="utf-8") as f:
                loaded = list(yaml.safe_load_all(f))
        except (OSError, yaml.YAMLError) as e:
            problem(path, f"does not parse: {e}")
            continue
        for i, doc in enumerate(loaded):
            if doc is None:
                continue
            where = f"{path} document {i + 1}"
            if not isinstance(doc, dict):
                problem(where, "is not a mapping")
                continue
            kind, api = doc.get("kind"), doc.get("apiVersion")
            name = (doc.get("metadata") or {}).get("name")
            if kind not in API_VERSIONS:
                problem(where, f"unexpected kind {kind!r}")
                continue
            if api != API_VERSIONS[kind]:
                problem(where, f"{kind} needs apiVersion {API_VERSIONS[kind]}, not {api!r}")
            if not name or not DNS_SUBDOMAIN.match(name):
                problem(where, f"bad metadata.name {name!r}")
                continue
            where = f"{path}: {kind}/{name}"
            if (kind, name) in objects:
                problem(where, "defined twice")
            objects[(kind, name)] = doc
            docs.append((where, doc))

    refs = []
    services_pods = []
    for where, doc in docs:
        kind = doc["kind"]
        if kind == "Deployment":
            check_deployment(doc, where, objects, refs, services_pods)
        elif kind == "ConfigMap":
            for k, v in (doc.get("data") or {}).items():
                if not isinstance(v, str):
                    problem(where, f"data.{k} must be a string, not {type(v).__name__}")
        elif kind == "Secret":
            if not (doc.get("data") or doc.get("stringData")):
                problem(where, "has no data")
            for k, v in (doc.get("stringData") or {}).items():
                if not isinstance(v, str):
                    problem(where, f"stringData.{k} must be a string")
        elif kind == "PersistentVolumeClaim":
            need(doc, where, "spec.accessModes")
            need(doc, where, "spec.resources.requests.storage")
        elif kind == "Role":
            for r in need(doc, where, "rules") or []:
                for key in ("apiGroups", "resources", "verbs"):
                    if key not in r:
                        problem(where, f"a rule lacks `{key}`")
        elif kind == "RoleBinding":
            role = need(doc, where, "roleRef.name")
            if role and ("Role", role) not in objects:
                problem(where, f"roleRef names no Role `{role}`")
            for s in need(doc, where, "subjects") or []:
                if s.get("kind") == "ServiceAccount" and ("ServiceAccount", s.get("name")) not in objects:
                    problem(where, f"subject names no ServiceAccount `{s.get('name')}`")
    for where, doc in docs:
        if doc["kind"] == "Service":
            check_service(doc, where, services_pods)
    for kind, name, where in refs:
        if (kind, name) not in objects:
            problem(where, f"uses {kind} `{name}`, which no manifest defines")

    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    kinds = sorted({k for k, _ in objects})
    print(f"{len(objects)} Kubernetes object(s) checked ({', '.join(kinds)}), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
