"""The supervisor: one process (own process group) that owns everything of a run."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from typing import Any, Dict, List, Optional

from . import procs
from .material import LEAF_CLUSTER, PROXY_HOST, ROOT_CLUSTER, Material, write_private
from .hostile import SilentListener
from .nodes import SSHD, write_node_config, write_proxy_sshd_config
from .proxy import ProxyContext, Router, sites_json
from .transport_setup import TransportStack
from .webapi import WebAPI

log = logging.getLogger("sandbox")


def state_path(state_dir: str) -> str:
    return os.path.join(os.path.abspath(state_dir), "state.json")


def pid_path(state_dir: str) -> str:
    return os.path.join(os.path.abspath(state_dir), "supervisor.pid")


class Supervisor:
    def __init__(self, state_dir: str, opts: Dict[str, Any]):
        self.state_dir = os.path.abspath(state_dir)
        self.opts = opts
        self.log_dir = os.path.join(self.state_dir, "logs")
        self.conf_dir = os.path.join(self.state_dir, "config")
        self.sshds: List[SSHD] = []
        self.web: Optional[WebAPI] = None
        self.proxy: Optional[ProxyContext] = None
        self.silent: List[SilentListener] = []
        self.transport: Optional[TransportStack] = None
        self.stop_event: Optional[asyncio.Event] = None

    # ----------------------------------------------------------------- start

    def _start_sshd(self, name: str, make_config, port_setter) -> SSHD:
        last = None
        for _ in range(5):
            port = procs.free_port()
            port_setter(port)
            cfg = make_config()
            s = SSHD(name, cfg, os.path.join(self.log_dir, f"{name}.log"), port)
            s.check_config()
            s.start()
            try:
                s.wait_ready()
                self.sshds.append(s)
                return s
            except RuntimeError as e:  # port race: try another one
                last = e
                if s.proc and s.proc.poll() is None:
                    s.proc.kill()
                    s.proc.wait()
        raise RuntimeError(str(last))

    async def run(self) -> int:
        os.makedirs(self.log_dir, mode=0o700, exist_ok=True)
        os.makedirs(self.conf_dir, mode=0o700, exist_ok=True)
        self.stop_event = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self.stop_event.set)
        try:
            await self._start_all()
        except Exception:
            log.exception("startup failed")
            await self._stop_all()
            return 1
        watch = loop.create_task(self._watch())
        await self.stop_event.wait()
        watch.cancel()
        log.info("stopping")
        await self._stop_all()
        return 0

    async def _start_all(self) -> None:
        requests_log = os.path.join(self.state_dir, "requests.log")
        m = Material(self.state_dir, self.opts["suite"])
        self.m = m
        # Nodes.
        for node in m.nodes:
            m.issue_node_host_cert(node)
            self._start_sshd(node.name, lambda n=node: write_node_config(m, n, self.conf_dir),
                             lambda p, n=node: setattr(n, "port", p))
        hostile = self.opts.get("hostile")
        # Web API.
        self.web = WebAPI(m, self.opts, requests_log)
        if hostile == "silent-web":
            web_port = await self._silent("web")
            self.web.web_port = web_port
        else:
            web_port = self.web.start()
        # SSH proxy.
        if hostile == "silent-ssh":
            ssh_port = await self._silent("ssh")
            proxy_principals = []
        elif self.opts["mode"] == "sshd":
            _, _, principals, key_path, cert_path = m.issue_proxy_host_key(hostile)
            sites_path = os.path.join(self.conf_dir, "proxysites.json")
            import datetime as _dt
            write_private(sites_path, sites_json(_dt.datetime.now(_dt.timezone.utc)), 0o644)
            holder = {}
            plain = self.opts["proxy_host_key"] == "plain"
            s = self._start_sshd(
                "proxy-sshd",
                lambda: write_proxy_sshd_config(m, holder["port"], key_path, cert_path,
                                                self.conf_dir, sites_path, plain),
                lambda p: holder.__setitem__("port", p))
            ssh_port = s.port
            proxy_principals = principals
        else:
            router = Router(m.nodes, strict_node_ports=self.opts.get("strict_node_ports", False))
            self.proxy = ProxyContext(m, router, self.opts["proxy_host_key"], hostile)
            ssh_port = await self.proxy.start()
            proxy_principals = self.proxy.principals
        # TLS: TransportService on the SSH port, TLS routing, connection upgrade.
        self.transport = TransportStack(m, self.opts, self.state_dir)
        web_port, ssh_port = await self.transport.start(
            self.web, web_port, ssh_port, ssh_front=self.opts["mode"] == "asyncssh"
            and hostile != "silent-ssh", web_ok=hostile != "silent-web")
        self.web.ssh_port = ssh_port
        for port in [web_port, ssh_port] + [n.port for n in m.nodes]:
            for _ in range(100):
                if procs.port_open(port):
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"port {port} is not accepting")
        state = self._state(m, web_port, ssh_port, proxy_principals, requests_log)
        state.update(self.transport.state_fields())
        tmp = state_path(self.state_dir) + ".tmp"
        write_private(tmp, (json.dumps(state, indent=2) + "\n").encode())
        os.replace(tmp, state_path(self.state_dir))
        log.info("sandbox up: web %d ssh %d", web_port, ssh_port)

    async def _silent(self, name: str) -> int:
        listener = SilentListener(name)
        self.silent.append(listener)
        return await listener.start()

    def _state(self, m: Material, web_port: int, ssh_port: int, proxy_principals: List[str],
               requests_log: str) -> Dict[str, Any]:
        return {
            "suite": m.suite,
            "mode": self.opts["mode"],
            "second_factor": self.opts["second_factor"],
            "proxy_host_key": self.opts["proxy_host_key"],
            "strict_node_ports": bool(self.opts.get("strict_node_ports", False)),
            "hostile": self.opts.get("hostile"),
            "proxy_host": PROXY_HOST,
            "web_port": web_port,
            "web_addr": f"{PROXY_HOST}:{web_port}",
            "ssh_port": ssh_port,
            "ssh_addr": f"{PROXY_HOST}:{ssh_port}",
            "cluster": ROOT_CLUSTER,
            "leaf_cluster": LEAF_CLUSTER,
            "os_user": m.os_user,
            "users": {name: {"password": u.password, "totp_secret": u.totp_secret,
                             "logins": u.logins, "principals": u.principals,
                             "roles": u.roles}
                      for name, u in m.users.items()},
            "nodes": [{"name": n.name, "uuid": n.uuid, "cluster": n.cluster, "port": n.port,
                       "addr": n.addr, "host_cert_principals": n.principals}
                      for n in m.nodes],
            "proxy_host_id": m.proxy_host_id,
            "proxy_host_cert_principals": proxy_principals,
            "web_ca_pem": m.paths["web_ca_pem"],
            "tls_ca_pem": m.paths["tls_ca_pem"],
            "user_ca_pub": m.paths["user_ca_pub"],
            "host_ca_pub": m.paths["host_ca_pub"],
            "leaf_host_ca_pub": m.paths["leaf_host_ca_pub"],
            "user_ca_key": m.paths["user_ca_key"],
            "host_ca_key": m.paths["host_ca_key"],
            "leaf_host_ca_key": m.paths["leaf_host_ca_key"],
            "requests_log": requests_log,
            "log_dir": self.log_dir,
            "state_dir": self.state_dir,
            "supervisor_pid": os.getpid(),
            "pgid": os.getpgid(0),
            "sshd_pids": [s.pid for s in self.sshds],
            "parent_pid": self.opts.get("parent_pid"),
            "started": time.time(),
            **(self.web.login_state() if self.web else {}),
        }

    # ----------------------------------------------------------------- watch / stop

    async def _watch(self) -> None:
        parent = self.opts.get("parent_pid")
        while True:
            await asyncio.sleep(0.5)
            procs.reap_zombies()
            if parent and not procs.alive(parent):
                log.info("parent %d is gone: shutting down", parent)
                self.stop_event.set()
                return
            for s in self.sshds:
                if s.proc and s.proc.poll() is not None:
                    log.error("sshd %s exited with %s", s.name, s.proc.returncode)

    def set_auth_backend(self, host: str, port: int) -> None:
        """The root cluster's auth gRPC server, for ProxyCluster and `teleport-auth@`."""
        if self.transport is not None:
            self.transport.set_auth_backend(host, port)

    async def _stop_all(self) -> None:
        if self.transport is not None:
            try:
                await asyncio.wait_for(self.transport.stop(), 3)
            except Exception:  # noqa: BLE001
                pass
        if self.proxy is not None:
            try:
                await asyncio.wait_for(self.proxy.stop(), 2)
            except Exception:  # noqa: BLE001
                pass
        for listener in self.silent:
            try:
                await asyncio.wait_for(listener.stop(), 2)
            except Exception:  # noqa: BLE001
                pass
        if self.web is not None:
            try:
                self.web.stop()
            except Exception:  # noqa: BLE001
                pass
        # Everything below us: sshd listeners, their per-connection children
        # (which call setsid), and orphans reparented to us (we are a subreaper).
        procs.terminate_pids(procs.descendants(os.getpid()), grace=2.0)
        for s in self.sshds:
            if s.proc:
                try:
                    s.proc.wait(timeout=1)
                except Exception:  # noqa: BLE001
                    pass


def supervise(state_dir: str, opts: Dict[str, Any]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        procs.set_child_subreaper()
    except OSError:
        log.warning("PR_SET_CHILD_SUBREAPER failed")
    write_private(pid_path(state_dir), f"{os.getpid()}\n".encode(), 0o644)
    sup = Supervisor(state_dir, opts)
    return asyncio.run(sup.run())
