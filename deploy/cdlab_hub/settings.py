"""The course server's settings, from environment variables (systemd's EnvironmentFile=/etc/default/cdlab-hub),
shared by jupyterhub_config.py and cdlab-course."""
import os
import pwd
import shutil
from dataclasses import dataclass

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


@dataclass
class Settings:
    root: str  # the cdlab install (/opt/cdlab)
    deploy: str
    venv: str  # the single-user servers' Python (/opt/cdlab-hub/venv)
    state: str  # hub database, cookie secret, proxy pid (/var/lib/cdlab-hub)
    published: str  # what every student gets in ~/curso (/srv/cdlab/publicado)
    instructor: str
    student_group: str
    course_dir: str
    node: str
    mem_limit: int
    cpu_limit: float
    pids_limit: int

    @classmethod
    def from_env(cls, env=os.environ):
        instructor = env.get("CDLAB_INSTRUCTOR", "professor")
        try:
            home = pwd.getpwnam(instructor).pw_dir
        except KeyError:
            home = f"/home/{instructor}"
        return cls(
            root=env.get("CDLAB_ROOT", os.path.dirname(DEPLOY)),
            deploy=DEPLOY,
            venv=env.get("CDLAB_HUB_VENV", "/opt/cdlab-hub/venv"),
            state=env.get("CDLAB_HUB_STATE", "/var/lib/cdlab-hub"),
            published=env.get("CDLAB_PUBLISHED", "/srv/cdlab/publicado"),
            instructor=instructor,
            student_group=env.get("CDLAB_STUDENT_GROUP", "cdlab-alunos"),
            course_dir=env.get("CDLAB_COURSE_DIR", os.path.join(home, "curso")),
            node=env.get("CDLAB_NODE") or shutil.which("node") or "/usr/bin/node",
            mem_limit=_size(env.get("CDLAB_MEM_LIMIT", "2G")),
            cpu_limit=float(env.get("CDLAB_CPU_LIMIT", "1")),
            pids_limit=int(env.get("CDLAB_PIDS_LIMIT", "512")),
        )
