"""The deployment files against the server they deploy.

Base images cannot be pulled on the project's machine, so the container is
never built here; instead every flag, port and probe that deploy/Dockerfile,
deploy/kubernetes/*.yaml, the systemd unit and the example config use is
checked against the built programs: flag names against their --helpfull,
each whole command line by running it with --version (absl parses every flag
and its value first, and exits 1 on an unknown flag or a bad value), and the
ports between the flags, containerPorts, Services, probes, EXPOSE and the
HEALTHCHECK.

  deploy_files_test.py --server=BANEN_LEDGERD --ctl=BANENCTL --deploy=DEPLOY_DIR
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import unittest

import yaml

ARGS = None


def flags_of(program):
    """The flag names --helpfull lists (absl spells them with underscores)."""
    result = subprocess.run([program, "--helpfull"], capture_output=True,
                            text=True, check=False)
    names = set(re.findall(r"^    --(\w+) \(", result.stdout + result.stderr,
                           re.MULTILINE))
    assert names, f"{program} --helpfull lists no flags"
    return names


def flag_name(arg):
    return arg[2:].split("=", 1)[0].replace("-", "_")


def flag_value(args, name):
    for arg in args:
        if arg.startswith("--") and flag_name(arg) == name and "=" in arg:
            return arg.split("=", 1)[1]
    return None


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def parse_dockerfile(path):
    """Its instructions as (KEYWORD, argument text), continuations joined."""
    instructions = []
    pending = ""
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = (pending + line).strip()
            pending = ""
            keyword, _, rest = text.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


class DeployFilesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server_flags = flags_of(ARGS.server)
        cls.ctl_flags = flags_of(ARGS.ctl)
        cls.documents = []
        for path in sorted(glob.glob(os.path.join(ARGS.deploy, "kubernetes", "*.yaml"))):
            with open(path, encoding="utf-8") as file:
                for document in yaml.safe_load_all(file):
                    if document:
                        cls.documents.append((os.path.basename(path), document))
        cls.dockerfile = parse_dockerfile(os.path.join(ARGS.deploy, "Dockerfile"))

    def kinds(self, kind):
        return [document for _, document in self.documents if document["kind"] == kind]

    def check_server_args(self, args, where):
        """Every flag is the server's, and the line parses."""
        for arg in args:
            self.assertTrue(arg.startswith("--"), f"{where}: {arg} is not a flag")
            name = flag_name(arg)
            self.assertIn(name, self.server_flags, f"{where}: unknown flag {arg}")
        result = subprocess.run([ARGS.server, *args, "--version"],
                                capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 0, f"{where}: {result.stderr}")

    def banen_containers(self):
        """(StatefulSet, container) of every banen-ledgerd container."""
        for statefulset in self.kinds("StatefulSet"):
            for container in statefulset["spec"]["template"]["spec"]["containers"]:
                if container["image"].startswith("banen-ledgerd"):
                    yield statefulset, container

    def test_every_kubernetes_file_parses_and_has_a_kind(self):
        names = {name for name, _ in self.documents}
        self.assertEqual(
            names, {"auth-configmap.yaml", "follower-statefulset.yaml",
                    "networkpolicy.yaml", "service.yaml", "statefulset.yaml"})
        for name, document in self.documents:
            self.assertIn("apiVersion", document, name)
            self.assertIn("kind", document, name)

    def test_statefulset_args_are_flags_the_server_has(self):
        containers = list(self.banen_containers())
        self.assertEqual(len(containers), 2)
        for statefulset, container in containers:
            self.check_server_args(container["args"], statefulset["metadata"]["name"])

    def test_ports_agree_between_flags_container_probes_and_services(self):
        for statefulset, container in self.banen_containers():
            name = statefulset["metadata"]["name"]
            grpc_port = port_of(flag_value(container["args"], "listen"))
            metrics_port = port_of(flag_value(container["args"], "metrics_listen"))
            ports = {port["name"]: port["containerPort"] for port in container["ports"]}
            self.assertEqual(ports, {"grpc": grpc_port, "metrics": metrics_port}, name)
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                self.assertIn(probe, container, f"{name}: no {probe}")
                # The grpc.health.v1 check of the whole server ("").
                self.assertEqual(container[probe]["grpc"]["port"], grpc_port,
                                 f"{name}: {probe}")
                self.assertEqual(container[probe]["grpc"].get("service", ""), "",
                                 f"{name}: {probe}")
            labels = statefulset["spec"]["template"]["metadata"]["labels"]
            self.assertEqual(statefulset["spec"]["selector"]["matchLabels"], labels)
            annotations = statefulset["spec"]["template"]["metadata"]["annotations"]
            self.assertEqual(int(annotations["prometheus.io/port"]), metrics_port, name)
            # Its governing Service selects exactly its pods, on its ports.
            services = [s for s in self.kinds("Service")
                        if s["metadata"]["name"] == statefulset["spec"]["serviceName"]]
            self.assertEqual(len(services), 1, f"{name}: serviceName")
            service = services[0]
            self.assertEqual(service["spec"]["selector"], labels, name)
            for port in service["spec"]["ports"]:
                target = port["targetPort"]
                self.assertIn(target if isinstance(target, int) else ports.get(target),
                              ports.values(), f"{name}: Service port {port}")
            self.assertEqual({p["port"] for p in service["spec"]["ports"]},
                             {grpc_port, metrics_port}, name)

    def test_files_and_store_lie_on_mounted_volumes(self):
        for statefulset, container in self.banen_containers():
            name = statefulset["metadata"]["name"]
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            claims = {c["metadata"]["name"] for c in statefulset["spec"]["volumeClaimTemplates"]}
            volumes = {v["name"] for v in statefulset["spec"]["template"]["spec"].get("volumes", [])}
            self.assertEqual(set(mounts.values()), claims | volumes, name)
            data_dir = flag_value(container["args"], "data_dir")
            self.assertIn(mounts.get(data_dir), claims, f"{name}: --data-dir on a PVC")
            backup_dir = flag_value(container["args"], "backup_dir")
            if backup_dir is not None:
                self.assertIn(mounts.get(backup_dir), claims, f"{name}: --backup-dir on a PVC")
            for flag in ("auth_config", "follow_token_file", "tls_cert", "tls_key"):
                path = flag_value(container["args"], flag)
                if path is not None:
                    self.assertIn(os.path.dirname(path), mounts, f"{name}: --{flag}")

    def test_followers_follow_the_primary_pod_on_its_grpc_port(self):
        primaries = [s for s, _ in self.banen_containers()
                     if flag_value(_["args"], "follow") is None]
        followers = [(s, c) for s, c in self.banen_containers()
                     if flag_value(c["args"], "follow") is not None]
        self.assertEqual(len(primaries), 1)
        self.assertEqual(len(followers), 1)
        primary = primaries[0]
        self.assertEqual(primary["spec"]["replicas"], 1)
        primary_port = port_of(flag_value(
            primary["spec"]["template"]["spec"]["containers"][0]["args"], "listen"))
        _, follower = followers[0]
        self.assertEqual(
            flag_value(follower["args"], "follow"),
            f"{primary['metadata']['name']}-0.{primary['spec']['serviceName']}:{primary_port}")

    def test_dockerfile_is_multi_stage_bookworm_non_root_with_grpc_healthcheck(self):
        instructions = self.dockerfile
        froms = [arg for keyword, arg in instructions if keyword == "FROM"]
        self.assertGreaterEqual(len(froms), 2)
        for image in froms:
            self.assertTrue(image.startswith("debian:bookworm"), image)
        final = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM"):]
        only = lambda keyword: [a for k, a in final if k == keyword]
        user = only("USER")
        self.assertEqual(len(user), 1)
        uid = int(user[0].split(":")[0])
        self.assertNotEqual(uid, 0)
        for statefulset, _ in self.banen_containers():
            self.assertEqual(
                statefulset["spec"]["template"]["spec"]["securityContext"]["runAsUser"], uid)

        entrypoint = json.loads(only("ENTRYPOINT")[0])
        command = json.loads(only("CMD")[0])
        self.assertEqual(os.path.basename(entrypoint[0]), "banen-ledgerd")
        args = entrypoint[1:] + command
        self.check_server_args(args, "Dockerfile")
        grpc_port = port_of(flag_value(args, "listen"))
        metrics_port = port_of(flag_value(args, "metrics_listen"))
        self.assertEqual({int(p) for p in only("EXPOSE")[0].split()},
                         {grpc_port, metrics_port})
        self.assertIn(flag_value(args, "data_dir"), json.loads(only("VOLUME")[0]))

        healthcheck = only("HEALTHCHECK")[0]
        probe = json.loads(healthcheck.split("CMD", 1)[1])
        self.assertEqual(probe[0], "banenctl")
        self.assertEqual(probe[-1], "health")
        for arg in probe[1:-1]:
            self.assertIn(flag_name(arg), self.ctl_flags, arg)
        self.assertEqual(port_of(flag_value(probe[1:-1], "server")), grpc_port)

    def test_systemd_config_flags_are_the_servers(self):
        with open(os.path.join(ARGS.deploy, "ledgerd.conf"), encoding="utf-8") as file:
            assignments = [line for line in file
                           if line.startswith("BANEN_LEDGERD_FLAGS=")]
        self.assertEqual(len(assignments), 1)
        flags = shlex.split(assignments[0].split("=", 1)[1])
        with open(os.path.join(ARGS.deploy, "banen-ledgerd.service.in"),
                  encoding="utf-8") as file:
            exec_start = [line for line in file if line.startswith("ExecStart=")][0]
        unit_flags = [a for a in exec_start.split()[1:] if a.startswith("--")]
        self.check_server_args(unit_flags + flags, "ledgerd.conf")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--ctl", required=True)
    parser.add_argument("--deploy", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
