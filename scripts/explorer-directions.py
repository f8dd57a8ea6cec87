#!/usr/bin/env python3
"""Draw the explorer's first directions as a sheet through its API (stdlib only).

    bin/sample serve --run runs/builtin --addr 127.0.0.1:8123 &
    python3 scripts/explorer-directions.py http://127.0.0.1:8123/ directions.png [SEED [DIRS]]

Row d is the face of SEED moved along direction d by -4, -2, 0, 2, 4
(the page's slider values), via /api/latent, /api/edit and /api/sheet.png.
"""
import json
import sys
import urllib.request

url, out = sys.argv[1].rstrip("/") + "/", sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 9
ndirs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
steps = (-4, -2, 0, 2, 4)


def get(path):
    with urllib.request.urlopen(url + path) as r:
        return r.read()


z = json.loads(get(f"api/latent?seed={seed}"))["z"]
zs = []
for d in range(ndirs):
    for a in steps:
        dirs = ",".join(str(a if j == d else 0) for j in range(d + 1))
        zs.append(json.loads(get(f"api/edit?z={z}&dirs={dirs}"))["z"])
with open(out, "wb") as f:
    f.write(get(f"api/sheet.png?cols={len(steps)}&z=" + ",".join(zs)))
print(out)
