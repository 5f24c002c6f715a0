#!/usr/bin/env python3
"""Writes the crafted inputs of Tests/TeleportClientTests/Golden/fuzz/<target>/.

These are the tricky inputs the regression test (FuzzRegressionTests.swift)
replays besides the crashes the fuzzer found: nested certificates, hostile
lengths, odd YAML escapes, CRLF files, values that try to inject ssh_config
directives. Certificates are built from the seed certificates in
Fuzz/Corpus/certificate (made with ssh-keygen). Re-running this script rewrites
the crafted files; files the fuzzer found (crash-*) are left alone.

    Fuzz/make-regression-inputs.py
"""
import base64
import os
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(FUZZ), "Tests", "TeleportClientTests", "Golden", "fuzz")
SEP = b"\xff"  # value separator of the multi-value targets
SUB = b"\xfe"  # cluster-name separator of ssh-config


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def seed(target, name):
    with open(os.path.join(FUZZ, "Corpus", target, name), "rb") as f:
        return f.read()


# SSH wire format -------------------------------------------------------------

def u32(n):
    return struct.pack(">I", n)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def read_fields(blob):
    """Splits a certificate blob into its top-level fields (raw encodings)."""
    # type, nonce, then the key fields, serial(8), type(4), key id, principals,
    # valid after(8), valid before(8), critical options, extensions, reserved,
    # signature key, signature.
    out = []
    i = 0

    def take_string():
        nonlocal i
        (n,) = struct.unpack(">I", blob[i:i + 4])
        raw = blob[i:i + 4 + n]
        i += 4 + n
        return raw

    def take(n):
        nonlocal i
        raw = blob[i:i + n]
        i += n
        return raw

    typ = take_string()
    out.append(typ)
    out.append(take_string())  # nonce
    name = typ[4:].decode()
    key_strings = {"ssh-ed25519-cert-v01@openssh.com": 1, "ssh-rsa-cert-v01@openssh.com": 2}.get(name, 2)
    out.append(b"".join(take_string() for _ in range(key_strings)))
    out.append(take(8))
    out.append(take(4))
    for _ in range(2):
        out.append(take_string())  # key id, principals
    out.append(take(8))
    out.append(take(8))
    for _ in range(5):
        out.append(take_string())  # options, extensions, reserved, signature key, signature
    assert i == len(blob), (i, len(blob))
    return out


def line(blob, comment=""):
    typ = blob[4:4 + struct.unpack(">I", blob[:4])[0]].decode()
    return f"{typ} {base64.b64encode(blob).decode()}{' ' + comment if comment else ''}\n"


def certificate():
    ed = seed("certificate", "blob-1.bin")   # ed25519 cert, ed25519 CA
    rsa = seed("certificate", "blob-3.bin")  # rsa cert, rsa CA (rsa-sha2-512)
    f = read_fields(ed)
    SIGKEY, SIG = 12, 13

    # A certificate whose CA key is a certificate, itself signed by a
    # certificate, … 200 deep: refused without recursion.
    nested = ed
    for _ in range(200):
        g = list(f)
        g[SIGKEY] = string(nested)
        nested = b"".join(g)
    write("certificate", "nested-ca-certificates.bin", nested)
    write("certificate", "nested-ca-certificates.line", line(nested))
    g = list(f)
    g[SIGKEY] = string(ed)
    write("certificate", "ca-is-certificate.bin", b"".join(g))

    # Hostile lengths.
    write("certificate", "type-length-4GiB.bin", u32(0xFFFFFFFF) + b"ssh-ed25519-cert-v01@openssh.com")
    g = list(f)
    g[6] = u32(0xFFFFFFF0) + g[6][4:]  # principals
    write("certificate", "principals-length-huge.bin", b"".join(g))
    g = list(f)
    g[6] = string(string("alice") + u32(1000))  # a principal claiming more than the list holds
    write("certificate", "principal-overruns-list.bin", b"".join(g))
    g = list(f)
    g[10] = string(string("permit-pty") + string(string("x") + b"trailing"))
    write("certificate", "extension-value-trailing-bytes.bin", b"".join(g))
    g = list(f)
    g[10] = string(string("teleport-roles") + string(string('{"version":"v1","roles":[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]}')))
    write("certificate", "roles-json-nested.bin", b"".join(g))
    g = list(f)
    g[SIG] = string(string("ssh-ed25519") + string(b"\0" * 64) + b"x")
    write("certificate", "signature-trailing-bytes.bin", b"".join(g))
    g = list(f)
    g[SIG] = string(string("sk-ssh-ed25519@openssh.com") + string(b"\0" * 64) + b"\x01" + u32(7))
    write("certificate", "sk-signature-format.bin", b"".join(g))
    write("certificate", "truncated.bin", ed[: len(ed) // 2])
    write("certificate", "trailing-byte.bin", ed + b"\0")
    g = list(f)
    g[3] = b"\xff" * 8  # serial, and valid before forever below
    g[8] = b"\xff" * 8
    write("certificate", "serial-and-expiry-max.bin", b"".join(g))

    # Bad CA keys: an ECDSA point not on the curve, a small RSA key.
    fr = read_fields(rsa)
    g = list(fr)
    g[SIGKEY] = string(string("ecdsa-sha2-nistp256") + string("nistp256") + string(b"\x04" + b"\x01" * 64))
    g[SIG] = string(string("ecdsa-sha2-nistp256") + string(string(b"\x01") + string(b"\x01")))
    write("certificate", "ecdsa-ca-point-off-curve.bin", b"".join(g))
    g = list(fr)
    g[SIGKEY] = string(string("ssh-rsa") + string(b"\x01\x00\x01") + string(b"\x00" + b"\xc3" * 128))
    write("certificate", "rsa-ca-1024-bit.bin", b"".join(g))
    g = list(fr)
    g[SIGKEY] = string(string("ssh-rsa") + string(b"\x7f" * 64) + string(b"\x00" + b"\xc3" * 2048))
    write("certificate", "rsa-ca-huge-exponent.bin", b"".join(g))
    g = list(fr)
    g[SIG] = string(string("rsa-sha2-512") + string(b"\x01" * 600))
    write("certificate", "rsa-signature-longer-than-modulus.bin", b"".join(g))

    # Lines.
    write("certificate", "line-declared-type-differs.txt",
          "ssh-rsa-cert-v01@openssh.com " + base64.b64encode(ed).decode() + "\n")
    write("certificate", "line-noncanonical-base64.txt",
          "ssh-ed25519-cert-v01@openssh.com " + base64.b64encode(ed + b"\0").decode()[:-2] + "B=\n")
    write("certificate", "line-with-nul.txt", line(ed).replace(" ", "\0 ", 1))
    write("certificate", "line-crlf-and-blanks.txt", " \t" + line(ed, "alice@example.com").rstrip("\n") + " \r\n")


def public_key():
    ed = seed("public-key", "ca_ed25519.pub").decode().split()
    p256 = seed("public-key", "ca_p256.pub").decode().split()
    edl = " ".join(ed[:2])
    p256l = " ".join(p256[:2])
    hosts = "proxy.example.com,example.com,*.example.com"
    # CRLF known_hosts: the CA line for the cluster comes first.
    write("public-key", "known-hosts-crlf.bin",
          f"@cert-authority {hosts} {p256l} type=host\r\nnode1 {edl}\r\n".encode()
          + SEP + b"proxy.example.com" + SEP + b"example.com" + SEP + edl.encode())
    # A stale CA line separated by tabs, as OpenSSH also reads it.
    write("public-key", "known-hosts-tab-separated-stale-ca.bin",
          f"@cert-authority\t{hosts}\t{p256l} type=host\n".encode()
          + SEP + b"proxy.example.com" + SEP + b"example.com" + SEP + edl.encode())
    write("public-key", "known-hosts-blank-and-comments.bin",
          f"# comment\n\n   \n\t{edl}\t\n@cert-authority {hosts} {edl} type=host\n".encode()
          + SEP + b"proxy.example.com" + SEP + b"example.com" + SEP + edl.encode() + SEP + p256l.encode())
    write("public-key", "known-hosts-invalid-host-and-cluster.bin",
          b"x\n" + SEP + b"proxy example" + SEP + b"../etc" + SEP + edl.encode())
    write("public-key", "key-line-type-mismatch.txt", "ssh-rsa " + ed[1] + "\n")
    write("public-key", "key-line-comment-with-tabs.txt", edl + " \tcomment\twith  spaces \n")
    write("public-key", "key-line-only-type.txt", "ssh-ed25519\n")
    write("public-key", "key-blob-length-4GiB.bin", u32(0xFFFFFFFF) + b"ssh-ed25519")
    write("public-key", "key-rsa-zero-exponent.bin", string("ssh-rsa") + string(b"") + string(b"\x00\xc3"))
    write("public-key", "key-ecdsa-curve-mismatch.bin",
          string("ecdsa-sha2-nistp256") + string("nistp384") + string(b"\x04" + b"\0" * 96))
    cert = seed("certificate", "line-1.txt")
    write("public-key", "certificate-line.txt", cert)


def profile():
    write("profile", "nul-escape.yaml", 'web_proxy_addr: proxy.example.com:443\ndir: "\\0"\n')
    write("profile", "ssh-dial-timeout-8.2s.yaml", "web_proxy_addr: proxy.example.com:443\nssh_dial_timeout: 8.2s\n")
    write("profile", "lf-profile-read-as-crlf.yaml", "web_proxy_addr: proxy.example.com:443\nuser: bob\n")
    write("profile", "escapes.yaml",
          'web_proxy_addr: "proxy.example.com:443"\n'
          'dir: "C:\\\\tsh\\t\\"x\\"\\n\\r\\/"\n'
          "piv_slot: 'it''s'\n"
          "mfa_mode: ~\n"
          "auth_connector: null\n"
          "sso_host: a # comment\n"
          "kube_proxy_addr: '#not a comment'\n")
    write("profile", "bad-escapes.yaml", 'web_proxy_addr: "a:1\\x41"\n')
    write("profile", "unterminated.yaml", 'web_proxy_addr: "proxy.example.com:443\n')
    write("profile", "lone-quote.yaml", "web_proxy_addr: '\n")
    write("profile", "lists.yaml",
          "web_proxy_addr: proxy.example.com:443\n"
          "dynamic_forward_ports:\n- a\n-\n- 'b c'\n  - \"d\"\n"
          "other: [x, 'y', \"z\"]\n"
          "nested:\n  a: 1\n  b:\n    - c\n"
          "user: alice\n")
    write("profile", "flow-list-unterminated.yaml", "web_proxy_addr: a:1\ndynamic_forward_ports: [a, b\n")
    write("profile", "values-needing-quotes.yaml",
          "web_proxy_addr: proxy.example.com:443\n"
          "dir: 'yes'\npiv_slot: '123'\nmfa_mode: '2024-01-01'\nauth_connector: '-x'\nsso_host: 'a: b'\n"
          "private_key_policy: 'x:'\nkube_proxy_addr: ' lead'\nmongo_proxy_addr: 'é'\n")
    write("profile", "timeouts.yaml",
          "web_proxy_addr: proxy.example.com:443\nssh_dial_timeout: 2562047h47m16.854775807s\n")
    write("profile", "timeout-overflow.yaml",
          "web_proxy_addr: proxy.example.com:443\nssh_dial_timeout: 99999999999999999999h\n")
    write("profile", "combining-mark-after-quote.yaml", 'web_proxy_addr: proxy.example.com:443\ndir: "\u0301"\n')
    write("profile", "invalid-user.yaml", "web_proxy_addr: proxy.example.com:443\nuser: ../../etc\n")
    write("profile", "no-web-proxy.yaml", "user: alice\n")
    write("profile", "invalid-utf8.yaml", b"web_proxy_addr: proxy.example.com:443\ndir: \xc3\x28\n")


def webapi():
    write("webapi", "deeply-nested-arrays.json", "[" * 100000 + "]" * 100000)
    write("webapi", "deeply-nested-objects.json", '{"auth":' * 5000 + "{}" + "}" * 5000)
    write("webapi", "numbers.json",
          '{"auth":{"signature_algorithm_suite":99999999999999999999},"proxy":{"ssh":{"dial_timeout":1e400}}}')
    write("webapi", "suite-negative.json", '{"auth":{"signature_algorithm_suite":-1}}')
    write("webapi", "lone-surrogate.json", '{"cluster_name":"\\ud800","server_version":"\\u001b[31m"}')
    write("webapi", "addresses.json",
          '{"proxy":{"ssh":{"public_addr":",,,","ssh_public_addr":"[::1]:99999","listen_addr":"[]:1"}}}')
    write("webapi", "certs-invalid-base64.json", '{"username":"a","cert":"!!!","host_signers":[]}')
    write("webapi", "certs-non-utf8.json",
          '{"username":"a","cert":"' + base64.b64encode(b"\xff\xfe").decode() + '"}')
    cert = seed("certificate", "line-1.txt")
    write("webapi", "certs-nested-ca.json",
          '{"username":"a","cert":"' + base64.b64encode(open(os.path.join(OUT, "certificate", "nested-ca-certificates.line"), "rb").read()).decode()
          + '","host_signers":[{"domain_name":"../x","checking_keys":["' + base64.b64encode(cert).decode() + '"]}]}')
    write("webapi", "sites-bad-names.json", '[{"name":"a b"},{"name":""},{"name":"example.com"}]')
    write("webapi", "empty.json", "")


def proxy_target():
    write("proxy-target", "fullwidth-ipv6.bin", "root@[::\uff10]:22")
    write("proxy-target", "fullwidth-ipv6-bare.bin", "::\uff11")
    write("proxy-target", "at-only.bin", "@")
    write("proxy-target", "empty-login.bin", "@node1")
    write("proxy-target", "ports.bin", "node1:+22")
    write("proxy-target", "port-zero.bin", "node1:0")
    write("proxy-target", "port-huge.bin", "node1:99999999999999999999999")
    write("proxy-target", "suffix-only.bin", b".proxy.example.com" + SEP + b"proxy.example.com" + SEP + b"example.com")
    write("proxy-target", "double-suffix.bin",
          b"n.example.com.proxy.example.com" + SEP + b"proxy.example.com" + SEP + b"example.com")
    write("proxy-target", "whitespace.bin", "alice@node 1")
    write("proxy-target", "quote.bin", "alice@node\"1")
    write("proxy-target", "newline.bin", "alice@node1\n-oProxyCommand=x")
    write("proxy-target", "option-login.bin", "-oProxyCommand=x@node1")
    write("proxy-target", "long.bin", "a" * 2000 + "@node")
    write("proxy-target", "colons.bin", ":::::")
    write("proxy-target", "brackets.bin", "[node1]:22")


def proxy_address():
    write("proxy-address", "fullwidth-ipv6.bin", "[::\uff10]:443")
    write("proxy-address", "fullwidth-ipv6-hostport.bin", b"x" + SEP + "[::\uff10]:443".encode())
    write("proxy-address", "scheme-only.bin", "https://")
    write("proxy-address", "scheme-upper.bin", "HTTPS://Proxy.Example.com:3080/")
    write("proxy-address", "other-scheme.bin", "http://proxy")
    write("proxy-address", "three-ports.bin", "proxy:1,2,3")
    write("proxy-address", "bracket-unclosed.bin", "[::1")
    write("proxy-address", "bracket-junk.bin", b"[::1]x" + SEP + b"[::1]x:1")
    write("proxy-address", "colon-host.bin", b"::1" + SEP + b"::1")
    write("proxy-address", "empty-ports.bin", b"proxy:," + SEP + b"proxy:")
    write("proxy-address", "blanks.bin", b" \tproxy.example.com\t " + SEP + b" proxy:1")
    write("proxy-address", "port-signs.bin", b"proxy:+443,-1" + SEP + b"proxy:+443")


def ssh_config():
    def params(host=b"proxy.example.com", pport=b"443", clusters=b"example.com", kh=b"/h/.tsh/known_hosts",
               ident=b"/h/.tsh/keys/p/alice", cert=b"/h/.tsh/keys/p/alice-ssh/example.com-cert.pub",
               login=b"alice", port=b"3022", exe=b"/usr/local/bin/tsh", app=b"tsh"):
        return SEP.join([host, pport, clusters, kh, ident, cert, login, port, exe, app])

    write("ssh-config", "percent-everywhere.bin",
          params(kh=b"/%h/%%/%", ident=b"/a%r", cert=b"/%", login=b"%u", exe=b"/opt/%p/tsh"))
    write("ssh-config", "newline-in-cluster.bin", params(clusters=b"example.com\n    ProxyCommand evil"))
    write("ssh-config", "newline-in-path.bin", params(kh=b"/tmp/x\"\n    ProxyCommand evil #"))
    write("ssh-config", "quote-in-path.bin", params(ident=b"/tmp/\" -oProxyCommand=evil \""))
    write("ssh-config", "cr-in-login.bin", params(login=b"alice\rProxyCommand evil"))
    write("ssh-config", "nul-in-exe.bin", params(exe=b"/usr/bin/tsh\0evil"))
    write("ssh-config", "dollar-in-exe.bin", params(exe=b"/tmp/$(evil)/tsh"))
    write("ssh-config", "backquote-in-exe.bin", params(exe=b"/tmp/`evil`/tsh"))
    write("ssh-config", "tab-in-path.bin", params(kh=b"/tmp/a\tb"))
    write("ssh-config", "unicode-separators.bin", params(kh="/tmp/\u2028\u0085\u2029".encode()))
    write("ssh-config", "relative-path.bin", params(cert=b"relative/cert.pub"))
    write("ssh-config", "host-with-space.bin", params(host=b"proxy example.com"))
    write("ssh-config", "ipv6-proxy.bin", params(host=b"::1"))
    write("ssh-config", "many-clusters.bin", params(clusters=SUB.join([b"c%d.example.com" % i for i in range(8)])))
    write("ssh-config", "empty-cluster.bin", params(clusters=b"example.com" + SUB))
    write("ssh-config", "app-name.bin", params(app=b"tsh\n    ProxyCommand evil"))
    write("ssh-config", "ports.bin", params(pport=b"0", port=b"65536"))
    write("ssh-config", "login-at.bin", params(login=b"alice@example.com"))


if __name__ == "__main__":
    certificate()
    public_key()
    profile()
    webapi()
    proxy_target()
    proxy_address()
    ssh_config()
    for target in sorted(os.listdir(OUT)):
        if os.path.isdir(os.path.join(OUT, target)):
            print(target, len(os.listdir(os.path.join(OUT, target))))
