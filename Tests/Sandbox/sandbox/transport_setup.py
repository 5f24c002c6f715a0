"""Wiring of the TLS side of the proxy: the TransportService, TLS detection on the SSH
port, the TLS-routing port and the connection upgrade. The supervisor calls `start`
once the web API and the SSH proxy run, and `stop` first when stopping."""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Tuple

from .alpn_router import ALPNRouter, Listener, RouterConfig, web_handler_for
from .material import ROOT_CLUSTER, Material
from .proxy import Router
from .transport_service import AuthBackends, TransportServer, TransportService
from .websocket import Upgrader, ping_seconds

log = logging.getLogger("sandbox.transport")


class TransportStack:
    def __init__(self, material: Material, opts: Dict[str, Any], state_dir: str):
        self.m = material
        self.opts = opts
        self.state_dir = state_dir
        self.tls_routing = bool(opts.get("tls_routing") or opts.get("conn_upgrade"))
        self.conn_upgrade = bool(opts.get("conn_upgrade"))
        self.grpc_enabled = not opts.get("no_grpc_transport")
        self.auth = AuthBackends()
        self.server: Optional[TransportServer] = None
        self.router: Optional[ALPNRouter] = None
        self.listeners = []
        self.internal: Dict[str, int] = {}

    def set_auth_backend(self, host: str, port: int, cluster: str = ROOT_CLUSTER) -> None:
        """Where ProxyCluster and `teleport-auth@` go (the auth gRPC service)."""
        self.auth.set(cluster, host, port)

    async def start(self, web, web_port: int, ssh_port: int, ssh_front: bool,
                    web_ok: bool = True) -> Tuple[int, int]:
        """Returns the public (web_port, ssh_port). `ssh_front`: put TLS detection on the
        SSH port (the SSH proxy moves behind it); `web_ok`: the web API really runs."""
        key_path, cert_path = self.m.issue_proxy_tls_cert(self.opts.get("hostile"))
        grpc_address = None
        if self.grpc_enabled:
            svc = TransportService(Router(self.m.nodes,
                                          strict_node_ports=self.opts.get("strict_node_ports",
                                                                          False)),
                                   self.auth)
            self.server = TransportServer(svc, self.state_dir, key_path, cert_path,
                                          self.m.paths["user_tls_ca_pem"])
            await self.server.start()
            grpc_address = self.server.address
        self.internal["ssh_proxy_port"] = ssh_port
        cfg = RouterConfig(ssh_backend=("127.0.0.1", ssh_port), grpc_address=grpc_address,
                           host_cert=(cert_path, key_path),
                           web_cert=(self.m.paths["web_cert"], self.m.paths["web_key"]),
                           auth_backend=self.auth.get)
        self.router = ALPNRouter(cfg)
        if ssh_front:
            front = Listener("ssh-port", self.router.handle_ssh_port)
            ssh_port = front.start()
            self.listeners.append(front)
        if self.tls_routing and web_ok:
            web.tls_routing = True
            cfg.web_handler = web_handler_for(web.server)
            web.upgrade_handler = Upgrader(self.router.handle_tls_port).handle
            if not self.conn_upgrade:
                # The router owns the public port; the web API's own listener stays
                # private (connections are handed to it after the ALPN decision).
                self.internal["web_api_port"] = web_port
                tls = Listener("tls-routing", self.router.handle_tls_port)
                web_port = tls.start()
                self.listeners.append(tls)
            # --conn-upgrade: the web API's listener is the public port and plays the
            # L7 load balancer: TLS with the web certificate and only http/1.1.
            web.web_port = web_port
        return web_port, ssh_port

    def state_fields(self) -> Dict[str, Any]:
        p = self.m.paths
        return {
            "tls_routing": self.tls_routing,
            "conn_upgrade": self.conn_upgrade,
            "grpc_transport": self.grpc_enabled,
            "no_grpc_transport": not self.grpc_enabled,
            "host_tls_ca_pem": p["tls_ca_pem"],
            "user_tls_ca_pem": p["user_tls_ca_pem"],
            "host_tls_ca_key": p["host_tls_ca_key"],
            "user_tls_ca_key": p["user_tls_ca_key"],
            "proxy_tls_cert_pem": p.get("proxy_tls_cert_pem"),
            "proxy_tls_cert_dns": getattr(self.m, "proxy_tls_dns", []),
            "tls_server_name": bytes(ROOT_CLUSTER, "utf-8").hex() + ".teleport.cluster.local",
            "conn_upgrade_ping_seconds": ping_seconds(),
            "internal_ports": dict(self.internal),
        }

    async def stop(self) -> None:
        for listener in self.listeners:
            try:
                listener.stop()
            except Exception:  # noqa: BLE001
                pass
        if self.server is not None:
            try:
                await self.server.stop()
            except Exception:  # noqa: BLE001
                pass
        sock = os.path.join(self.state_dir, "transport.sock")
        try:
            os.unlink(sock)
        except OSError:
            pass
