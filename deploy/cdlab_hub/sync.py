#!/usr/bin/env python3
"""Copy the course's published notebooks into the student's home, never overwriting the student's edits.

Runs as the student (from bin/cdlab-singleuser at every server start, and from `cdlab-course release` for every
student), so it can only touch what the student owns. For each file under the published folder:
  - missing in the home                         -> copied;
  - present, unchanged since cdlab copied it    -> replaced by the new version if the course's copy changed;
  - present and edited by the student (or never copied by cdlab) -> left alone.
The manifest ~/.cdlab/manifest.json records, per file, the sha256 of the version copied and when.

    python3 sync.py PUBLISHED_DIR HOME_DIR/curso
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def published_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.relpath(os.path.join(d, name), root)


def sync(source, target, manifest_path):
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (FileNotFoundError, ValueError):
        manifest = {"files": {}}
    files = manifest.setdefault("files", {})
    actions = {"copied": [], "updated": [], "kept": []}
    for rel in published_files(source):
        src = os.path.join(source, rel)
        dst = os.path.join(target, rel)
        new = sha256(src)
        entry = files.get(rel)
        if os.path.lexists(dst):
            if entry is None or not os.path.isfile(dst) or os.path.islink(dst) or sha256(dst) != entry["sha256"]:
                actions["kept"].append(rel)  # the student's version
                continue
            if entry["sha256"] == new:
                continue
            action = "updated"
        else:
            action = "copied"
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dst), prefix=".cdlab-sync-")
        os.close(fd)
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
        files[rel] = {"sha256": new, "copied": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        actions[action].append(rel)
    os.makedirs(os.path.dirname(manifest_path), exist_ok=True)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(manifest_path + ".tmp", manifest_path)
    return actions


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    source, target = argv[1], argv[2]
    if not os.path.isdir(source):
        print(f"cdlab sync: nothing published at {source}", file=sys.stderr)
        return 0
    home = os.path.expanduser("~")
    actions = sync(source, target, os.path.join(home, ".cdlab", "manifest.json"))
    print("cdlab sync: " + ", ".join(f"{len(v)} {k}" for k, v in actions.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
