"""cdlab-course: the instructor's release, collect and grade for the whole class (nbgrader's course layout).

Run as root (the instructor through sudo, see docs/instructors/course-server.md); every step drops to the user it
acts for: the release and the grading run as the instructor, a student's notebooks are copied and read as that
student (a student's symlink cannot make root read or write anything).

  cdlab-course init                 source/<nome>/<nome>.ipynb from the install's exercises; publish the lectures
  cdlab-course students             the class (members of the students' group)
  cdlab-course release <nome>       cdlab release -> release/<nome>/, published, copied into every student's ~/curso
  cdlab-course collect <nome>       ~aluno/curso/exercicios/<arquivo> -> submitted/<aluno>/<nome>/<arquivo>
                                    (a copy still identical to the release is not a submission)
  cdlab-course grade <nome>         cdlab grade --course: every collected submission, sandboxed -> autograded/,
                                    feedback/, gradebook-<nome>.csv (+ one JSON line per submission)

Course folder (CDLAB_COURSE_DIR, default ~instructor/curso, mode 0700):
  source/<nome>/  release/<nome>/  submitted/<aluno>/<nome>/  autograded/  feedback/  gradebook-<nome>.csv
"""
import glob
import grp
import os
import pwd
import shutil
import subprocess
import sys
import time

from .settings import Settings


def _as(user, cmd, **kw):
    e = pwd.getpwnam(user)
    env = {"HOME": e.pw_dir, "USER": user, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(cmd, user=e.pw_uid, group=e.pw_gid, extra_groups=[], env=env, cwd=e.pw_dir, **kw)


def _own(path, user, mode):
    e = pwd.getpwnam(user)
    os.chown(path, e.pw_uid, e.pw_gid)
    os.chmod(path, mode)


def _give(top, user):
    """chown `top` (a file, or a folder and everything in it) to `user`, never through a symlink."""
    e = pwd.getpwnam(user)
    paths = [top] if os.path.isfile(top) else []
    for d, dirs, files in os.walk(top):
        paths += [d] + [os.path.join(d, f) for f in dirs + files]
    for p in paths:
        if not os.path.islink(p):
            os.chown(p, e.pw_uid, e.pw_gid)


def _mkdir(path, user, mode=0o700):
    os.makedirs(path, exist_ok=True)
    _own(path, user, mode)


def students(s):
    try:
        g = grp.getgrnam(s.student_group)
    except KeyError:
        return []
    names = set(g.gr_mem) | {p.pw_name for p in pwd.getpwall() if p.pw_gid == g.gr_gid}
    return sorted(n for n in names if n != s.instructor)


def init(s):
    _mkdir(s.course_dir, s.instructor)
    for sub in ("source", "release", "submitted"):
        _mkdir(os.path.join(s.course_dir, sub), s.instructor)
    for src in sorted(glob.glob(os.path.join(s.root, "notebooks", "exercicios", "*.ipynb"))):
        name = os.path.splitext(os.path.basename(src))[0]
        d = os.path.join(s.course_dir, "source", name)
        _mkdir(d, s.instructor)
        dst = os.path.join(d, os.path.basename(src))
        if not os.path.exists(dst):
            shutil.copyfile(src, dst)
            _own(dst, s.instructor, 0o600)
    os.makedirs(s.published, exist_ok=True)
    os.chmod(s.published, 0o755)
    for src in sorted(glob.glob(os.path.join(s.root, "notebooks", "*.ipynb"))):
        dst = os.path.join(s.published, os.path.basename(src))
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o644)
    print(f"curso em {s.course_dir}; aulas publicadas em {s.published}")


def sync_student(s, student):
    e = pwd.getpwnam(student)
    if not os.path.isdir(e.pw_dir):
        return None
    sync = os.path.join(s.deploy, "cdlab_hub", "sync.py")
    r = _as(student, ["/usr/bin/python3", sync, s.published, os.path.join(e.pw_dir, "curso")], capture_output=True, text=True)
    return r.stderr.strip()


def release(s, name):
    src_dir = os.path.join(s.course_dir, "source", name)
    sources = sorted(glob.glob(os.path.join(src_dir, "*.ipynb")))
    if not sources:
        raise SystemExit(f"cdlab-course: nenhum notebook em {src_dir}")
    out = os.path.join(s.course_dir, "release", name)
    _mkdir(out, s.instructor)
    r = _as(s.instructor, [s.node, os.path.join(s.root, "bin", "cdlab.js"), "release", *sources, "--out", out])
    if r.returncode != 0:
        raise SystemExit("cdlab-course: cdlab release falhou")
    pub = os.path.join(s.published, "exercicios")
    os.makedirs(pub, exist_ok=True)
    os.chmod(pub, 0o755)
    for f in sorted(os.listdir(out)):
        shutil.copyfile(os.path.join(out, f), os.path.join(pub, f))
        os.chmod(os.path.join(pub, f), 0o644)
    for st in students(s):
        print(f"{st}: {sync_student(s, st)}")


def collect(s, name):
    # A student's copy identical to the release is not a submission (nothing was done); anything else is.
    released = os.path.join(s.course_dir, "release", name)
    files = sorted(os.listdir(released))
    missing = []
    for st in students(s):
        home = pwd.getpwnam(st).pw_dir
        dest = os.path.join(s.course_dir, "submitted", st, name)
        got = 0
        for f in files:
            r = _as(st, ["cat", "--", os.path.join(home, "curso", "exercicios", f)], capture_output=True)
            if r.returncode != 0:
                continue
            with open(os.path.join(released, f), "rb") as orig:
                if orig.read() == r.stdout:
                    continue
            _mkdir(os.path.join(s.course_dir, "submitted", st), s.instructor)
            _mkdir(dest, s.instructor)
            with open(os.path.join(dest, f), "wb") as out:
                out.write(r.stdout)
            _own(os.path.join(dest, f), s.instructor, 0o600)
            got += 1
        if got:
            with open(os.path.join(dest, "timestamp.txt"), "w") as t:
                t.write(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()) + "\n")
            _own(os.path.join(dest, "timestamp.txt"), s.instructor, 0o600)
        else:
            missing.append(st)
    print(f"recolhidos: {len(students(s)) - len(missing)}; sem entrega: {', '.join(missing) or 'ninguém'}")


def grade(s, name):
    # `cdlab grade --course` (the grading issue's class-wide grader): every submitted/<aluno>/<nome>/ against
    # source/<nome>/, each submission in its own sandbox (another uid, its own namespaces), results in autograded/,
    # feedback/ and gradebook-<nome>.csv. It runs as root so that the sandbox can be made; what it writes is then
    # given to the instructor.
    r = subprocess.run([s.node, os.path.join(s.root, "bin", "cdlab.js"), "grade", "--course", s.course_dir, name], cwd=s.course_dir)
    for written in ("autograded", "feedback", f"gradebook-{name}.csv"):
        _give(os.path.join(s.course_dir, written), s.instructor)
    return r.returncode


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if os.geteuid() != 0:
        raise SystemExit("cdlab-course: rode como root (sudo cdlab-course ...)")
    s = Settings.from_env()
    cmd, args = argv[0], argv[1:]
    if cmd == "init":
        init(s)
    elif cmd == "students":
        print("\n".join(students(s)))
    elif cmd in ("release", "collect", "grade") and len(args) == 1:
        return {"release": release, "collect": collect, "grade": grade}[cmd](s, args[0]) or 0
    else:
        raise SystemExit(f"cdlab-course: comando desconhecido: {' '.join(argv)} (veja cdlab-course --help)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
