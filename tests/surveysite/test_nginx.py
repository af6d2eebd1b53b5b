"""deploy/nginx.conf, run by Debian's nginx on loopback ports with a prefix of the test's own
(never the system's nginx, never port 80), in front of the live server: it keeps personal links
out of its logs and passes Django the host and the scheme."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from responses.links import link_nonce_new, link_secret
from tests.factories import HttpClient, free_port, server_start

CONFIG = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"
HOST = "survey.example.org"
# What the test changes in the shipped file: each must be there, or the test would not be
# running the configuration operators copy.
RENDER = {
    "listen 80;": "listen 127.0.0.1:{http};",
    "listen [::]:80;": "",
    "listen 443 ssl;": "listen 127.0.0.1:{https} ssl;",
    "listen [::]:443 ssl;": "",
    f"/etc/letsencrypt/live/{HOST}/": "{prefix}/",
    "/var/log/nginx/": "{prefix}/",
    "server 127.0.0.1:8000;": "server 127.0.0.1:{upstream};",
}
MAIN = """\
pid {prefix}/nginx.pid;
error_log {prefix}/main.error.log info;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/main.access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/surveysite.conf;
}}
"""


def rendered(**values) -> str:
    text = CONFIG.read_text()
    absent = [line for line in RENDER if line not in text]
    assert absent == [], f"deploy/nginx.conf no longer has {absent}: update RENDER"
    for line, replacement in RENDER.items():
        text = text.replace(line, replacement.format(**values))
    return text


def certificate(folder: Path) -> None:
    """A self-signed certificate for HOST, where deploy/nginx.conf names Let's Encrypt's."""
    subprocess.run(
        [shutil.which("openssl"), "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", folder / "privkey.pem", "-out", folder / "fullchain.pem"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip


@pytest.fixture
def nginx(nginx_binary, tmp_path):
    """Start nginx with deploy/nginx.conf in front of 127.0.0.1:<upstream>; stopped at the end."""
    servers = []

    def start(upstream: int):
        certificate(tmp_path)
        ports = {"http": free_port(), "https": free_port(), "upstream": upstream}
        (tmp_path / "surveysite.conf").write_text(rendered(prefix=tmp_path, **ports))
        (tmp_path / "nginx.conf").write_text(MAIN.format(prefix=tmp_path))
        command = [nginx_binary, "-p", tmp_path, "-c", tmp_path / "nginx.conf"]
        command += ["-e", tmp_path / "early.error.log", "-g", "daemon off;"]
        server = server_start(command, name="nginx", port=ports["https"], logs=tmp_path)
        servers.append(server)
        return ports["http"], ports["https"], server

    yield start
    for server in servers:
        server.stop()


def logs(prefix: Path) -> str:
    return "".join(path.read_text() for path in sorted(prefix.glob("*.log")))


def requests_logged(prefix: Path) -> list[str]:
    lines = (prefix / "surveysite.access.log").read_text().splitlines()
    return [line.split('"')[1] for line in lines]


@pytest.fixture
def proxied_site(settings, live_server, nginx):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return nginx(int(live_server.url.rsplit(":", 1)[1]))


def test_nginx_keeps_personal_links_out_of_its_logs(proxied_site, secret, tmp_path):
    http, https, server = proxied_site
    expert = HttpClient(https, host=HOST, tls=True)
    assert expert.get(f"/s/{secret}/").status == 302
    assert expert.get(f"/s/{secret}/decline/").status == 302
    assert expert.get("/", headers={"Referer": f"https://{HOST}/s/{secret}/"}).status == 200
    assert HttpClient(http, host=HOST).get(f"/s/{secret}/").status == 301
    server.stop()
    assert requests_logged(tmp_path) == [
        "GET /s/[redacted]/ HTTP/1.1",
        "GET /s/[redacted]/decline/ HTTP/1.1",
        "GET / HTTP/1.1",
        "GET /s/[redacted]/ HTTP/1.1",
    ]
    assert f'"https://{HOST}/s/[redacted]/"' in logs(tmp_path)
    assert secret not in logs(tmp_path)


def test_nginx_passes_django_the_host_and_the_https_scheme(proxied_site, secret):
    # Django's CSRF check compares the Origin with the scheme and host it sees: a POST from
    # https://survey.example.org passes only if nginx forwarded both.
    _, https, _ = proxied_site
    expert = HttpClient(https, host=HOST, tls=True)
    expert.get(f"/s/{secret}/")
    landing = expert.get("/survey/")
    consent = {"csrfmiddlewaretoken": landing.csrf_token(), "consent": "on"}
    reply = expert.post("/survey/consent/", consent, headers={"Origin": f"https://{HOST}"})
    assert (reply.status, reply.headers["Location"]) == (302, "/survey/page/1/")


def test_nginx_writes_no_personal_link_when_gunicorn_is_down(nginx, tmp_path):
    secret = link_secret(link_nonce_new())
    _, https, server = nginx(free_port())
    assert HttpClient(https, host=HOST, tls=True).get(f"/s/{secret}/").status == 502
    server.stop()
    assert requests_logged(tmp_path) == ["GET /s/[redacted]/ HTTP/1.1"]
    assert secret not in logs(tmp_path)
