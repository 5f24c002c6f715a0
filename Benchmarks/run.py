"""tsh for Swift against the seed's raw OpenSSH ProxyCommand, in one run.

Run by hand, not by CI:  Benchmarks/run  [--quick]

Every figure compares `tsh proxy ssh` with the raw `ssh … -s proxy:<node>:<port>@<cluster>`
ProxyCommand of Teleport's OpenSSH guide, with the same keys, against the sandbox's
sshd-as-proxy mode (a real sshd with default MaxStartups/MaxSessions plays the proxy).
Commands alternate A, B, A, B; figures are medians with min and max.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Sandbox"))
sys.path.insert(0, str(ROOT / "Tests" / "IntegrationTests"))
from conftest import running_sandbox  # noqa: E402  (the tests' own sandbox runner)


def timed(cmd, env, stdin=None, stdout=subprocess.DEVNULL):
    """Wall seconds and exit status of one command."""
    start = time.perf_counter()
    code = subprocess.run(cmd, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - start, code, None


def peak_rss_mb(cmd, env, runs=5):
    """Peak RSS of a command, by GNU time: a child forked from this Python
    process would count Python's own pages before exec."""
    peaks = []
    for _ in range(runs):
        r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        peaks.append(int(r.stderr.strip().splitlines()[-1]) / 1024)
    return max(peaks)


def process_cpu_s(pid):
    """User and system CPU seconds of a process, all its threads."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def alternate(a, b, runs):
    """Runs a() and b() alternately; returns their result lists."""
    ra, rb = [], []
    for _ in range(runs):
        ra.append(a())
        rb.append(b())
    return ra, rb


class Bench:
    def __init__(self, tsh, state, work, quick):
        self.tsh, self.state, self.work, self.quick = tsh, state, work, quick
        self.home = work / "tsh-home"
        # No ssh-agent: login's default (-k auto) would add the sandbox's key to the runner's.
        self.env = dict(os.environ, TELEPORT_HOME=str(self.home), SSL_CERT_FILE=state["web_ca_pem"],
                        TELEPORT_ADD_KEYS_TO_AGENT="no")
        self.login = state["os_user"]
        self.node = f"{self.login}@node1.{state['cluster']}"
        self.results = {}

    def tsh_run(self, *args, **kw):
        return subprocess.run([self.tsh, *args], env=self.env, capture_output=True, text=True, **kw)

    def setup(self):
        password = self.state["users"]["alice"]["password"]
        r = self.tsh_run("login", f"--proxy={self.state['web_addr']}", "--user=alice", "--password-stdin",
                         input=password + "\n")
        assert r.returncode == 0, r.stderr
        tsh_config = self.tsh_run("config", "-l", self.login).stdout
        # sshd plays an old proxy here (no TLS on its SSH port): these figures
        # are the OpenSSH leg's, so it is chosen outright.
        tsh_config = tsh_config.replace(" proxy ssh ", " proxy ssh --transport=openssh ")
        self.tsh_config_text = tsh_config
        self.config_tsh = self.work / "config-tsh"
        self.config_tsh.write_text(tsh_config)
        self.config_mux = self.work / "config-mux"
        self.config_mux.write_text(tsh_config.replace(" proxy ssh ", " proxy ssh --multiplex "))
        # The seed's ProxyCommand: the same keys and known_hosts, raw ssh -s.
        keys = self.home / "keys" / "localhost"
        cluster = self.state["cluster"]
        common = (f"-F none -o UserKnownHostsFile={self.home}/known_hosts -o IdentityFile={keys}/alice "
                  f"-o CertificateFile={keys}/alice-ssh/{cluster}-cert.pub -o IdentitiesOnly=yes -o BatchMode=yes")
        self.config_raw = self.work / "config-raw"
        self.config_raw.write_text(
            f"Host node1.{cluster}\n"
            f"    UserKnownHostsFile {self.home}/known_hosts\n"
            f"    IdentityFile {keys}/alice\n"
            f"    CertificateFile {keys}/alice-ssh/{cluster}-cert.pub\n"
            f"    User {self.login}\n"
            f"    Port 3022\n"
            f"    ProxyCommand ssh {common} -p {self.state['ssh_port']} -l %r -o HostKeyAlias=localhost "
            f"-s localhost proxy:node1:3022@{cluster}\n")

    def ssh(self, config, *remote, **kw):
        return ["ssh", "-F", str(config), self.node, *remote]

    # 1
    def connection_setup(self):
        runs = 7 if self.quick else 15
        a, b = alternate(lambda: timed(self.ssh(self.config_tsh, "true"), self.env)[0],
                         lambda: timed(self.ssh(self.config_raw, "true"), self.env)[0], runs)
        self.results["1_connection_setup_s"] = {"tsh": summary(a), "raw": summary(b),
                                                "ratio": statistics.median(a) / statistics.median(b),
                                                "target": "ratio <= 1.05"}
        # With --multiplex (what config --install writes), once a master is warm.
        timed(self.ssh(self.config_mux, "true"), self.env)
        m, r = alternate(lambda: timed(self.ssh(self.config_mux, "true"), self.env)[0],
                         lambda: timed(self.ssh(self.config_raw, "true"), self.env)[0], runs)
        self.results["1b_connection_setup_multiplexed_s"] = {
            "tsh_multiplexed": summary(m), "raw": summary(r),
            "ratio": statistics.median(m) / statistics.median(r)}
        self.stop_masters()

    # 2
    def own_time(self):
        env = dict(self.env, TSH_SSH="/bin/true")
        cmd = [self.tsh, "proxy", "ssh", "--transport=openssh", f"--cluster={self.state['cluster']}",
               f"--proxy={self.state['web_addr']}", f"{self.node}:3022"]
        samples = [timed(cmd, env) for _ in range(40)]
        assert all(s[1] == 0 for s in samples)
        self.results["2_proxy_ssh_own_time_ms"] = {
            "time": summary([s[0] * 1000 for s in samples]),
            "peak_rss_mb": peak_rss_mb(cmd, env),
            "target": "median <= 5 ms, peak RSS <= 15 MB"}

    def transfer_size(self):
        return (128 if self.quick else 1024) << 20

    def up_mib_s(self, config):
        """MiB/s of `size` bytes sent through `config` to the node."""
        size = self.transfer_size()
        src = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
        t, code, _ = timed(self.ssh(config, "cat > /dev/null"), self.env, stdin=src.stdout)
        src.stdout.close()
        src.wait()
        assert code == 0
        return size / t / (1 << 20)

    def down_mib_s(self, config):
        size = self.transfer_size()
        t, code, _ = timed(self.ssh(config, f"head -c {size} /dev/zero"), self.env)
        assert code == 0
        return size / t / (1 << 20)

    # 3
    def throughput(self):
        size = self.transfer_size()
        runs = 3 if self.quick else 5
        out = {"bytes": size}
        for name, fn in (("up", self.up_mib_s), ("down", self.down_mib_s)):
            a, b = alternate(lambda: fn(self.config_tsh), lambda: fn(self.config_raw), runs)
            out[name] = {"tsh_mib_s": summary(a), "raw_mib_s": summary(b),
                         "ratio": statistics.median(a) / statistics.median(b)}
        out["target"] = "ratio >= 0.97"
        self.results["3_throughput"] = out

    def wave(self, config, n=50):
        """n parallel `ssh … true` through config: (wall seconds, how many succeeded)."""
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            codes = list(pool.map(lambda _: timed(self.ssh(config, "true"), self.env)[1], range(n)))
        return time.perf_counter() - start, sum(c == 0 for c in codes)

    # 4
    def fan_out(self):
        n = 50
        runs = 3 if self.quick else 5

        a, b = alternate(lambda: self.wave(self.config_mux, n), lambda: self.wave(self.config_raw, n), runs)
        single = self.results["1_connection_setup_s"]["tsh"]["median"]
        wall = statistics.median(x[0] for x in a)
        self.results["4_fan_out_50"] = {
            "tsh_multiplexed": {"wall_s": summary([x[0] for x in a]), "succeeded": [x[1] for x in a]},
            "raw": {"wall_s": summary([x[0] for x in b]), "succeeded": [x[1] for x in b]},
            "tsh_wall_per_connection_vs_single": wall / n / single,
            "target": "50/50 succeed; wall / 50 <= 0.5 x single-connection time"}
        self.stop_masters()

    def stop_masters(self):
        mux = self.home / "mux"
        for sock in (mux.iterdir() if mux.exists() else []):
            if sock.is_socket():
                subprocess.run(["ssh", "-F", "none", "-o", f"ControlPath={sock}", "-O", "exit", "x"],
                               capture_output=True, timeout=10)

    # 5
    def local_commands(self):
        out = {}
        for name, args in (("status", ["status"]), ("config", ["config"]), ("version", ["version"])):
            samples = [timed([self.tsh, *args], self.env) for _ in range(40)]
            out[name] = {"time_ms": summary([s[0] * 1000 for s in samples]),
                         "peak_rss_mb": peak_rss_mb([self.tsh, *args], self.env)}
        out["target"] = "<= 10 ms and <= 20 MB each"
        self.results["5_local_commands"] = out

    # 6
    def login_cost(self):
        log = pathlib.Path(self.state["requests_log"])
        password = self.state["users"]["alice"]["password"]
        times, counts = [], []
        for _ in range(5):
            before = len(log.read_text().splitlines())
            start = time.perf_counter()
            r = self.tsh_run("login", f"--proxy={self.state['web_addr']}", "--user=alice", "--password-stdin",
                             input=password + "\n")
            times.append(time.perf_counter() - start)
            assert r.returncode == 0, r.stderr
            lines = log.read_text().splitlines()[before:]
            counts.append([json.loads(line)["path"] for line in lines])
        self.results["6_login"] = {"wall_s": summary(times), "http_requests": counts[-1],
                                   "http_request_count": len(counts[-1]),
                                   "plus": "one proxysites leg over SSH for the cluster list",
                                   "target": "2 requests (ping + certs) plus the best-effort cluster list"}

    # 7
    def binary(self, static_bin):
        stripped = pathlib.Path(static_bin)
        unstripped = str(ROOT / ".build-static" / "release" / "tsh")
        sections = {}
        for line in subprocess.run(["size", "-A", stripped], capture_output=True, text=True).stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
                sections[parts[0]] = int(parts[1])
        symbols = []
        for line in subprocess.run(["nm", "--size-sort", "-S", unstripped], capture_output=True,
                                   text=True).stdout.splitlines()[-6:]:
            p = line.split()
            if len(p) == 4:
                symbols.append({"symbol": p[3][:60], "bytes": int(p[1], 16)})
        startup = [timed([str(stripped), "version"], self.env)[0] * 1000 for _ in range(40)]
        self.results["7_release_binary"] = {
            "size_mb": stripped.stat().st_size / 1e6, "size_mib": stripped.stat().st_size / (1 << 20),
            "largest_sections": dict(sorted(sections.items(), key=lambda kv: -kv[1])[:4]),
            "largest_symbols": list(reversed(symbols)),
            "version_startup_ms": summary(startup),
            "target": "<= 80 MB (Go tsh: about 104 MB)"}


class NativeBench(Bench):
    """The gRPC transport against the asyncssh sandbox, which serves both SSH and
    TLS (TransportService) on its SSH port: native against the raw `ssh -s` leg
    and against tsh's own OpenSSH leg, through the same proxy."""

    def setup(self):
        super().setup()
        text = self.tsh_run("config", "-l", self.login).stdout
        self.config_native = self.work / "config-native"
        self.config_native.write_text(text.replace(" proxy ssh ", " proxy ssh --transport=grpc "))
        self.config_openssh = self.work / "config-openssh"
        self.config_openssh.write_text(text.replace(" proxy ssh ", " proxy ssh --transport=openssh "))
        # tsh itself under GNU time: its own CPU seconds and peak RSS.
        self.usage = self.work / "tsh-usage"
        self.config_timed = self.work / "config-timed"
        self.config_timed.write_text(text.replace(
            'ProxyCommand "', f'ProxyCommand nohup /usr/bin/time -a -o {self.usage} -f "%%U %%S %%M" "').replace(
            " proxy ssh ", " proxy ssh --transport=grpc "))
        self.config_timed_openssh = self.work / "config-timed-openssh"
        self.config_timed_openssh.write_text(self.config_timed.read_text().replace(
            " proxy ssh --transport=grpc ", " proxy ssh --transport=openssh "))

    # N1
    def native_setup(self):
        runs = 7 if self.quick else 15
        a, b = alternate(lambda: timed(self.ssh(self.config_native, "true"), self.env)[0],
                         lambda: timed(self.ssh(self.config_raw, "true"), self.env)[0], runs)
        # Where the time goes. The leg: from starting each ProxyCommand to the
        # node's first bytes ("SSH-"), which is all a transport adds. Direct:
        # the same `ssh … true` straight to the node's sshd, no proxy at all,
        # so native can only approach it; direct / raw is the ratio a leg that
        # cost nothing would reach.
        legs = alternate(lambda: self.leg_to_banner(self.native_proxy_command()),
                         lambda: self.leg_to_banner(self.raw_proxy_command()), runs)
        direct = [timed(self.direct_ssh("true"), self.env)[0] for _ in range(runs)]
        self.results["N1_native_setup_s"] = {"native": summary(a), "raw": summary(b),
                                             "ratio": statistics.median(a) / statistics.median(b),
                                             "target": "ratio <= 0.75",
                                             "leg_to_node_banner": {"native": summary(legs[0]), "raw": summary(legs[1]),
                                                                    "ratio": statistics.median(legs[0]) / statistics.median(legs[1])},
                                             "direct_to_node": summary(direct),
                                             "zero_cost_leg_ratio": statistics.median(direct) / statistics.median(b)}

    def native_proxy_command(self):
        return [self.tsh, "proxy", "ssh", "--transport=grpc", f"--cluster={self.state['cluster']}",
                f"--proxy={self.state['web_addr']}", f"{self.node}:3022"]

    def raw_proxy_command(self):
        line = [l for l in self.config_raw.read_text().splitlines() if "ProxyCommand" in l][-1]
        return shlex.split(line.split("ProxyCommand", 1)[1].replace("%r", self.login))

    def leg_to_banner(self, cmd):
        """Seconds from starting a ProxyCommand to the node's first four bytes."""
        start = time.perf_counter()
        p = subprocess.Popen(cmd, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        head = p.stdout.read(4)
        elapsed = time.perf_counter() - start
        p.kill()
        p.wait()
        assert head == b"SSH-", head
        return elapsed

    def direct_ssh(self, *remote):
        node = next(n for n in self.state["nodes"] if n["name"] == "node1" and n["cluster"] == self.state["cluster"])
        keys = self.home / "keys" / "localhost"
        return ["ssh", "-F", "none", "-o", f"UserKnownHostsFile={self.home}/known_hosts",
                "-o", f"HostKeyAlias=node1.{self.state['cluster']}", "-o", f"IdentityFile={keys}/alice",
                "-o", f"CertificateFile={keys}/alice-ssh/{self.state['cluster']}-cert.pub",
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-p", str(node["port"]),
                f"{self.login}@127.0.0.1", *remote]

    # N2, N3, N4
    def native_throughput(self):
        size = self.transfer_size()
        runs = 3 if self.quick else 5
        out = {"bytes": size}
        for name, fn in (("up", self.up_mib_s), ("down", self.down_mib_s)):
            loads = {"native": [], "openssh": []}

            def measured(config, leg):
                # Who else used the machine meanwhile: the sandbox's own CPU
                # seconds per GiB (one process: the proxy, its gRPC service and
                # relays) and how busy both cores were. A busy machine with
                # the sandbox on top bounds the figure, not tsh.
                before = (process_cpu_s(self.state["supervisor_pid"]), machine_cpu())
                mib_s = fn(config)
                after = (process_cpu_s(self.state["supervisor_pid"]), machine_cpu())
                busy, total = after[1][0] - before[1][0], after[1][1] - before[1][1]
                loads[leg].append(((after[0] - before[0]) * (1 << 30) / size, busy / total if total else 0.0))
                return mib_s
            a, b = alternate(lambda: measured(self.config_native, "native"),
                             lambda: measured(self.config_openssh, "openssh"), runs)
            out[name] = {"native_mib_s": summary(a), "openssh_leg_mib_s": summary(b),
                         "ratio": statistics.median(a) / statistics.median(b),
                         "sandbox_cpu_s_per_gib": {leg: summary([x[0] for x in v]) for leg, v in loads.items()},
                         "machine_busy": {leg: summary([x[1] for x in v]) for leg, v in loads.items()}}
        out["target"] = "ratio >= 0.9"
        self.results["N2_native_throughput"] = out

        # CPU and memory: ssh under GNU time, tsh under its own GNU time as
        # the ProxyCommand (detached from ssh's hang-up by nohup). The OpenSSH
        # leg's ProxyCommand (tsh and the ssh -s it runs) is measured the same
        # way: what the same relay costs without gRPC.
        cpu = {}
        for name, remote, feed in (("up", "cat > /dev/null", True), ("down", f"head -c {size} /dev/zero", False)):
            ratios, rss, floors, legs = [], [], [], []
            for _ in range(runs):
                ssh_cpu, user, system, peak = self.timed_proxy_command(self.config_timed, remote, feed)
                tsh_cpu = user + system
                ratios.append(tsh_cpu / ssh_cpu if ssh_cpu > 0 else float("inf"))
                rss.append(peak / 1024)
                cpu.setdefault(name + "_tsh_cpu_s_per_gib", []).append(tsh_cpu * (1 << 30) / size)
                cpu.setdefault(name + "_ssh_cpu_s_per_gib", []).append(ssh_cpu * (1 << 30) / size)
                # tsh's time in the kernel alone (socket and pipe I/O, wake-ups):
                # what no change to tsh's own code removes.
                cpu.setdefault(name + "_tsh_system_s_per_gib", []).append(system * (1 << 30) / size)
                floors.append(system / ssh_cpu if ssh_cpu > 0 else float("inf"))
                _, leg_user, leg_system, _ = self.timed_proxy_command(self.config_timed_openssh, remote, feed)
                cpu.setdefault(name + "_openssh_leg_cpu_s_per_gib", []).append((leg_user + leg_system) * (1 << 30) / size)
                legs.append(tsh_cpu / (leg_user + leg_system) if leg_user + leg_system > 0 else float("inf"))
            cpu[name + "_cpu_ratio"] = statistics.median(ratios)
            cpu[name + "_system_only_ratio"] = statistics.median(floors)
            cpu[name + "_vs_openssh_leg_ratio"] = statistics.median(legs)
            cpu[name + "_peak_rss_mb"] = max(rss)
        cpu = {k: (summary(v) if isinstance(v, list) else v) for k, v in cpu.items()}
        cpu["target"] = "tsh CPU <= 0.5 x ssh CPU per GiB; tsh peak RSS <= 30 MB"
        self.results["N3_native_cpu_and_memory"] = cpu

    def timed_proxy_command(self, config, remote, feed):
        """One transfer through a config whose ProxyCommand runs under GNU time:
        ssh's CPU seconds, the ProxyCommand's user and system seconds and its
        peak RSS in KiB."""
        self.usage.write_text("")
        src = subprocess.Popen(["head", "-c", str(self.transfer_size()), "/dev/zero"],
                               stdout=subprocess.PIPE) if feed else None
        r = subprocess.run(["/usr/bin/time", "-f", "%U %S", *self.ssh(config, remote)],
                           env=self.env, stdin=src.stdout if src else subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if src:
            src.stdout.close()  # so head ends even if ssh did not read it all
            src.wait()
        assert r.returncode == 0, r.stderr
        # ssh hangs up on its ProxyCommand without waiting for it, so its own
        # usage does not include the ProxyCommand's.
        ssh_cpu = sum(float(x) for x in r.stderr.strip().splitlines()[-1].split())
        # time ignores the hang-up (nohup) and writes once the command ends.
        deadline = time.time() + 10
        while not self.usage.read_text().strip() and time.time() < deadline:
            time.sleep(0.05)
        user, system, peak = self.usage.read_text().strip().splitlines()[-1].split()
        return ssh_cpu, float(user), float(system), int(peak)

    # N6 (issue #13): tsh ls over the sandbox's 1,200 root nodes, next to tsh status
    def ls_cost(self):
        out = {}
        for name, args in (("ls", ["ls"]), ("status", ["status"])):
            samples = [timed([self.tsh, *args], self.env) for _ in range(5 if self.quick else 15)]
            assert all(s[1] == 0 for s in samples), name
            out[name] = {"time_ms": summary([s[0] * 1000 for s in samples]),
                         "peak_rss_mb": peak_rss_mb([self.tsh, *args], self.env, runs=3)}
        out["nodes"] = len(self.tsh_run("ls", "--format=names").stdout.split())
        self.results["N6_ls_vs_status"] = out

    # N5
    def native_fan_out(self):
        n = 50
        runs = 3 if self.quick else 5

        waves = [self.wave(self.config_native, n) for _ in range(runs)]
        self.results["N5_native_fan_out_50"] = {
            "wall_s": summary([w[0] for w in waves]), "succeeded": [w[1] for w in waves],
            "target": "50/50 succeed without --multiplex"}


def table(results):
    r = results
    rows = []
    if "1_connection_setup_s" in r:  # not with --native-only
        one = r["1_connection_setup_s"]
        rows.append(("1 connection setup", f"tsh {one['tsh']['median']*1000:.0f} ms, raw {one['raw']['median']*1000:.0f} ms",
                     f"ratio {one['ratio']:.3f}", "<= 1.05"))
        oneb = r["1b_connection_setup_multiplexed_s"]
        rows.append(("1b setup, warm --multiplex", f"tsh {oneb['tsh_multiplexed']['median']*1000:.0f} ms, raw {oneb['raw']['median']*1000:.0f} ms",
                     f"ratio {oneb['ratio']:.3f}", "(justifies --install)"))
        two = r["2_proxy_ssh_own_time_ms"]
        rows.append(("2 tsh proxy ssh own time", f"{two['time']['median']:.2f} ms (min {two['time']['min']:.2f}, max {two['time']['max']:.2f})",
                     f"RSS {two['peak_rss_mb']:.1f} MB", "<= 5 ms, <= 15 MB"))
        three = r["3_throughput"]
        for d in ("up", "down"):
            t = three[d]
            rows.append((f"3 throughput {d} ({three['bytes'] >> 20} MiB)",
                         f"tsh {t['tsh_mib_s']['median']:.0f}, raw {t['raw_mib_s']['median']:.0f} MiB/s",
                         f"ratio {t['ratio']:.3f}", ">= 0.97"))
        four = r["4_fan_out_50"]
        rows.append(("4 fan-out 50", f"tsh+mux {four['tsh_multiplexed']['wall_s']['median']:.2f} s, ok {four['tsh_multiplexed']['succeeded']}; "
                     f"raw {four['raw']['wall_s']['median']:.2f} s, ok {four['raw']['succeeded']}",
                     f"per conn {four['tsh_wall_per_connection_vs_single']:.2f}x single", "50/50, <= 0.5x"))
        five = r["5_local_commands"]
        for name in ("status", "config", "version"):
            f = five[name]
            rows.append((f"5 tsh {name}", f"{f['time_ms']['median']:.2f} ms (min {f['time_ms']['min']:.2f}, max {f['time_ms']['max']:.2f})",
                         f"RSS {f['peak_rss_mb']:.1f} MB", "<= 10 ms, <= 20 MB"))
        six = r["6_login"]
        rows.append(("6 tsh login", f"{six['wall_s']['median']*1000:.0f} ms", f"{six['http_request_count']} HTTP: {', '.join(six['http_requests'])}",
                     "2 + cluster list"))
    seven = r["7_release_binary"]
    rows.append(("7 static release binary", f"{seven['size_mb']:.1f} MB ({seven['size_mib']:.1f} MiB) stripped",
                 f"version {seven['version_startup_ms']['median']:.2f} ms", "<= 80 MB"))
    if "N1_native_setup_s" in r:
        n1 = r["N1_native_setup_s"]
        rows.append(("N1 setup, native gRPC", f"native {n1['native']['median']*1000:.0f} ms, raw ssh -s {n1['raw']['median']*1000:.0f} ms",
                     f"ratio {n1['ratio']:.3f}", "<= 0.75"))
        if "leg_to_node_banner" in n1:
            leg = n1["leg_to_node_banner"]
            rows.append(("N1b the leg alone, to the node's banner",
                         f"native {leg['native']['median']*1000:.0f} ms, raw ssh -s {leg['raw']['median']*1000:.0f} ms",
                         f"ratio {leg['ratio']:.3f}", "(where N1 goes)"))
            rows.append(("N1c ssh straight to the node, no proxy", f"{n1['direct_to_node']['median']*1000:.0f} ms",
                         f"direct / raw {n1['zero_cost_leg_ratio']:.3f}", "(N1's floor)"))
        n2 = r["N2_native_throughput"]
        for d in ("up", "down"):
            t = n2[d]
            rows.append((f"N2 native {d} ({n2['bytes'] >> 20} MiB)",
                         f"native {t['native_mib_s']['median']:.0f}, OpenSSH leg {t['openssh_leg_mib_s']['median']:.0f} MiB/s",
                         f"ratio {t['ratio']:.3f}", ">= 0.9"))
            if "sandbox_cpu_s_per_gib" in t:
                sb, busy = t["sandbox_cpu_s_per_gib"], t["machine_busy"]
                rows.append((f"N2b sandbox's CPU {d}", f"native {sb['native']['median']:.2f}, OpenSSH leg {sb['openssh']['median']:.2f} s/GiB",
                             f"machine busy {busy['native']['median']:.0%} / {busy['openssh']['median']:.0%}", "(what bounds N2)"))
        n3 = r["N3_native_cpu_and_memory"]
        for d in ("up", "down"):
            rows.append((f"N3 native CPU {d}", f"tsh {n3[d + '_tsh_cpu_s_per_gib']['median']:.2f} s/GiB, ssh {n3[d + '_ssh_cpu_s_per_gib']['median']:.2f} s/GiB",
                         f"ratio {n3[d + '_cpu_ratio']:.2f}, RSS {n3[d + '_peak_rss_mb']:.1f} MB", "<= 0.5, <= 30 MB"))
            if d + "_openssh_leg_cpu_s_per_gib" in n3:
                rows.append((f"N3c the OpenSSH leg's ProxyCommand {d}", f"{n3[d + '_openssh_leg_cpu_s_per_gib']['median']:.2f} s/GiB",
                             f"tsh native {n3[d + '_vs_openssh_leg_ratio']:.2f} x it", "(the same relay without gRPC)"))
            if d + "_tsh_system_s_per_gib" in n3:
                rows.append((f"N3b tsh in the kernel {d}", f"{n3[d + '_tsh_system_s_per_gib']['median']:.2f} s/GiB",
                             f"alone {n3[d + '_system_only_ratio']:.2f} x ssh", "(N3's floor)"))
        n5 = r["N5_native_fan_out_50"]
        rows.append(("N5 native fan-out 50", f"{n5['wall_s']['median']:.2f} s", f"ok {n5['succeeded']}", "50/50"))
        n6 = r["N6_ls_vs_status"]
        rows.append((f"N6 tsh ls ({n6['nodes']} nodes)", f"{n6['ls']['time_ms']['median']:.0f} ms, RSS {n6['ls']['peak_rss_mb']:.1f} MB",
                     f"status {n6['status']['time_ms']['median']:.1f} ms, RSS {n6['status']['peak_rss_mb']:.1f} MB", "(reported)"))
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("figure", "measured", "", "target")
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, width)) + " |",
             "|" + "|".join("-" * (w + 2) for w in width) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, width)) + " |" for row in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and 128 MiB transfers")
    parser.add_argument("--tsh", help="tsh binary to measure (default: the static release build)")
    parser.add_argument("--native-only", action="store_true",
                        help="only the gRPC transport's figures (N1-N6) and the binary (7)")
    parser.add_argument("--out", default=str(ROOT / "Benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()

    static_bin = str(ROOT / ".build-static" / "tsh")  # scripts/release: stripped
    tsh = args.tsh or static_bin
    with tempfile.TemporaryDirectory(prefix="tsh-bench-") as tmp:
        work = pathlib.Path(tmp)
        with running_sandbox(work / "sandbox", "--mode", "sshd") as state:
            bench = Bench(tsh, state, work, args.quick)
            bench.setup()
            steps = (bench.connection_setup, bench.own_time, bench.throughput, bench.fan_out,
                     bench.local_commands, bench.login_cost)
            for step in ([] if args.native_only else steps):
                print(f"running {step.__name__} …", file=sys.stderr, flush=True)
                step()
            bench.binary(static_bin)
            bench.stop_masters()
            results_sshd = bench.results
        with running_sandbox(work / "sandbox-native") as state:
            native = NativeBench(tsh, state, work / "native", args.quick)
            (work / "native").mkdir()
            native.home = work / "native" / "tsh-home"
            native.env = dict(native.env, TELEPORT_HOME=str(native.home))
            native.setup()
            for step in (native.native_setup, native.native_throughput, native.native_fan_out, native.ls_cost):
                print(f"running {step.__name__} …", file=sys.stderr, flush=True)
                step()
            bench.results = {**results_sshd, **native.results}
    results = {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                           "ssh": subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip(),
                           "date": time.strftime("%Y-%m-%d")},
               "tsh": tsh, "quick": args.quick, **bench.results}
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
