"""JupyterHub configuration for one cdlab course server.

    jupyterhub -f /opt/cdlab/deploy/jupyterhub_config.py      (as root; see docs/instructors/course-server.md)

One Unix account per student (PAM login; CdlabSpawner = LocalProcessSpawner with limits and private /tmp, /dev/shm
and IPC), the cdlab kernel by default, the course notebooks synced into ~/curso at every start (never over a
student's edit), idle kernels and idle servers culled by jupyter_server itself, the instructor as hub admin.
Every setting comes from the environment (/etc/default/cdlab-hub): see cdlab_hub/settings.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdlab_hub.settings import Settings  # noqa: E402

c = get_config()  # noqa: F821  (provided by JupyterHub)
env = os.environ
s = Settings.from_env()
os.makedirs(s.state, mode=0o700, exist_ok=True)

# --- the hub and its proxy (everything on 127.0.0.1 unless CDLAB_HUB_BIND says otherwise) -------------------------
c.JupyterHub.bind_url = env.get("CDLAB_HUB_BIND", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env.get("CDLAB_HUB_INTERNAL_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env.get('CDLAB_PROXY_API_PORT', '8001')}"
# Debian's configurable-http-proxy does not start on Node 20; the npm package (a devDependency of cdlab) does.
c.ConfigurableHTTPProxy.command = [s.node, os.path.join(s.root, "node_modules", "configurable-http-proxy", "bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(s.state, "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{os.path.join(s.state, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(s.state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(s.state, "jupyterhub.pid")
# Stopping the hub stops every student's server (and CdlabSpawner.stop leaves none of their processes).
c.JupyterHub.cleanup_servers = env.get("CDLAB_HUB_CLEANUP_SERVERS", "1") == "1"
c.JupyterHub.cleanup_proxy = True
if "CDLAB_HUB_SSL_CERT" in env:
    c.JupyterHub.ssl_cert = env["CDLAB_HUB_SSL_CERT"]
    c.JupyterHub.ssl_key = env["CDLAB_HUB_SSL_KEY"]

# --- who logs in ---------------------------------------------------------------------------------------------------
# The students' Unix passwords (PAM), members of the students' group, plus the instructor (CdlabPAMAuthenticator:
# JupyterHub 3.0 alone would ignore allowed_users once allowed_groups is set). The tests log in this way too, with
# passwords set by chpasswd.
c.JupyterHub.authenticator_class = "cdlab_hub.auth.CdlabPAMAuthenticator"
c.PAMAuthenticator.allowed_groups = {s.student_group}
c.Authenticator.allowed_users = {s.instructor}
c.PAMAuthenticator.open_sessions = False
c.Authenticator.admin_users = {s.instructor}
if env.get("CDLAB_HUB_ADMIN_TOKEN"):
    # A service with admin rights for scripts (the tests, the bench): creates tokens, starts and stops servers.
    c.JupyterHub.services = [{"name": "cdlab-admin", "api_token": env["CDLAB_HUB_ADMIN_TOKEN"], "admin": True}]

# --- each student's server -----------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "cdlab_hub.spawner.CdlabSpawner"
c.Spawner.cmd = [os.path.join(s.deploy, "bin", "cdlab-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/curso"
c.Spawner.mem_limit = s.mem_limit
c.Spawner.cpu_limit = s.cpu_limit
c.CdlabSpawner.pids_limit = s.pids_limit
# Many students logging in at once on few cores: a server may need a while to answer (CDLAB_SPAWN_TIMEOUT seconds).
c.Spawner.start_timeout = int(env.get("CDLAB_SPAWN_TIMEOUT", "180"))
c.Spawner.http_timeout = int(env.get("CDLAB_SPAWN_TIMEOUT", "180"))
spawn_env = {
    "CDLAB_PUBLISHED": s.published,
    "CDLAB_HUB_VENV": s.venv,
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
}
if env.get("CDLAB_JUPYTER_PATH"):
    spawn_env["JUPYTER_PATH"] = env["CDLAB_JUPYTER_PATH"]  # where the cdlab kernelspec is, if not system-wide
c.Spawner.environment = spawn_env
kernel_idle = int(env.get("CDLAB_KERNEL_IDLE_SECONDS", "1800"))
server_idle = int(env.get("CDLAB_SERVER_IDLE_SECONDS", "3600"))
# How often the hub checks that a server is still running (a server that stopped itself is then cleaned up).
c.Spawner.poll_interval = int(env.get("CDLAB_SPAWNER_POLL_SECONDS", "30"))
c.Spawner.args = [
    "--MappingKernelManager.default_kernel_name=cdlab",
    # jupyter_server's own culling: an idle kernel is shut down (checked every minute, or every half timeout when
    # that is shorter), then a server with no kernel and no activity stops itself (checked every minute).
    f"--MappingKernelManager.cull_idle_timeout={kernel_idle}",
    f"--MappingKernelManager.cull_interval={max(1, min(60, kernel_idle // 2))}",
    "--MappingKernelManager.cull_connected=True",
    f"--ServerApp.shutdown_no_activity_timeout={server_idle}",
    f"--TerminalManager.cull_inactive_timeout={kernel_idle}",
]
