"""Real OpenSSH sshd processes: the agentless nodes, and the benchmark-mode proxy."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from typing import List, Optional

from . import crypto, procs
from .material import Material, Node, write_private

SSHD_BIN = shutil.which("sshd") or "/usr/sbin/sshd"
NODE_PORT_IN_NAMES = 3022


def _common_config(port: int, host_key: str, host_cert: str, user_ca_pub: str,
                   host_key_algs: Optional[List[str]] = None) -> List[str]:
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {host_key}",
        f"HostCertificate {host_cert}",
        f"TrustedUserCAKeys {user_ca_pub}",
        "AuthorizedKeysFile none",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "HostbasedAuthentication no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        "StrictModes yes",
        "PidFile none",
        "PrintMotd no",
        "PrintLastLog no",
        "UseDNS no",
        "LogLevel VERBOSE",
        "AllowAgentForwarding yes",
        "AllowTcpForwarding yes",
        "X11Forwarding no",
        "PermitUserEnvironment no",
        "AcceptEnv LANG LC_*",
    ]
    if host_key_algs:
        lines.append("HostKeyAlgorithms " + ",".join(host_key_algs))
    return lines


class SSHD:
    def __init__(self, name: str, config_path: str, log_path: str, port: int):
        self.name = name
        self.config_path = config_path
        self.log_path = log_path
        self.port = port
        self.proc: Optional[subprocess.Popen] = None

    def check_config(self) -> None:
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        r = subprocess.run([SSHD_BIN, "-t", "-f", self.config_path], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"sshd config {self.config_path} rejected: {r.stderr.strip()}")

    def start(self) -> None:
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SSHD_BIN, "-D", "-e", "-f", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     preexec_fn=procs.child_preexec, close_fds=True)
        logf.close()

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"sshd {self.name} exited with {self.proc.returncode}; "
                                   f"see {self.log_path}")
            if procs.port_open(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"sshd {self.name} did not listen on {self.port}")

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None


def write_node_config(m: Material, node: Node, conf_dir: str) -> str:
    lines = _common_config(node.port, node.host_key_path, node.host_cert_path,
                           m.paths["user_ca_pub"])
    lines.append("Subsystem sftp internal-sftp")
    # One node sshd stands in for a fleet: a fan-out of 50 connections (Ansible
    # with 50 forks) reaches 50 hosts, each seeing one handshake. So the node
    # must not be what throttles; the proxy (asyncssh, or sshd in benchmark
    # mode) keeps the real limits, and the benchmark measures those.
    lines.append("MaxStartups 200:30:400")
    path = os.path.join(conf_dir, f"sshd_{node.name}.conf")
    write_private(path, ("\n".join(lines) + "\n").encode())
    return path


def write_proxy_sshd_config(m: Material, port: int, key_path: str, cert_path: str,
                            conf_dir: str, sites_json_path: str, plain: bool) -> str:
    """Benchmark mode: sshd plays the proxy with one Subsystem line per target."""
    algs = (crypto.plain_host_key_algs_for(m.ssh_kind) if plain
            else crypto.host_key_algs_for(m.ssh_kind))
    lines = _common_config(port, key_path, cert_path, m.paths["user_ca_pub"], algs)
    relay = shutil.which("socat") or "/usr/bin/socat"
    for node in m.nodes:
        cmd = f"{relay} - TCP:127.0.0.1:{node.port}"
        for target in (node.name, node.uuid):
            lines.append(f"Subsystem proxy:{target}:{NODE_PORT_IN_NAMES}@{node.cluster} {cmd}")
    lines.append(f"Subsystem proxysites /bin/cat {shlex.quote(sites_json_path)}")
    path = os.path.join(conf_dir, "sshd_proxy.conf")
    write_private(path, ("\n".join(lines) + "\n").encode())
    return path
